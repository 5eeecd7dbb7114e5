/**
 * `npm run bench` section `kafka`: Kafka → partitioned CSV end to end, beside the raw kafkajs
 * consume rate measured in the same run on the same topic.
 *
 *   1. Start the stack broker if none runs (and stop it at the end only then).
 *   2. Produce BENCH_KAFKA_RECORDS (default 2,000,000) `{"uid": n}` records (the seed's
 *      producer, uid 0..100) into a fresh 3-partition topic.
 *   3. Raw limit: plain kafkajs consumes and discards them (test/stack/kafka/raw-consume-rate.ts),
 *      then Sluice's KafkaSplitReader alone reads them (the source without the pipeline).
 *   4. The seed's second job (`SELECT uid, uid_to_pid(uid) AS pid`, CSV partitioned by pid, 2MB
 *      files, success-file) from earliest with `boundedMode: latest-offset`, so `sluice run`
 *      ends by itself; records/s from its restore event to its summary (group join included,
 *      process start excluded, as the raw rates exclude their connect), and peak RSS from the summary.
 *
 *   5. The same raw consume-and-discard with @platformatic/kafka, a maintained alternative
 *      client, because kafkajs's decoding caps a Kafka-fed runner far below what the pipeline does
 *      from files (docs/decisions/0005-kafka-client.md). It is NOT a Sluice dependency: the bench
 *      installs it with npm into `.cache/bench-alt/` (git-ignored) on first use.
 *      BENCH_KAFKA_ALT=0 skips this step (e.g. with no registry in reach).
 *
 * Targets (issue): pipeline ≥ 80% of the raw kafkajs rate, peak RSS < 256 MB.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { produce, PRODUCE_DEFAULTS } from '../src/cli/produce.ts';
import { rawKafkajsConsumeRate, splitReaderConsumeRate } from '../test/stack/kafka/raw-consume-rate.ts';
import service, { brokerRunning } from '../test/stack/services/kafka.ts';
import { silenceKafkajsTimeoutWarning } from '../src/sources/kafka/node-warnings.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(REPO, '.cache', 'bench', 'kafka');
const PARTITIONS = 3;
const ALT_PACKAGE = '@platformatic/kafka';
const ALT_VERSION = '2.12.1';
const ALT_DIR = path.join(REPO, '.cache', 'bench-alt');

interface RunEvent {
  event: string;
  time: string;
  [k: string]: unknown;
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** `sluice run job --json` as a user runs it (bin/sluice.mjs and its node flags); its JSON events. */
function sluiceRun(job: string, dist: boolean): Promise<{ code: number | null; seconds: number; events: RunEvent[]; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(path.join(REPO, 'bin/sluice.mjs'), ['run', job, '--json'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_DIST: dist ? '1' : '0' } });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('exit', (code) => {
      const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
      resolve({ code, stderr, events, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** The few parts of @platformatic/kafka the bench uses (it is loaded from `.cache/bench-alt/`, untyped here). */
interface AltStream {
  on(event: 'data', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}
interface AltModule {
  Consumer: new (options: Record<string, unknown>) => { consume(options: Record<string, unknown>): Promise<AltStream>; close(force?: boolean): Promise<void> };
}

/** Install the alternative client into the scratch dir (once per version) and import it; a string says why not. */
async function loadAltClient(): Promise<AltModule | string> {
  const pkgDir = path.join(ALT_DIR, 'node_modules', ...ALT_PACKAGE.split('/'));
  const installed = (): string | undefined => {
    try {
      return (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      return undefined;
    }
  };
  if (installed() !== ALT_VERSION) {
    await mkdir(ALT_DIR, { recursive: true });
    // Its own package.json, so npm never walks up to the repo's and nothing of Sluice changes.
    if (!existsSync(path.join(ALT_DIR, 'package.json'))) {
      await writeFile(path.join(ALT_DIR, 'package.json'), `${JSON.stringify({ private: true, description: 'scratch install for npm run bench (kafka section); not a Sluice dependency' })}\n`);
    }
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', `${ALT_PACKAGE}@${ALT_VERSION}`], { cwd: ALT_DIR, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) return `npm install ${ALT_PACKAGE}@${ALT_VERSION} failed: ${`${r.error?.message ?? ''} ${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ')}`;
  }
  const entry = path.join(pkgDir, 'dist', 'index.js');
  return (await import(pathToFileURL(entry).href)) as AltModule;
}

/** @platformatic/kafka consumes `records` from the start of `topic` and discards them (values stay Buffers, as in the kafkajs figure). */
async function altConsumeRate(alt: AltModule, bootstrap: string, topic: string, records: number, deadlineMs = 300_000): Promise<number> {
  const consumer = new alt.Consumer({ clientId: 'raw-consume-rate-alt', groupId: `raw-consume-rate-alt-${Date.now()}`, bootstrapBrokers: [bootstrap] });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 3000 });
  let seen = 0;
  let first = 0;
  try {
    const last = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${ALT_PACKAGE}: consumed only ${seen} of ${records} records within ${deadlineMs} ms`)), deadlineMs);
      stream.on('error', reject);
      stream.on('data', () => {
        if (first === 0) first = performance.now();
        if (++seen === records) {
          clearTimeout(timer);
          resolve(performance.now());
        }
      });
    });
    return seen / ((last - first) / 1000);
  } finally {
    await stream.close().catch(() => undefined);
    await consumer.close(true).catch(() => undefined);
  }
}

function jobYaml(bootstrap: string, topic: string): string {
  return `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: bench-kafka}
spec:
  source:
    kafka: {bootstrapServers: ["${bootstrap}"], topic: ${topic}, startupMode: earliest-offset, boundedMode: latest-offset, groupId: sluice-bench-kafka}
    format: {type: json}
    schema: [{name: uid, type: INT}]
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT uid, uid_to_pid(uid) AS pid FROM source
  sink: {path: out, format: {type: csv}, partitionBy: [pid], rollingPolicy: {fileSize: 2MB}, partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 5s}
`;
}

/**
 * @param dist run the built dist/, as the image does (`npm run bench` builds first); run alone
 *   (`node bench/kafka.ts`) it runs the TypeScript sources, so no stale build is measured.
 */
export async function benchKafka(dist = true): Promise<void> {
  silenceKafkajsTimeoutWarning(); // kafkajs 2.2.4 on Node 24, harmless (src/sources/kafka/node-warnings.ts)
  const records = Number(process.env.BENCH_KAFKA_RECORDS ?? 2_000_000);
  if (!Number.isSafeInteger(records) || records <= 0) throw new Error(`BENCH_KAFKA_RECORDS=${process.env.BENCH_KAFKA_RECORDS} is not a positive integer`);
  const startedHere = !brokerRunning();
  const bootstrap = (await service.up()).KAFKA_BOOTSTRAP ?? '';
  try {
    const topic = `bench-kafka-${Date.now()}`;
    const produced = await produce({ ...PRODUCE_DEFAULTS, bootstrap, topic, count: records, batch: 10_000, interval: 0, partitions: PARTITIONS });
    const raw = await rawKafkajsConsumeRate(bootstrap, topic, records);
    const reader = await splitReaderConsumeRate(bootstrap, topic, records);
    let alt: string;
    if (process.env.BENCH_KAFKA_ALT === '0') alt = 'skipped (BENCH_KAFKA_ALT=0)';
    else {
      const mod = await loadAltClient();
      alt = typeof mod === 'string' ? `skipped: ${mod}` : `${fmt(await altConsumeRate(mod, bootstrap, topic, records))} records/s  (${ALT_PACKAGE} ${ALT_VERSION} consumer stream, discard; .cache/bench-alt/, not a dependency)`;
    }

    await rm(WORK, { recursive: true, force: true });
    await mkdir(WORK, { recursive: true });
    const job = path.join(WORK, 'job.yaml');
    await writeFile(job, jobYaml(bootstrap, topic));
    const run = await sluiceRun(job, dist);
    if (run.code !== 0) throw new Error(`sluice run exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const restore = run.events.find((e) => e.event === 'restore');
    const summary = run.events.find((e) => e.event === 'summary');
    if (restore === undefined || summary === undefined) throw new Error(`sluice run printed no restore/summary event: ${run.stderr.slice(-2000)}`);
    if (summary.recordsCommitted !== records || summary.finished !== true) {
      throw new Error(`sluice run committed ${String(summary.recordsCommitted)} of ${records} records (finished: ${String(summary.finished)})`);
    }
    const seconds = (Date.parse(summary.time) - Date.parse(restore.time)) / 1000;
    const rate = records / seconds;
    const rss = summary.maxRssMb as number;
    const ratio = (100 * rate) / raw.recordsPerSecond;
    const bytes = summary.bytesCommitted as number;
    console.log(`\n## Kafka → partitioned CSV (${fmt(records)} records, ${PARTITIONS} partitions, the seed's second job, bounded at latest-offset)`);
    console.log(`pipeline : ${fmt(rate)} records/s  peak RSS ${fmt(rss)} MB  (${fmt(seconds, 2)} s restore → end, ${fmt(run.seconds, 2)} s with process start; ${fmt(bytes / 1e6, 1)} MB CSV out; ${dist ? 'built dist/' : 'TypeScript sources'})`);
    console.log(`reader   : ${fmt(reader.recordsPerSecond)} records/s  (Sluice's KafkaSplitReader alone, poll and discard)`);
    const rawWithSetup = raw.records / raw.secondsWithSetup;
    console.log(`raw      : ${fmt(raw.recordsPerSecond)} records/s first batch → last; ${fmt(rawWithSetup)} records/s connect → last, group join included like the pipeline's (kafkajs 2.2.4 consumer, eachBatch, discard)`);
    console.log(`alt raw  : ${alt}`);
    console.log(`produce  : ${fmt(produced.recordsPerSecond)} records/s  (sluice produce, batches of 10,000)`);
    const ratioSetup = (100 * rate) / rawWithSetup;
    console.log(`ratio    : ${fmt(ratioSetup, 1)}% of raw kafkajs measured alike (connect → last); ${fmt(ratio, 1)}% of its steady-state rate   targets: >= 80% of raw, RSS < 256 MB   ${ratioSetup >= 80 && rss < 256 ? 'met (setup included on both sides)' : 'NOT met'}${ratio >= 80 ? '; met on steady state too' : ''}`);
  } finally {
    if (startedHere) await service.down();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKafka(false);
