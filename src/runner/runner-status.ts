/**
 * What one runner writes into `status.runners[]` of its IngestJob, and the exact server-side
 * apply body that carries it. Pure functions: the reporter decides when, the client sends.
 *
 * The body holds ONLY this runner's list entry. `status.runners` is a map list keyed by `index`,
 * so with one field manager per index (`sluice-runner-<i>`) each runner owns the fields of its own
 * entry, the operator owns `pod`/`restarts` and the aggregates, and nobody's update erases another's.
 */
import { GROUP, KIND, VERSION } from '../api/types.ts';
import type { PartitionStatus, RunnerStatus } from '../api/types.ts';
import type { Counters } from '../pipeline/checkpoint-record.ts';
import type { PartitionInfo } from '../sink/partition-committer.ts';
import type { SourceMetrics } from '../sources/types.ts';

/** Status keeps a bounded list (docs/architecture.md, "Status"): the full per-partition record is in storage. */
export const MAX_RECENT_PARTITIONS = 5;
/** Partitions furthest behind listed per runner (status must stay small whatever the partition count). */
export const MAX_LAGGING_PARTITIONS = 5;
/** Bound a failure message (the CRD field is bounded; etcd objects must stay small). */
export const MAX_MESSAGE_LENGTH = 1024;

/**
 * The runner's lifecycle as status shows it:
 * - `Running`: restored, reading and checkpointing (also after a SIGTERM stop: the operator owns
 *   what a deliberate stop means, e.g. Suspended);
 * - `Succeeded`: bounded input fully committed (`finished: true`);
 * - `Failed`: the run ended with an error (`message` says which); the pod exits non-zero.
 */
export type RunnerState = 'Running' | 'Succeeded' | 'Failed';

export interface RunnerProgress {
  index: number;
  state: RunnerState;
  epoch: number;
  /** The newest checkpoint this process committed or restored, if any. */
  checkpoint: { id: number; at: number | null; durationMs: number | null } | null;
  counters: Counters;
  lag?: number;
  /** Source splits (Kafka partitions) this runner reads, when the source says. */
  splits?: number;
  /** The source's per-split figures (Kafka partitions), for lagMax and laggingPartitions. */
  source?: SourceMetrics;
  finished: boolean;
  /** The runner's most recently committed partitions (PartitionCommitter.recent), any order: sorted and bounded here. */
  partitions: readonly PartitionInfo[];
  /** PartitionCommitter.partitionsTotal: partitions the lineage has written, restarts included. */
  partitionsTotal: number;
  message?: string;
}

/** Build the runner-owned fields of a RunnerStatus entry. Absent facts are left out, not zeroed. */
export function runnerStatus(p: RunnerProgress): RunnerStatus {
  const s: RunnerStatus = { index: p.index, state: p.state, epoch: p.epoch };
  if (p.checkpoint !== null) {
    s.checkpointId = p.checkpoint.id;
    if (p.checkpoint.at !== null) s.checkpointAt = new Date(p.checkpoint.at).toISOString();
    if (p.checkpoint.durationMs !== null) s.checkpointDurationMs = Math.max(0, Math.round(p.checkpoint.durationMs));
  }
  s.records = p.counters.records;
  s.bytes = p.counters.bytes;
  s.files = p.counters.files;
  s.skipped = p.counters.skipped;
  if (p.lag !== undefined && Number.isFinite(p.lag)) s.lag = Math.max(0, Math.round(p.lag));
  if (p.splits !== undefined) s.splits = p.splits;
  if (p.source?.lagMax !== undefined && Number.isFinite(p.source.lagMax)) s.lagMax = Math.max(0, Math.round(p.source.lagMax));
  const lagging = (p.source?.splits ?? [])
    .filter((sp): sp is typeof sp & { lag: number } => sp.lag !== undefined && Number.isFinite(sp.lag) && sp.lag > 0)
    .sort((a, b) => b.lag - a.lag || a.id.localeCompare(b.id))
    .slice(0, MAX_LAGGING_PARTITIONS)
    .map((sp) => ({ partition: truncate(sp.id, 512), lag: Math.round(sp.lag) }));
  if (lagging.length > 0) s.laggingPartitions = lagging;
  s.finished = p.finished;
  s.recentPartitions = recentPartitions(p.partitions);
  s.partitionsTotal = p.partitionsTotal;
  if (p.message !== undefined) s.message = truncate(p.message, MAX_MESSAGE_LENGTH);
  return s;
}

/** Committed partitions only (a partition without a commit time has nothing visible yet), newest first. */
export function recentPartitions(parts: readonly PartitionInfo[]): PartitionStatus[] {
  return parts
    .filter((p): p is PartitionInfo & { lastCommitAt: string } => p.lastCommitAt !== null)
    .sort((a, b) => b.lastCommitAt.localeCompare(a.lastCommitAt) || a.path.localeCompare(b.path))
    .slice(0, MAX_RECENT_PARTITIONS)
    .map((p) => ({ path: p.path, files: p.files, records: p.records, lastCommitAt: p.lastCommitAt, successFile: p.successFile }));
}

export interface IngestJobRef {
  namespace: string;
  name: string;
}

/** The apply configuration: identity (apiVersion, kind, name, namespace) plus this runner's entry. */
export interface RunnerStatusApply {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  status: { runners: [RunnerStatus] };
}

export function runnerStatusApply(job: IngestJobRef, status: RunnerStatus): RunnerStatusApply {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: KIND,
    metadata: { name: job.name, namespace: job.namespace },
    status: { runners: [status] },
  };
}

/** Field manager of runner `index`: one per index, so runners never take each other's fields. */
export function runnerFieldManager(index: number): string {
  return `sluice-runner-${index}`;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
