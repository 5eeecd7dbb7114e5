/**
 * `checkpoint` bench section: how long a checkpoint takes from its barrier until it is
 * published, on local disk, hdfs:// and oss://. That is the `checkpoint` events' durationMs:
 * closing the files rolled at the barrier (an upload on HDFS/OSS), writing the record,
 * publishing the files, the committed marker, the partition commits.
 *
 * Beside it, the raw limit measured in the same run: the same number of files of the same
 * size, written and published straight through the storage layer (open, write, close,
 * commit, all files at once), with no record, marker or partition commit.
 *
 * The job reads a steady stream: a file read at a capped rate (SLUICE_TEST_MAX_RATE, the knob
 * the crash tests use), 3 partitions, a checkpoint every second. HDFS and the OSS emulator
 * start if they are not running and stop only then.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import hdfs, { hdfsEnv } from '../test/stack/services/hdfs.ts';
import oss from '../test/stack/services/oss.ts';
import { parseIngestJob } from '../src/api/load.ts';
import { runtimeConfig } from '../src/pipeline/runtime-config.ts';
import { secretFromEnv } from '../src/secrets.ts';
import { registerBuiltinStorages } from '../src/storage/builtin.ts';
import { StorageResolver } from '../src/storage/resolve.ts';
import type { Storage } from '../src/storage/types.ts';
import { payloadInput } from './storage/payload-input.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RECORDS = 600_000;
const RATE = 100_000;
const INTERVAL = '1s';

interface Target {
  name: string;
  sink: string;
  /** YAML lines under `spec.storage:` (indented by 4); '' for local disk. */
  storage: string;
  env: Record<string, string>;
}

interface Checkpoint { durationMs: number; files: number; finished: boolean }

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function jobYaml(input: string, t: Target): string {
  return `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: bench-checkpoint-${t.name}}
spec:
  source: {files: {path: ${JSON.stringify(input)}}, format: {type: json}, schema: [{name: uid, type: INT}, {name: payload, type: STRING}]}
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT uid, payload, uid_to_pid(uid) AS pid FROM source
  sink:
    path: ${JSON.stringify(t.sink)}
    format: {type: csv}
    partitionBy: [pid]
    rollingPolicy: {fileSize: 128MB}
    partitionCommit: {policy: [success-file]}
  checkpoint: {interval: ${INTERVAL}}
${t.storage === '' ? '' : `  storage:\n${t.storage}\n`}`;
}

/** Run the job; its checkpoint events and the bytes per committed file. */
async function runJob(file: string, env: Record<string, string>): Promise<{ checkpoints: Checkpoint[]; bytesPerFile: number }> {
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(path.join(REPO, 'bin/sluice.mjs'), ['run', file, '--json'], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, SLUICE_DIST: '1', SLUICE_TEST_MAX_RATE: String(RATE) },
    });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  if (out.code !== 0) throw new Error(`${file}: sluice run exited ${out.code}: ${out.stderr.slice(-2000)}`);
  const events = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = events.find((e) => e.event === 'summary');
  if (summary === undefined) throw new Error(`${file}: no summary event`);
  const checkpoints = events.filter((e) => e.event === 'checkpoint').map((e) => e as unknown as Checkpoint);
  return { checkpoints, bytesPerFile: (summary.bytesCommitted as number) / (summary.filesCommitted as number) };
}

/** The raw limit: `files` files of `bytes` each written and published at once, straight through the storage layer. */
async function rawCommit(storage: Storage, dir: string, round: number, files: number, bytes: number): Promise<number> {
  const data = Buffer.alloc(bytes, 'abcdefgh,0123456\n');
  const t0 = performance.now();
  await Promise.all(Array.from({ length: files }, async (_, i) => {
    const w = await storage.open(storage.join(dir, `pid=${i}`, `raw-${round}`));
    for (let pos = 0; pos < bytes; pos += 512 << 10) await w.write(data.subarray(pos, Math.min(bytes, pos + (512 << 10))));
    await storage.commit(await w.closeForCommit());
  }));
  return performance.now() - t0;
}

async function measure(work: string, input: string, t: Target): Promise<void> {
  const file = path.join(work, `bench-checkpoint-${t.name}.yaml`);
  const yaml = jobYaml(input, t);
  await writeFile(file, yaml);
  const { checkpoints, bytesPerFile } = await runJob(file, t.env);
  // steady-state checkpoints: files to publish, not the final one at the end of input
  const steady = checkpoints.filter((c) => !c.finished && c.files > 0);
  if (steady.length === 0) throw new Error(`${t.name}: no checkpoint published files before the end of input`);
  const files = Math.round(steady.reduce((s, c) => s + c.files, 0) / steady.length);
  const config = runtimeConfig(parseIngestJob(yaml, file).job);
  const storages = new StorageResolver({ spec: config.storage, secret: (name, key) => secretFromEnv(name, key, t.env), partSize: config.sink.uploadPartSize });
  const raw: number[] = [];
  try {
    const storage = storages.for(config.sink.path);
    for (let round = 0; round < Math.max(5, steady.length); round++) raw.push(await rawCommit(storage, storage.join(config.sink.path, '_raw'), round, files, Math.round(bytesPerFile)));
  } finally {
    await storages.close();
  }
  const ms = steady.map((c) => c.durationMs);
  const p50 = quantile(ms, 0.5);
  console.log(`${t.name.padEnd(5)}: p50 ${fmt(p50)} ms  p95 ${fmt(quantile(ms, 0.95))} ms  max ${fmt(Math.max(...ms))} ms  (${steady.length} checkpoints of ${files} files, ${fmt(bytesPerFile / 1e6, 1)} MB each)`
    + `   raw: the same files written and published p50 ${fmt(quantile(raw, 0.5))} ms → ${fmt(p50 / quantile(raw, 0.5), 1)}×`);
}

export async function benchCheckpointLatency(work: string): Promise<void> {
  registerBuiltinStorages();
  const input = await payloadInput(work, RECORDS, 64);
  console.log(`\n## checkpoint: barrier → published (a checkpoint every ${INTERVAL}; ${fmt(RATE)} records/s of ~70-byte rows in, 3 partitions)`);
  const localOut = path.join(work, 'checkpoint-local-out');
  await rm(localOut, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    await measure(work, input, { name: 'local', sink: localOut, storage: '', env: {} });
  } finally {
    await rm(localOut, { recursive: true, force: true });
  }

  const hdfsStarted = (await hdfs.status()) === null;
  if (hdfsStarted) await hdfs.up();
  try {
    const env = hdfsEnv();
    const base = `${env.HDFS_NAMENODE}/sluice-bench/checkpoint-${Date.now()}`;
    await measure(work, input, { name: 'hdfs', sink: base, storage: `    hdfs: {namenodes: {"${new URL(env.HDFS_NAMENODE).host}": "${env.HDFS_WEBHDFS}"}}`, env: {} });
  } finally {
    if (hdfsStarted) await hdfs.down();
  }

  const ossStarted = (await oss.status()) === null;
  const env = ossStarted ? await oss.up() : (await oss.status())!;
  try {
    await measure(work, input, {
      name: 'oss', sink: `oss://${env.OSS_BUCKET}/sluice-bench/checkpoint-${Date.now()}`,
      storage: `    oss: {endpoint: "${env.OSS_ENDPOINT}", region: ${env.OSS_REGION}, pathStyle: true, credentialsSecret: bench-oss}`,
      env: { SLUICE_SECRET_BENCH_OSS_ACCESSKEYID: env.OSS_ACCESS_KEY_ID!, SLUICE_SECRET_BENCH_OSS_ACCESSKEYSECRET: env.OSS_ACCESS_KEY_SECRET! },
    });
  } finally {
    if (ossStarted) await oss.down();
  }
}
