/** What a JobRunner tells its caller: restore, checkpoints, batches (for progress, metrics, status). */
import type { Counters } from './checkpoint-record.ts';

export interface CheckpointEvent {
  id: number;
  epoch: number;
  durationMs: number;
  /** The checkpoint interval: a checkpoint that took longer delayed the next one (one at a time). */
  intervalMs: number;
  files: number;
  records: number;
  committedPartitions: string[];
  counters: Counters;
  finished: boolean;
}

export interface RestoreEvent {
  epoch: number;
  restoredId: number | null;
  recommitted: number;
  orphansAborted: number;
}

export interface RunnerListener {
  onRestore?(info: RestoreEvent): void;
  onCheckpoint?(e: CheckpointEvent): void;
  onBatch?(recordsIn: number): void;
}
