/**
 * The persisted checkpoint record and its format versions. Every record carries `version`;
 * `decodeRecord` reads every version ever written (test/fixtures/checkpoint-v1 pins version 1).
 *
 *   1. plain JSON, no checksum;
 *   2. sealed (sealed-state.ts): a header with the record's identity, length and SHA-256.
 *
 * Fields added later without a new version are optional, so every record ever written still
 * reads, and an older Sluice of the same version reads a newer record (it ignores them):
 * `partitions` (the committer's partition figures) is absent from records written before it,
 * which restore with empty figures.
 */
import type { PendingPart } from '../sink/file-sink.ts';
import { DistinctSketch } from '../sink/distinct-sketch.ts';
import { DamagedStateError, openState, sealState } from './sealed-state.ts';

export const RECORD_VERSION = 2;

/** A partition that has data not yet marked done by the partition committer. */
export interface AwaitingPartition {
  path: string;
  /** When this runner first wrote into it since its last partition commit (ms). */
  createdAt: number;
  /** Highest checkpoint id holding data for it. */
  checkpointId: number;
}

/** One partition's figures as this lineage wrote them, for status and `sluice run`'s summary. */
export interface PartitionFigures {
  path: string;
  /** Files, records and bytes written into it by this lineage (restarts included). */
  files: number;
  records: number;
  bytes: number;
  /**
   * When the committer last committed it (ISO), null before its first commit. In a record: as
   * of the checkpoint before (partitions are committed after the record is written; a restore
   * commits the record's awaiting ones again).
   */
  lastCommitAt: string | null;
  successFile: boolean;
}

/** What a record carries of the partition committer's figures (PartitionCommitter.totals()). */
export interface PartitionTotals {
  /** Partitions this lineage has written, as PartitionCommitter.partitionsTotal counts them. */
  total: number;
  /** The most recently active partitions, least recent first (bounded: MAX_PERSISTED_PARTITIONS). */
  recent: PartitionFigures[];
  /** Once the lineage wrote more partitions than `recent` holds: their distinct count's sketch (sink/distinct-sketch.ts). */
  sketch?: string;
}

export interface Counters {
  /** Records read from the source. */
  recordsIn: number;
  /** Records written to committed part files. */
  records: number;
  bytes: number;
  files: number;
  /** Bad records skipped or dead-lettered. */
  skipped: number;
}

export interface CheckpointRecord {
  version: 1 | typeof RECORD_VERSION;
  job: string;
  runner: number;
  parallelism: number;
  epoch: number;
  id: number;
  createdAt: string;
  jobUuid: string;
  /** Next part file counter. */
  partCounter: number;
  /** Source position after the last record in the closed files; null in an empty takeover record. */
  source: unknown;
  /** Files this checkpoint publishes. */
  pending: PendingPart[];
  /** Totals including this checkpoint. */
  counters: Counters;
  /** Event-time watermark of this runner (ms), if the source has one. */
  watermark: number | null;
  awaiting: AwaitingPartition[];
  /** Partition figures after this checkpoint; absent in records written before they were kept. */
  partitions?: PartitionTotals;
  /** Bounded input fully consumed: this is the final checkpoint. */
  finished: boolean;
}

/**
 * The record a process takes a lineage over with (restore.ts; a retirement in
 * lineage-settlement.ts), written under its own freshly claimed epoch after `rec`'s files are
 * published again and before anything is aborted: `rec`'s content, or, when the lineage has no
 * record yet, an empty one (no position: `source` null, no files). From then on no record of an
 * older epoch sorts above what this process restored, so a record that a fenced older process
 * writes late, naming a file this process aborts, is never any restore's newest
 * (docs/exactly-once.md, "Restore").
 */
export function takeoverRecord(rec: CheckpointRecord | null, by: { job: string; runner: number; parallelism: number; epoch: number; jobUuid: string; at: string }): CheckpointRecord {
  if (rec !== null) return { ...rec, version: RECORD_VERSION, epoch: by.epoch, createdAt: by.at };
  return {
    version: RECORD_VERSION, job: by.job, runner: by.runner, parallelism: by.parallelism, epoch: by.epoch, id: 0,
    createdAt: by.at, jobUuid: by.jobUuid, partCounter: 0, source: null, pending: [],
    counters: { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 },
    watermark: null, awaiting: [], partitions: { total: 0, recent: [] }, finished: false,
  };
}

/** A record holds a source position unless it is a takeover record of a lineage that had none. */
export function hasPosition(r: CheckpointRecord | null): r is CheckpointRecord {
  return r !== null && r.source !== null && r.source !== undefined;
}

/** Rewritten after each checkpoint's files are published: what the other runners read. */
export interface CommittedMarker {
  /** 1: plain JSON; 2: sealed (names its record in its header too). */
  version: 1 | 2;
  /** The record it names: `chk-<epoch>-<id>`. */
  epoch: number;
  id: number;
  at: string;
  watermark: number | null;
  finished: boolean;
  counters: Counters;
}

/** The marker naming `r` as published (written `at`, an ISO time). */
export function markerFor(r: CheckpointRecord, at: string): CommittedMarker {
  return { version: 2, epoch: r.epoch, id: r.id, at, watermark: r.watermark, finished: r.finished, counters: { ...r.counters } };
}

/** Where a record belongs: its lineage (job, runner) and, from its file name, epoch and id. */
export interface RecordIdentity {
  job: string;
  runner: number;
  epoch: number;
  id: number;
}

export function encodeRecord(r: CheckpointRecord): Buffer {
  return sealState({ kind: 'checkpoint-record', job: r.job, runner: r.runner, epoch: r.epoch, id: r.id }, { ...r, version: RECORD_VERSION });
}

/**
 * A record read back, checked: its checksum (version 2), and for every version that it is the
 * record its file name and lineage say it is.
 */
export function decodeRecord(data: Uint8Array, file: string, expect: RecordIdentity, checkpointDir?: string): CheckpointRecord {
  const { version, body } = openState(data, file, { kind: 'checkpoint-record', ...expect }, checkpointDir);
  const r = body as Partial<CheckpointRecord> | null;
  if (r === null || typeof r !== 'object') throw new DamagedStateError(file, 'not a checkpoint record', checkpointDir);
  if (r.version !== 1 && r.version !== RECORD_VERSION) {
    throw new DamagedStateError(file, `record format version ${String(r.version)}; this Sluice reads versions 1 to ${RECORD_VERSION} (written by a newer Sluice?)`, checkpointDir);
  }
  if (version === 2 && r.version !== 2) throw new DamagedStateError(file, `a sealed file holding a version ${String(r.version)} record`, checkpointDir);
  for (const k of ['job', 'runner', 'epoch', 'id'] as const) {
    if (r[k] !== expect[k]) throw new DamagedStateError(file, `the record says ${k} ${JSON.stringify(r[k])}, its file and lineage say ${JSON.stringify(expect[k])}`, checkpointDir);
  }
  for (const k of ['pending', 'counters', 'awaiting'] as const) {
    if (r[k] === undefined || r[k] === null) throw new DamagedStateError(file, `the record has no ${k}`, checkpointDir);
  }
  if (r.partitions !== undefined && !isPartitionTotals(r.partitions)) {
    throw new DamagedStateError(file, 'its partitions are not {total, recent: [{path, files, records, bytes, lastCommitAt, successFile}], sketch?}', checkpointDir);
  }
  return r as CheckpointRecord;
}

function isPartitionTotals(p: unknown): p is PartitionTotals {
  const t = p as Partial<PartitionTotals> | null;
  const count = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  return t !== null && typeof t === 'object' && count(t.total) && (t.sketch === undefined || (typeof t.sketch === 'string' && DistinctSketch.decode(t.sketch) !== null)) && Array.isArray(t.recent) && t.recent.every((f: Partial<PartitionFigures> | null) =>
    f !== null && typeof f === 'object' && typeof f.path === 'string' && count(f.files) && count(f.records) && count(f.bytes) &&
    (f.lastCommitAt === null || typeof f.lastCommitAt === 'string') && typeof f.successFile === 'boolean');
}

/** The bytes of `m`, the marker of lineage (job, runner). */
export function encodeMarker(job: string, runner: number, m: CommittedMarker): Buffer {
  return sealState({ kind: 'committed', job, runner, epoch: m.epoch, id: m.id }, { ...m, version: 2 });
}

export function decodeMarker(data: Uint8Array, file: string, lineage: { job: string; runner: number }, checkpointDir?: string): CommittedMarker {
  const { version, body } = openState(data, file, { kind: 'committed', ...lineage }, checkpointDir);
  const m = body as Partial<CommittedMarker> | null;
  if (m === null || typeof m !== 'object' || typeof m.epoch !== 'number' || typeof m.id !== 'number' || m.counters === undefined) {
    throw new DamagedStateError(file, 'not a committed marker (no epoch, id or counters)', checkpointDir);
  }
  if (version === 2) {
    // the header names the record too: it must agree with the body
    const header = JSON.parse(Buffer.from(data).toString('utf8', 0, Buffer.from(data).indexOf(10))) as { epoch: unknown; id: unknown };
    if (header.epoch !== m.epoch || header.id !== m.id) throw new DamagedStateError(file, 'its header and body name different checkpoints', checkpointDir);
  }
  return m as CommittedMarker;
}
