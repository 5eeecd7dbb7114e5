/**
 * `partitions` bench section: what many distinct partition values cost. The same records
 * (`{"uid": n}` JSON lines, uid 0..999,999) → SELECT uid, MOD(uid, N) AS p → CSV partitioned by
 * p, a `_SUCCESS` file per partition (process-time trigger, no delay), a checkpoint every 5 s.
 * Every part file rolls at every checkpoint, so a checkpoint publishes about one file per
 * partition that got data since the last one: N = 10,000 means checkpoints of ~10,000 files.
 *
 * Per run: records/s (restore → final commit, the summary's elapsedSeconds), peak RSS (the
 * summary's maxRssMb, or VmHWM from /proc when it is higher), peak open file descriptors (from
 * /proc/<pid>/fd, sampled every 50 ms), checkpoint duration p50/max (the `checkpoint` events),
 * files committed. The raw reference is the N = 3 run on the same storage in the same section:
 * each N's records/s is printed as a share of it. Then the checkpoint durations by files
 * published, per storage (how a checkpoint scales from 1,000 to 10,000 files).
 *
 * Knobs: BENCH_PARTITIONS_RECORDS (3,000,000), BENCH_PARTITIONS_COUNTS (local disk:
 * 3,1000,10000,100000), BENCH_PARTITIONS_REMOTE_COUNTS (hdfs and oss: 3,1000,10000),
 * BENCH_PARTITIONS_STORAGES (local,hdfs,oss), BENCH_PARTITIONS_TIMEOUT (seconds per run, 600:
 * a run still going then is stopped with SIGTERM and takes its final checkpoint, SIGKILLed if
 * that takes over 180 s more; its figures are over what it committed, and a note says so), and BENCH_PARTITIONS_MAX_OPEN_FILES / _MEMORY_BUDGET /
 * _COMMIT_CONCURRENCY, which set the sink's maxOpenFiles / memoryBudget / commitConcurrency
 * (unset: the job's defaults). From the built dist/.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckpointEvent as RunnerCheckpoint } from '../src/pipeline/runner-listener.ts';
import { fmt, quantile } from './figures.ts';
import { sampleProc, type ProcPeaks, type ProcSampler } from './proc-sampler.ts';
import { spawnSluiceJob } from './storage/run-job.ts';
import { withRemoteTarget, type RemoteName } from './storage/targets.ts';
import { uidInput } from './uid-input.ts';

const env = process.env;
const RECORDS = Number(env.BENCH_PARTITIONS_RECORDS ?? 3_000_000);
const TIMEOUT_S = Number(env.BENCH_PARTITIONS_TIMEOUT ?? 600);
/** uid's range: MOD(uid, N) takes every value below N for N up to 100,000 (~30 records each at 3M). */
const UID_RANGE = 1_000_000;
/** After the SIGTERM at the time limit, how long the run's final checkpoint may take before SIGKILL. */
const KILL_AFTER_S = 180;
const SAMPLE_MS = 50;
const TARGET_RSS_MB = 256;
const TARGET_SHARE = 0.5;
const TARGET_SHARE_AT = 10_000;

function counts(name: string, fallback: string): number[] {
  return (env[name] ?? fallback).split(',').map((c) => {
    const n = Number(c);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`${name}: ${c} is not a partition count`);
    return n;
  });
}

/** The sink settings the env asks for, as `spec.sink` YAML lines; none by default (the job's defaults). */
function sinkOverrides(): string[] {
  const lines: string[] = [];
  if (env.BENCH_PARTITIONS_MAX_OPEN_FILES) lines.push(`maxOpenFiles: ${Number(env.BENCH_PARTITIONS_MAX_OPEN_FILES)}`);
  if (env.BENCH_PARTITIONS_MEMORY_BUDGET) lines.push(`memoryBudget: ${env.BENCH_PARTITIONS_MEMORY_BUDGET}`);
  if (env.BENCH_PARTITIONS_COMMIT_CONCURRENCY) lines.push(`commitConcurrency: ${Number(env.BENCH_PARTITIONS_COMMIT_CONCURRENCY)}`);
  return lines;
}

function jobYaml(n: number, input: string, sink: string, storage: string): string {
  return `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: bench-partitions-${n}}
spec:
  source: {files: {path: ${JSON.stringify(input)}}, format: {type: json}, schema: [{name: uid, type: INT}]}
  transform:
    query: SELECT uid, MOD(uid, ${n}) AS p FROM source
  sink:
    path: ${JSON.stringify(sink)}
    format: {type: csv}
    partitionBy: [p]
    partitionCommit: {trigger: process-time, delay: 0s, policy: [success-file]}
${sinkOverrides().map((l) => `    ${l}\n`).join('')}  checkpoint: {interval: 5s}
${storage === '' ? '' : `  storage:\n${storage}\n`}`;
}

type CheckpointEvent = Pick<RunnerCheckpoint, 'durationMs' | 'files' | 'counters'> & { time: string };

interface Where {
  name: 'local' | RemoteName;
  /** The sink URL of the run for `n` partitions. */
  sink(n: number): string;
  storage: string;
  env: Record<string, string>;
  remove(n: number): Promise<void>;
}

interface Run {
  n: number;
  records: number;
  seconds: number;
  rssMb: number | null;
  fds: number | null;
  /** Checkpoints that published files: duration and files each. */
  checkpoints: Array<{ durationMs: number; files: number }>;
  files: number | null;
  /** Why the figures cover less than the whole input, or null. */
  capped: string | null;
}

async function runOne(work: string, input: string, where: Where, n: number): Promise<Run> {
  const file = path.join(work, `bench-partitions-${where.name}-${n}.yaml`);
  await writeFile(file, jobYaml(n, input, where.sink(n), where.storage));
  let sampler: ProcSampler | undefined;
  let peaks: ProcPeaks = { fds: null, hwmMb: null, samples: 0 };
  try {
    const run = await spawnSluiceJob(file, {
      env: where.env,
      onSpawn: (pid) => (sampler = sampleProc(pid, SAMPLE_MS)),
      timeoutMs: TIMEOUT_S * 1000,
      killAfterMs: KILL_AFTER_S * 1000,
    });
    peaks = (await sampler?.stop()) ?? peaks;
    const summary = run.events.find((e) => e.event === 'summary');
    const checkpoints = run.events.filter((e) => e.event === 'checkpoint') as unknown as CheckpointEvent[];
    const published = checkpoints.filter((c) => c.files > 0).map((c) => ({ durationMs: c.durationMs, files: c.files }));
    const maxRss = summary?.maxRssMb as number | undefined;
    const rssMb = maxRss === undefined && peaks.hwmMb === null ? null : Math.max(maxRss ?? 0, peaks.hwmMb ?? 0);
    if (summary !== undefined) {
      const records = summary.recordsCommitted as number;
      const capped = run.stopped ? `stopped after ${TIMEOUT_S} s (BENCH_PARTITIONS_TIMEOUT) with a final checkpoint: ${fmt(records)} of ${fmt(RECORDS)} records committed; its figures are over those` : null;
      if (capped === null && records !== RECORDS) throw new Error(`${where.name} N=${n}: committed ${records} of ${RECORDS}`);
      return {
        n, records, capped, checkpoints: published, rssMb, fds: peaks.fds,
        seconds: summary.elapsedSeconds as number, files: summary.filesCommitted as number,
      };
    }
    // SIGKILLed while its final checkpoint ran: the figures up to its last completed checkpoint
    const restore = run.events.find((e) => e.event === 'restore');
    const last = checkpoints.at(-1);
    const records = last?.counters.records ?? 0;
    return {
      n, records, checkpoints: published, rssMb, fds: peaks.fds, files: last?.counters.files ?? null,
      seconds: last === undefined || restore === undefined ? TIMEOUT_S : (Date.parse(last.time) - Date.parse(restore.time as string)) / 1000,
      capped: `stopped after ${TIMEOUT_S} s (BENCH_PARTITIONS_TIMEOUT), and killed when its final checkpoint outlasted ${KILL_AFTER_S} s more: `
        + `${fmt(records)} of ${fmt(RECORDS)} records committed at its last completed checkpoint (${last === undefined ? 'none' : `#${checkpoints.length}`}); records/s and files are up to it`,
    };
  } finally {
    await sampler?.stop(); // when the run threw
    // a failed clean-up must neither hide the run's own error nor end the section
    await where.remove(n).catch((e: unknown) => console.log(`note     : could not delete the output of N = ${fmt(n)}: ${(e as Error).message}`));
  }
}

const opt = (x: number | null, d = 0): string => (x === null ? '—' : fmt(x, d));

function row(r: Run, base: Run | undefined): string {
  const rate = r.records / r.seconds;
  const ms = r.checkpoints.map((c) => c.durationMs);
  const share = base === undefined ? '—' : `${fmt((100 * rate) / (base.records / base.seconds), 1)}%`;
  return `${fmt(r.n).padStart(10)} ${fmt(rate).padStart(10)} ${share.padStart(8)} ${`${opt(r.rssMb)} MB`.padStart(9)} ${opt(r.fds).padStart(8)}`
    + ` ${String(ms.length).padStart(5)} ${(ms.length ? fmt(quantile(ms, 0.5)) : '—').padStart(8)} ${(ms.length ? fmt(Math.max(...ms)) : '—').padStart(8)}`
    + ` ${(r.checkpoints.length ? fmt(quantile(r.checkpoints.map((c) => c.files), 0.5)) : '—').padStart(10)} ${opt(r.files).padStart(10)}   ${fmt(r.seconds, 2)} s`;
}

function printTargets(runs: Run[]): void {
  const base = runs.find((r) => r.n === 3);
  const rss = runs.filter((r) => r.rssMb !== null);
  const worst = rss.reduce<Run | undefined>((w, r) => (w === undefined || r.rssMb! > w.rssMb! ? r : w), undefined);
  if (worst !== undefined) {
    console.log(`target   : peak RSS < ${TARGET_RSS_MB} MB at every N: ${worst.rssMb! < TARGET_RSS_MB ? 'met' : 'NOT met'} (highest ${fmt(worst.rssMb!)} MB, at N = ${fmt(worst.n)})`);
  }
  const at = runs.find((r) => r.n === TARGET_SHARE_AT);
  if (base !== undefined && at !== undefined) {
    const share = at.records / at.seconds / (base.records / base.seconds);
    console.log(`target   : N = ${fmt(TARGET_SHARE_AT)} at >= ${fmt(100 * TARGET_SHARE)}% of N = 3's records/s: ${share >= TARGET_SHARE ? 'met' : 'NOT met'} (${fmt(100 * share, 1)}%)`);
  }
  for (const r of runs) {
    if (r.capped !== null) console.log(`note     : N = ${fmt(r.n)} ${r.capped}`);
  }
}

async function benchStorage(work: string, input: string, where: Where, ns: number[]): Promise<Run[]> {
  const overrides = sinkOverrides();
  console.log(`\n## partitions on ${where.name === 'local' ? 'local disk' : `${where.name}://${where.name === 'hdfs' ? ' (MiniDFSCluster)' : ' (emulator)'}`}: ${fmt(RECORDS)} records → CSV partitioned by MOD(uid, N), a _SUCCESS per partition, a checkpoint every 5 s (sink ${overrides.length ? overrides.join(', ') : 'defaults'})`);
  console.log('partitions  records/s  % of N=3  peak RSS peak fds  ckpts  p50 ms   max ms  files/ckpt files total   restore→final commit');
  const runs: Run[] = [];
  for (const n of ns) {
    const r = await runOne(work, input, where, n);
    runs.push(r);
    console.log(row(r, runs.find((b) => b.n === 3)));
  }
  printTargets(runs);
  return runs;
}

/** Checkpoint duration by files published: each run's median checkpoint, per storage. */
function printScaling(all: Array<{ name: string; runs: Run[] }>): void {
  console.log('\n## partitions: checkpoint duration by files published (each run\'s checkpoints that published files; p50 / max)');
  for (const { name, runs } of all) {
    const cells = runs.filter((r) => r.n >= 1000 && r.checkpoints.length > 0).map((r) => {
      const ms = r.checkpoints.map((c) => c.durationMs);
      const files = quantile(r.checkpoints.map((c) => c.files), 0.5);
      const p50 = quantile(ms, 0.5);
      return `${fmt(files)} files: ${fmt(p50)} / ${fmt(Math.max(...ms))} ms (${fmt((1000 * p50) / files, 1)} ms per 1,000)`;
    });
    if (cells.length > 0) console.log(`${name.padEnd(5)}: ${cells.join('   ')}`);
  }
  if (all.some((s) => s.name === 'local')) console.log('target   : a checkpoint of 10,000 files on local disk well under the 5 s interval');
}

export async function benchPartitions(work: string): Promise<void> {
  const storages = (env.BENCH_PARTITIONS_STORAGES ?? 'local,hdfs,oss').split(',');
  for (const s of storages) if (!['local', 'hdfs', 'oss'].includes(s)) throw new Error(`BENCH_PARTITIONS_STORAGES: unknown storage ${s}`);
  const input = await uidInput(work, RECORDS, UID_RANGE);
  const all: Array<{ name: string; runs: Run[] }> = [];
  if (storages.includes('local')) {
    const out = path.join(work, 'partitions-out');
    await mkdir(work, { recursive: true });
    const where: Where = {
      name: 'local', sink: (n) => path.join(out, String(n)), storage: '', env: {},
      remove: (n) => rm(path.join(out, String(n)), { recursive: true, force: true }),
    };
    try {
      all.push({ name: 'local', runs: await benchStorage(work, input, where, counts('BENCH_PARTITIONS_COUNTS', '3,1000,10000,100000')) });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  for (const name of ['hdfs', 'oss'] as const) {
    if (!storages.includes(name)) continue;
    const runs = await withRemoteTarget(name, 'partitions', (t) => benchStorage(work, input, {
      name, sink: (n) => t.url(String(n)), storage: t.storage, env: t.env, remove: (n) => t.remove(String(n)),
    }, counts('BENCH_PARTITIONS_REMOTE_COUNTS', '3,1000,10000')));
    all.push({ name, runs });
  }
  printScaling(all);
}
