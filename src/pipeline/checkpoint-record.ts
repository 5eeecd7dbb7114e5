/**
 * The persisted checkpoint record and its format versions. Every record carries `version`;
 * `decodeRecord` reads every version ever written (migration tests pin them).
 */
import { SluiceError } from '../errors.ts';
import type { PendingPart } from '../sink/file-sink.ts';

export const RECORD_VERSION = 1;

/** A partition that has data not yet marked done by the partition committer. */
export interface AwaitingPartition {
  path: string;
  /** When this runner first wrote into it since its last partition commit (ms). */
  createdAt: number;
  /** Highest checkpoint id holding data for it. */
  checkpointId: number;
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
  version: typeof RECORD_VERSION;
  job: string;
  runner: number;
  parallelism: number;
  epoch: number;
  id: number;
  createdAt: string;
  jobUuid: string;
  /** Next part file counter. */
  partCounter: number;
  /** Source position after the last record in the closed files. */
  source: unknown;
  /** Files this checkpoint publishes. */
  pending: PendingPart[];
  /** Totals including this checkpoint. */
  counters: Counters;
  /** Event-time watermark of this runner (ms), if the source has one. */
  watermark: number | null;
  awaiting: AwaitingPartition[];
  /** Bounded input fully consumed: this is the final checkpoint. */
  finished: boolean;
}

/** Rewritten after each checkpoint's files are published: what the other runners read. */
export interface CommittedMarker {
  version: 1;
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
  return { version: 1, epoch: r.epoch, id: r.id, at, watermark: r.watermark, finished: r.finished, counters: r.counters };
}

export function encodeRecord(r: CheckpointRecord): Buffer {
  return Buffer.from(JSON.stringify(r));
}

export function decodeRecord(data: Uint8Array, file: string): CheckpointRecord {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (e) {
    throw new SluiceError(`checkpoint record ${file} is not valid JSON`, { cause: e });
  }
  const r = v as { version?: unknown };
  if (r.version === 1) return v as CheckpointRecord;
  throw new SluiceError(`checkpoint record ${file} has format version ${String(r.version)}; this Sluice reads version ${RECORD_VERSION}`);
}
