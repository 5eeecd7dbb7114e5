/**
 * `npm run bench`: figures, not tests. Each figure is printed beside a raw limit measured in the
 * same run on the same machine, so the ratio means something on a shared 2-core box.
 *
 *   local: 10,000,000 `{"uid": n}` JSON lines (uid 0..100) → SELECT uid, uid_to_pid(uid) AS pid
 *          → CSV partitioned by pid, versus a loop that only parses and writes one CSV file.
 *
 *   hdfs:  `{"uid", "payload"}` JSON lines (300,000 ~1 KB rows, then 3,000,000 ~70-byte rows) →
 *          the same query → CSV partitioned by pid on hdfs:// (the stack's MiniDFSCluster), versus
 *          raw WebHDFS CREATEs of the same bytes in files of the same sizes (bench/storage/).
 *   oss:   the same on oss:// (the stack's OSS emulator), versus raw ali-oss multipart uploads of
 *          the same bytes in objects of the same sizes and parts of the same size.
 *
 *   checkpoint: how long a checkpoint takes from barrier to published on local disk, hdfs:// and
 *          oss://, beside the same files written and published straight through the storage
 *          layer (checkpoint-latency.ts).
 *
 *   partitions: 3,000,000 `{"uid"}` records → CSV partitioned by MOD(uid, N) for N = 3 to 100,000
 *          (local disk; 3 to 10,000 on hdfs:// and oss://): records/s beside the N = 3 run, peak
 *          RSS, peak open fds, checkpoint durations by files published (partitions.ts).
 *
 * BENCH_RECORDS overrides the local record count, BENCH_STORAGE_SHAPES (`records x width`,...) the hdfs/oss rows;
 *   formats: the local job with each sink format (CSV, CSV+gzip, CSV+zstd, JSON+gzip, Parquet snappy
 *          and zstd) beside plain CSV, on the seed shape and ~1 KB rows (formats.ts).
 *
 * BENCH_ONLY=local,formats,hdfs,oss,kafka,checkpoint,partitions picks sections. hdfs/oss start their service if it is not running
 * and stop only what they started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCheckpointLatency } from './checkpoint-latency.ts';
import { fmt } from './figures.ts';
import { benchFormats } from './formats.ts';
import { benchPartitions } from './partitions.ts';
import { benchHdfs } from './storage/hdfs-section.ts';
import { benchOss } from './storage/oss-section.ts';
import { storageShapes } from './storage/payload-input.ts';
import { shared } from './shared.ts';
import { uidInput as uidInputIn } from './uid-input.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(REPO, '.cache', 'bench');
const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000_000);
const ONLY = process.env.BENCH_ONLY?.split(',');

interface ChildResult { stdout: string; seconds: number; code: number | null; stderr: string }

/** The node flags `bin/sluice.mjs` runs with (its shebang); the baseline gets the same. */
const RUNTIME_FLAGS = ['--max-semi-space-size=16', '--max-old-space-size=512'];

function runNode(args: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const [cmd, argv] = args[0]!.endsWith('sluice.mjs') ? [args[0]!, args.slice(1)] : [process.execPath, [...RUNTIME_FLAGS, ...args]];
    const c = spawn(cmd, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('exit', (code) => resolve({ stdout, stderr, code, seconds: (performance.now() - t0) / 1000 }));
  });
}

const uidInput = (n: number): Promise<string> => uidInputIn(WORK, n);

async function benchLocal(): Promise<void> {
  const input = await uidInput(RECORDS);
  const bytes = (await stat(input)).size;
  const dir = path.join(WORK, 'local');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const base = await runNode([path.join(REPO, 'bench/baseline-loop.ts'), input, path.join(dir, 'baseline.csv')]);
  if (base.code !== 0) throw new Error(base.stderr);
  const b = JSON.parse(base.stdout) as { records: number; seconds: number; maxRssMb: number };
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: bench-local}
spec:
  source: {files: {path: ${JSON.stringify(input)}}, format: {type: json}, schema: [{name: uid, type: INT}]}
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT uid, uid_to_pid(uid) AS pid FROM source
  sink: {path: out, format: {type: csv}, partitionBy: [pid], rollingPolicy: {fileSize: 2MB}, partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 5s}
`);
  const runJob = async (dist: boolean): Promise<{ seconds: number; maxRssMb: number; cpuSeconds: number }> => {
    await rm(path.join(dir, 'out'), { recursive: true, force: true });
    const run = await runNode([path.join(REPO, 'bin/sluice.mjs'), 'run', job, '--json'], { SLUICE_DIST: dist ? '1' : '0' });
    if (run.code !== 0) throw new Error(run.stderr);
    const summary = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'summary')!;
    if (summary.recordsCommitted !== RECORDS) throw new Error(`committed ${String(summary.recordsCommitted)} of ${RECORDS}`);
    return { seconds: summary.elapsedSeconds as number, maxRssMb: summary.maxRssMb as number, cpuSeconds: summary.cpuSeconds as number };
  };
  const built = await runJob(true);
  const fromSrc = await runJob(false);
  const rate = RECORDS / built.seconds;
  const baseRate = b.records / b.seconds;
  console.log(`\n## local file → partitioned CSV (${fmt(RECORDS)} records, ${fmt(bytes / 1e6, 1)} MB in)`);
  shared.localCpuSecondsPerMillion = built.cpuSeconds / (RECORDS / 1e6);
  console.log(`pipeline : ${fmt(rate)} records/s  ${fmt(bytes / 1e6 / built.seconds, 1)} MB/s  CPU ${fmt(shared.localCpuSecondsPerMillion, 2)} s/M records  peak RSS ${fmt(built.maxRssMb)} MB  (${fmt(built.seconds, 2)} s from restore to final commit; built dist/, as in the image)`);
  console.log(`  from TypeScript sources (a checkout): ${fmt(RECORDS / fromSrc.seconds)} records/s  peak RSS ${fmt(fromSrc.maxRssMb)} MB`);
  console.log(`baseline : ${fmt(baseRate)} records/s  ${fmt(bytes / 1e6 / b.seconds, 1)} MB/s  peak RSS ${fmt(b.maxRssMb, 0)} MB  (parse + one CSV file, no checkpoints)`);
  console.log(`ratio    : ${fmt((100 * rate) / baseRate, 1)}% of baseline   targets: >= 1,000,000 records/s, >= 50% of baseline, RSS < 200 MB`);
}

const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: REPO, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');
const sections: Record<string, () => Promise<void>> = {
  local: benchLocal,
  formats: () => benchFormats(WORK, uidInput),
  hdfs: () => benchHdfs(WORK, storageShapes()),
  oss: () => benchOss(WORK, storageShapes()),
  kafka: async () => (await import('./kafka.ts')).benchKafka(),
  checkpoint: () => benchCheckpointLatency(WORK),
  partitions: () => benchPartitions(WORK),
};
for (const [name, fn] of Object.entries(sections)) {
  if (ONLY && !ONLY.includes(name)) continue;
  await fn();
}
