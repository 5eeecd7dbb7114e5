/**
 * The job-level numbers in status, folded from the runners' own entries (`status.runners[i]`,
 * written by each runner). Status must stay small whatever the number of partitions, so only sums,
 * a minimum and a bounded list of recent partitions are kept; the full per-partition record
 * lives in storage (the commit manifests).
 */
import type { IngestJobStatus, PartitionStatus, RunnerStatus } from '../api/types.ts';

/** How many recently committed partitions status keeps. */
export const RECENT_PARTITIONS_LIMIT = 10;

export type Aggregate = Pick<IngestJobStatus, 'checkpoint' | 'committed' | 'source' | 'partitions' | 'retired'>;
export type Retired = NonNullable<IngestJobStatus['retired']>;

const foldKey = (r: RunnerStatus): string => `${r.index}:${r.checkpointId ?? '-'}`;

/**
 * Folds the totals of removed runner entries (`removable`: indexes >= parallelism whose pod is
 * gone, so their final report is in) into the retired baseline, each entry once (its
 * index:checkpointId is remembered while the entry still exists).
 */
export function foldRetired(prev: Retired | undefined, stale: readonly RunnerStatus[], removable: ReadonlySet<number>): Retired | undefined {
  const out: Retired = { records: prev?.records ?? 0, bytes: prev?.bytes ?? 0, files: prev?.files ?? 0, skipped: prev?.skipped ?? 0, folded: [] };
  const already = new Set(prev?.folded ?? []);
  for (const r of stale) {
    if (!removable.has(r.index)) continue;
    const key = foldKey(r);
    if (!already.has(key)) {
      out.records += r.records ?? 0;
      out.bytes += r.bytes ?? 0;
      out.files += r.files ?? 0;
      out.skipped += r.skipped ?? 0;
    }
    out.folded.push(key);
  }
  return prev === undefined && out.folded.length === 0 ? undefined : out;
}

function iso(t: string | undefined): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * The job's checkpoint is the newest one EVERY runner has completed (the minimum id), as in Flink
 * where a checkpoint is complete only when all subtasks acknowledged it. Its time and duration are
 * those of the slowest runner to reach that id. Undefined until every runner reported one.
 */
export function jobCheckpoint(runners: readonly RunnerStatus[], parallelism: number): IngestJobStatus['checkpoint'] {
  if (parallelism < 1 || runners.length < parallelism) return undefined;
  if (runners.some((r) => r.checkpointId === undefined)) return undefined;
  const id = Math.min(...runners.map((r) => r.checkpointId!));
  const at = runners.filter((r) => r.checkpointId === id);
  const latest = at.reduce((a, b) => (iso(b.checkpointAt) > iso(a.checkpointAt) ? b : a));
  if (!latest.checkpointAt) return undefined;
  return {
    id,
    completedAt: latest.checkpointAt,
    durationMs: Math.max(...at.map((r) => r.checkpointDurationMs ?? 0)),
  };
}

/**
 * Recent partitions of all runners merged by path (a partition usually gets data from every
 * runner): files and records summed, newest commit time, success file if any runner wrote it.
 * Newest first, at most `limit`.
 */
export function mergeRecentPartitions(runners: readonly RunnerStatus[], limit = RECENT_PARTITIONS_LIMIT): PartitionStatus[] {
  const byPath = new Map<string, PartitionStatus>();
  for (const r of runners) {
    for (const p of r.recentPartitions ?? []) {
      const prev = byPath.get(p.path);
      byPath.set(p.path, prev
        ? {
          path: p.path,
          files: prev.files + p.files,
          records: prev.records + p.records,
          lastCommitAt: iso(p.lastCommitAt) > iso(prev.lastCommitAt) ? p.lastCommitAt : prev.lastCommitAt,
          successFile: prev.successFile || p.successFile,
        }
        : { path: p.path, files: p.files, records: p.records, lastCommitAt: p.lastCommitAt, successFile: p.successFile });
    }
  }
  return [...byPath.values()]
    .sort((a, b) => iso(b.lastCommitAt) - iso(a.lastCommitAt) || a.path.localeCompare(b.path))
    .slice(0, limit);
}

function sum(runners: readonly RunnerStatus[], f: (r: RunnerStatus) => number | undefined): number | undefined {
  let total: number | undefined;
  for (const r of runners) {
    const v = f(r);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

/** Aggregates over the runners of indexes 0..parallelism-1 (entries of removed indexes are ignored). */
/**
 * Aggregates over the runners of indexes 0..parallelism-1, except `committed`: lifetime totals
 * count every lineage, so they also add the entries of removed indexes (until their removal folds
 * them into `retired`) and the retired baseline. A scale-down therefore never makes them drop.
 */
export function aggregateRunners(all: readonly RunnerStatus[] | undefined, parallelism: number, prevRetired?: Retired, removable: ReadonlySet<number> = new Set()): Aggregate {
  const runners = (all ?? []).filter((r) => r.index >= 0 && r.index < parallelism);
  const stale = (all ?? []).filter((r) => r.index >= parallelism);
  const out: Aggregate = {};
  const checkpoint = jobCheckpoint(runners, parallelism);
  if (checkpoint) out.checkpoint = checkpoint;
  const retired = foldRetired(prevRetired, stale, removable);
  if (retired) out.retired = retired;
  // Stale entries not folded yet are counted as they stand; folded ones are in `retired`.
  const counted = [...runners, ...stale.filter((r) => !retired?.folded.includes(foldKey(r)))];
  const records = sum(counted, (r) => r.records);
  if (records !== undefined || retired) {
    out.committed = {
      records: (records ?? 0) + (retired?.records ?? 0),
      bytes: (sum(counted, (r) => r.bytes) ?? 0) + (retired?.bytes ?? 0),
      files: (sum(counted, (r) => r.files) ?? 0) + (retired?.files ?? 0),
      skipped: (sum(counted, (r) => r.skipped) ?? 0) + (retired?.skipped ?? 0),
    };
  }
  const lag = sum(runners, (r) => r.lag);
  if (lag !== undefined) out.source = { lag };
  const lagMax = runners.reduce<number | undefined>((m, r) => (r.lagMax === undefined ? m : Math.max(m ?? 0, r.lagMax)), undefined);
  if (lagMax !== undefined) out.source = { ...out.source, lagMax };
  const recent = mergeRecentPartitions(runners);
  // Runners write the same partition paths, so the larger count is the better lower bound
  // (beyond 256 partitions per runner an estimate: see partitionsTotal in api/schema.ts).
  const total = runners.reduce<number | undefined>((m, r) => (r.partitionsTotal === undefined ? m : Math.max(m ?? 0, r.partitionsTotal)), undefined);
  if (total !== undefined || recent.length > 0) out.partitions = { total: Math.max(total ?? 0, recent.length), recent };
  return out;
}
