/**
 * What the pipeline needs from a source: one runner's share of it (its split), read in
 * batches of raw records, with a JSON position that a checkpoint record can store.
 *
 * Contract (Flink's SplitReader + checkpoint hooks, reduced to what a single-threaded runner
 * needs):
 *   open(restored) → poll() ... poll() → position() at a checkpoint →
 *   notifyCheckpointComplete(id, position) after the checkpoint's files are committed.
 * `position()` is the position after the last record returned by `poll()`: the runner takes
 * checkpoints between batches, so every record before it is in a part file being closed.
 */
import type { InvalidUtf8 } from '../formats/invalid-utf8.ts';

export interface RawBatch {
  /** One raw record each: a text line (files) or a message value as UTF-8 text (Kafka). */
  values: string[];
  /** Where record i came from, for errors: `file data/words.txt line 3`, `topic myTest partition 2 offset 1234`. */
  describe(i: number): string;
  /** No value holds a raw control character (below U+0020): the source checked the bytes (formats/control-bytes.ts). */
  noControlChars?: boolean;
  /**
   * Records whose bytes are not UTF-8, by index: the value holds U+FFFD where they were, so the
   * decoder reports each as a bad record (naming the field) instead of decoding it.
   */
  invalidUtf8?: ReadonlyMap<number, InvalidUtf8>;
}

export interface SourceMetrics {
  /** Records behind the end of the source (Kafka lag), if known. */
  lag?: number;
  /** The largest lag of one split (Flink's Kafka `records-lag-max`), if known. */
  lagMax?: number;
  /** Per split (Kafka partition, file) figures for progress display; Kafka's `lag` is Flink's per-partition `records-lag`. */
  splits?: Array<{ id: string; position: string; lag?: number; recordsPerSecond?: number; topic?: string; partition?: number }>;
}

export interface SplitReader {
  /** Start fresh (startup mode) when `restored` is undefined, else resume at the restored position. */
  open(restored: unknown | undefined): Promise<void>;
  /**
   * Next batch of at most about `maxRecords`. An empty batch means nothing arrived within
   * `maxWaitMs` (unbounded sources); null means end of input (bounded sources).
   */
  poll(maxRecords: number, maxWaitMs: number): Promise<RawBatch | null>;
  /** JSON-serialisable position after the last polled record. */
  position(): unknown;
  /** Checkpoint `id` with this position is committed (Kafka: commit offsets to the group, for lag tools only). */
  notifyCheckpointComplete(id: number, position: unknown): Promise<void>;
  metrics(): SourceMetrics;
  close(): Promise<void>;
  /**
   * After a parallelism change a runner owns splits another runner read before. Given its own
   * restored position and the last published positions of every other runner, return the
   * position to open at. Readers without it restore their own position only.
   */
  mergePositions?(positions: unknown[]): unknown;
}

/** Which share of the source runner `index` of `parallelism` reads. */
export interface SplitAssignment {
  index: number;
  parallelism: number;
}
