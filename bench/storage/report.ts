/** How a storage section prints: the pipeline beside the raw client, and the ratio against the target. */
import type { JobRun } from './run-job.ts';

export const TARGET_RATIO = 0.7;

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface RawUpload {
  seconds: number;
  bytes: number;
  /** e.g. "64 WebHDFS CREATEs" */
  what: string;
}

export function printStorageSection(title: string, run: JobRun, raw: RawUpload, local: JobRun): void {
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
}
