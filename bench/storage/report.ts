/** How a storage section prints: the pipeline beside the raw client, and the ratio against the target. */
import { availableParallelism } from 'node:os';
import type { JobRun } from './run-job.ts';

export const TARGET_RATIO = 0.7;

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface RawUpload {
  seconds: number;
  bytes: number;
  /** e.g. "64 WebHDFS CREATEs" */
  what: string;
  /** CPU seconds of the raw client, and of the server while it ran (null: not measurable here). */
  clientCpu: number;
  serverCpu: number | null;
}

export function printStorageSection(title: string, run: JobRun, raw: RawUpload, local: JobRun, jobServerCpu: number | null): void {
  const mbps = run.bytes / 1e6 / run.seconds;
  const rawMbps = raw.bytes / 1e6 / raw.seconds;
  const ratio = mbps / rawMbps;
  console.log(`\n## ${title} (${fmt(run.records)} records, ${fmt(run.bytes / 1e6, 1)} MB out in ${run.files} files)`);
  console.log(`pipeline : ${fmt(run.records / run.seconds)} records/s  ${fmt(mbps, 1)} MB/s of output  peak RSS ${fmt(run.maxRssMb)} MB  (${fmt(run.seconds, 2)} s from restore to final commit)`);
  console.log(`raw      : ${fmt(rawMbps, 1)} MB/s  (${raw.what}: the same ${fmt(raw.bytes / 1e6, 1)} MB in the same file sizes, no pipeline; ${fmt(raw.seconds, 2)} s)`);
  console.log(`local    : ${fmt(local.records / local.seconds)} records/s  ${fmt(local.bytes / 1e6 / local.seconds, 1)} MB/s  (the same job into a local directory: the pipeline's own ceiling on this machine)`);
  console.log(`ratio    : ${fmt(100 * ratio, 1)}% of the raw upload rate   target: >= ${fmt(100 * TARGET_RATIO)}%  ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`);
  const localMbps = local.bytes / 1e6 / local.seconds;
  console.log(localMbps >= rawMbps
    ? `bound by : the storage (the pipeline alone runs at ${fmt((100 * localMbps) / rawMbps)}% of the raw rate): the ratio measures the storage path`
    : `bound by : the pipeline's CPU (alone it reaches only ${fmt((100 * localMbps) / rawMbps)}% of the raw rate, and the server shares its cores): the ratio measures per-record work, not the storage path`);
  if (jobServerCpu === null || raw.serverCpu === null) return;
  // Where the cores went: on a machine shared with the server, the job and the server together
  // need CPU time; at the target rate the run has target seconds × cores to spend.
  const cores = availableParallelism();
  const used = run.cpuSeconds + jobServerCpu;
  const share = (cpu: number, s: number): string => `${fmt((100 * cpu) / (s * cores))}% of ${cores} cores`;
  console.log(`cpu      : job ${fmt(run.cpuSeconds, 2)} + server ${fmt(jobServerCpu, 2)} CPU-s in ${fmt(run.seconds, 2)} s (${share(used, run.seconds)}); raw: client ${fmt(raw.clientCpu, 2)} + server ${fmt(raw.serverCpu, 2)} CPU-s in ${fmt(raw.seconds, 2)} s (${share(raw.clientCpu + raw.serverCpu, raw.seconds)})`);
  if (ratio < TARGET_RATIO) {
    const budget = (run.bytes / 1e6 / (TARGET_RATIO * rawMbps)) * cores;
    console.log(`at target: the job would have ${fmt(budget / cores, 2)} s × ${cores} cores = ${fmt(budget, 2)} CPU-s for itself and the server; this run used ${fmt(used, 2)}`);
  }
}
