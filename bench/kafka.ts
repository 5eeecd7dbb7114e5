/**
 * `npm run bench` section `kafka`: the seed's Kafka job end to end, beside the raw
 * consume-and-discard rate of @platformatic/kafka (the client Sluice uses) and of kafkajs (the
 * client it replaced), on the same topic in the same run, at each size of BENCH_KAFKA_RECORDS
 * (default `2000000,10000000`, so growth with topic size shows).
 *
 *   1. Start the stack broker if none runs (and stop it at the end only then).
 *   2. Per size: produce that many `{"uid": n}` records (the seed's producer, uid 0..100) into
 *      a fresh 3-partition topic.
 *   3. Raw limits, each in a process of its own (`kafka-raw-consume.ts`, so CPU and RSS are the
 *      client's alone): @platformatic/kafka's consumer stream, kafkajs 2.2.4's `eachBatch`
 *      (installed with npm into `.cache/bench-alt/`, git-ignored, not a Sluice dependency;
 *      BENCH_KAFKA_ALT=0 skips it), and Sluice's KafkaSplitReader alone.
 *   4. The seed's second job (`SELECT uid, uid_to_pid(uid) AS pid`, CSV partitioned by pid, 2MB
 *      files, success-file) from earliest with `boundedMode: latest-offset`, so `sluice run`
 *      ends by itself: records/s restore → end, CPU-seconds per million records and peak RSS
 *      from its summary.
 *
 * Targets (issue 10): pipeline ≥ 80% of raw @platformatic/kafka, CPU per record within 2× of
 * the local-file path (`local` section, same run: BENCH_ONLY=kafka,local), peak RSS < 200 MB.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { produce, PRODUCE_DEFAULTS } from '../src/cli/produce.ts';
import service, { brokerRunning } from '../test/stack/services/kafka.ts';
import { shared } from './shared.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(REPO, '.cache', 'bench', 'kafka');
const PARTITIONS = 3;
const KAFKAJS_VERSION = '2.2.4';
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

/** Install kafkajs into the scratch dir (once per version); its entry file, or a string saying why not. */
function installKafkajs(): { entry: string } | string {
  const pkgDir = path.join(ALT_DIR, 'node_modules', 'kafkajs');
  const installed = (): string | undefined => {
    try {
      return (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      return undefined;
    }
  };
  if (installed() !== KAFKAJS_VERSION) {
    mkdirSync(ALT_DIR, { recursive: true });
    // Its own package.json, so npm never walks up to the repo's and nothing of Sluice changes.
    if (!existsSync(path.join(ALT_DIR, 'package.json'))) {
      writeFileSync(path.join(ALT_DIR, 'package.json'), `${JSON.stringify({ private: true, description: 'scratch install for npm run bench (kafka section); not a Sluice dependency' })}\n`);
    }
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', `kafkajs@${KAFKAJS_VERSION}`], { cwd: ALT_DIR, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) return `npm install kafkajs@${KAFKAJS_VERSION} failed: ${`${r.error?.message ?? ''} ${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ')}`;
  }
  return { entry: path.join(pkgDir, 'index.js') };
}

interface RawRate {
  records: number;
  seconds: number;
  secondsWithSetup: number;
  cpuSeconds: number;
  maxRssMb: number;
}

/** One raw consume-and-discard run in its own process (bench/kafka-raw-consume.ts). */
function rawConsume(client: 'platformatic' | 'kafkajs' | 'reader', bootstrap: string, topic: string, records: number, extra: string[] = []): Promise<RawRate> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--max-semi-space-size=16', path.join(REPO, 'bench/kafka-raw-consume.ts'), client, bootstrap, topic, String(records), ...extra], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('exit', (code) => {
      if (code !== 0) reject(new Error(`raw consume (${client}) exited ${code}: ${stderr.slice(-1500)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as RawRate);
    });
  });
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

const perMillion = (cpuSeconds: number, records: number): number => cpuSeconds / (records / 1e6);

function rawLine(name: string, r: RawRate): string {
  return `${name.padEnd(9)}: ${fmt(r.records / r.seconds).padStart(11)} records/s first record → last (${fmt(r.records / r.secondsWithSetup)} connect → last)  CPU ${fmt(perMillion(r.cpuSeconds, r.records), 2)} s/M records  peak RSS ${fmt(r.maxRssMb)} MB`;
}

/**
 * @param dist run the built dist/, as the image does (`npm run bench` builds first); run alone
 *   (`node bench/kafka.ts`) it runs the TypeScript sources, so no stale build is measured.
 */
export async function benchKafka(dist = true): Promise<void> {
  const sizes = (process.env.BENCH_KAFKA_RECORDS ?? '2000000,10000000').split(',').map((t) => Number(t.trim()));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new Error(`BENCH_KAFKA_RECORDS=${process.env.BENCH_KAFKA_RECORDS} is not a list of positive integers`);
  const startedHere = !brokerRunning();
  const bootstrap = (await service.up()).KAFKA_BOOTSTRAP ?? '';
  const kafkajs = process.env.BENCH_KAFKA_ALT === '0' ? 'skipped (BENCH_KAFKA_ALT=0)' : installKafkajs();
  try {
    for (const records of sizes) {
      const topic = `bench-kafka-${records}-${Date.now()}`;
      const produced = await produce({ ...PRODUCE_DEFAULTS, bootstrap, topic, count: records, batch: 10_000, interval: 0, partitions: PARTITIONS });
      const platformatic = await rawConsume('platformatic', bootstrap, topic, records);
      const old = typeof kafkajs === 'string' ? kafkajs : await rawConsume('kafkajs', bootstrap, topic, records, [kafkajs.entry]);
      const reader = await rawConsume('reader', bootstrap, topic, records);

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
      const cpuM = perMillion(summary.cpuSeconds as number, records);
      const rawRate = platformatic.records / platformatic.seconds;
      const rawSetup = platformatic.records / platformatic.secondsWithSetup;
      const bytes = summary.bytesCommitted as number;
      console.log(`\n## Kafka → partitioned CSV (${fmt(records)} records, ${PARTITIONS} partitions, the seed's second job, bounded at latest-offset)`);
      console.log(`pipeline : ${fmt(rate).padStart(11)} records/s restore → end (${fmt(seconds, 2)} s; ${fmt(run.seconds, 2)} s with process start)  CPU ${fmt(cpuM, 2)} s/M records  peak RSS ${fmt(rss)} MB  (${fmt(bytes / 1e6, 1)} MB CSV; ${dist ? 'built dist/' : 'TypeScript sources'})`);
      console.log(rawLine('reader', reader) + '  (Sluice\'s KafkaSplitReader alone, poll + discard)');
      console.log(rawLine('raw plt', platformatic) + '  (@platformatic/kafka consumer stream, discard)');
      console.log(typeof old === 'string' ? `raw kjs  : ${old}` : rawLine('raw kjs', old) + `  (kafkajs ${KAFKAJS_VERSION} eachBatch, discard; .cache/bench-alt/, not a dependency)`);
      console.log(`produce  : ${fmt(produced.recordsPerSecond)} records/s  (sluice produce, batches of 10,000)`);
      const ratio = (100 * rate) / rawRate;
      const ratioSetup = (100 * rate) / rawSetup;
      const local = shared.localCpuSecondsPerMillion;
      const cpuRatio = local === undefined ? undefined : cpuM / local;
      console.log(
        `targets  : ${fmt(ratio, 1)}% of raw @platformatic/kafka steady state (${fmt(ratioSetup, 1)}% measured alike, connect → last) [>= 80%]; ` +
          (cpuRatio === undefined ? 'CPU vs local: run with BENCH_ONLY=local,kafka; ' : `CPU ${fmt(cpuRatio, 2)}× the local-file path's ${fmt(local ?? 0, 2)} s/M [<= 2×]; `) +
          `peak RSS ${fmt(rss)} MB [< 200 MB]`,
      );
    }
  } finally {
    if (startedHere) await service.down();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKafka(false);
