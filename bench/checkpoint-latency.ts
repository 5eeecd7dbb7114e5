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
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseIngestJob } from '../src/api/load.ts';
import { runtimeConfig } from '../src/pipeline/runtime-config.ts';
import { secretFromEnv } from '../src/secrets.ts';
import { registerBuiltinStorages } from '../src/storage/builtin.ts';
import { StorageResolver } from '../src/storage/resolve.ts';
import type { Storage } from '../src/storage/types.ts';
import { fmt, quantile } from './figures.ts';
import { payloadInput } from './storage/payload-input.ts';
import { payloadJobYaml, runSluiceJob } from './storage/run-job.ts';
import { withRemoteTarget } from './storage/targets.ts';

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

/** Run the job; its checkpoint events and the bytes per committed file. */
async function runJob(file: string, env: Record<string, string>): Promise<{ checkpoints: Checkpoint[]; bytesPerFile: number }> {
  const events = await runSluiceJob(file, { ...env, SLUICE_TEST_MAX_RATE: String(RATE) });
  const summary = events.find((e) => e.event === 'summary');
  if (summary === undefined) throw new Error(`${file}: no summary event`);
  const checkpoints = events.filter((e) => e.event === 'checkpoint').map((e) => e as unknown as Checkpoint);
  return { checkpoints, bytesPerFile: (summary.bytesCommitted as number) / (summary.filesCommitted as number) };
}

/** Delete every file below `dir` (then the empty directories, where the backend has them). */
async function deleteTree(storage: Storage, dir: string): Promise<void> {
  for (const e of await storage.list(dir)) {
    if (e.isDirectory) await deleteTree(storage, e.path);
    await storage.delete(e.path);
  }
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
  // files roll only at checkpoints (128MB is never reached in a second)
  const yaml = payloadJobYaml({ name: `bench-checkpoint-${t.name}`, input, sink: t.sink, storage: t.storage, fileSize: '128MB' }, INTERVAL);
  await writeFile(file, yaml);
  const { checkpoints, bytesPerFile } = await runJob(file, t.env);
  // steady-state checkpoints: files to publish, not the final one at the end of input
  const steady = checkpoints.filter((c) => !c.finished && c.files > 0);
  if (steady.length === 0) throw new Error(`${t.name}: no checkpoint published files before the end of input`);
  const files = Math.round(steady.reduce((s, c) => s + c.files, 0) / steady.length);
  const config = runtimeConfig(parseIngestJob(yaml, file).job);
  const storages = new StorageResolver({ spec: config.storage, secret: (name, key) => secretFromEnv(name, key, t.env), partSize: config.sink.uploadPartSize });
  const raw: number[] = [];
  const storage = storages.for(config.sink.path);
  try {
    for (let round = 0; round < Math.max(5, steady.length); round++) raw.push(await rawCommit(storage, storage.join(config.sink.path, '_raw'), round, files, Math.round(bytesPerFile)));
  } finally {
    await deleteTree(storage, config.sink.path).catch(() => undefined); // the job's output, its state and the raw files
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

  for (const name of ['hdfs', 'oss'] as const) {
    await withRemoteTarget(name, 'checkpoint', (t) => measure(work, input, { name, sink: t.url('out'), storage: t.storage, env: t.env }));
  }
}
