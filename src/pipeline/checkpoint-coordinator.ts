/**
 * CheckpointCoordinator: takes this runner's checkpoints and publishes them (Flink's
 * CheckpointCoordinator and the FileSink committer's part of it, for one runner index).
 *
 * Every checkpoint interval (aligned to wall-clock, so runners' ids line up), in two phases
 * like Flink's:
 *   1. the barrier, synchronous for the pipeline: the source position is taken and every part
 *      file rolled;
 *   2. in the background, while the pipeline goes on into new part files (docs/exactly-once.md, "Checkpoint"):
 *      close the rolled files (an upload on HDFS/OSS; the record and marker are staged
 *      meanwhile where the files' pending form is known first) → write the chk record
 *      (create-if-absent) → list epochs (fenced? stop without publishing) → publish the files
 *      (commitConcurrency at once) → fenced? → rewrite the `committed` marker → commit partitions →
 *      tell the source; then prune old records.
 * One checkpoint at a time: the next barrier waits for the previous one. End of input is a last
 * checkpoint marked finished.
 */
import { forEachBounded } from '../bounded.ts';
import type { FileSink, PendingPart, SinkSnapshot } from '../sink/file-sink.ts';
import type { PartitionCommitter } from '../sink/partition-committer.ts';
import type { SplitReader } from '../sources/types.ts';
import type { BadRecordHandler } from './bad-records.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { CheckpointRecord, CommittedMarker, Counters } from './checkpoint-record.ts';
import { markerFor, RECORD_VERSION } from './checkpoint-record.ts';
import { failpoint } from './failpoints.ts';
import type { PartStorages } from './part-storages.ts';
import { commitConcurrency, storageOf } from './part-storages.ts';
import type { RunnerListener } from './runner-listener.ts';
import type { RuntimeConfig } from './runtime-config.ts';

export interface CoordinatorContext {
  config: RuntimeConfig;
  store: CheckpointStore;
  storages: PartStorages;
  reader: SplitReader;
  sink: FileSink;
  badRecords: BadRecordHandler;
  committer: PartitionCommitter;
  clock: () => number;
  listener?: RunnerListener;
  /** This process's epoch and the job's part-file UUID (restore). */
  epoch: number;
  jobUuid: string;
  /** The restored record's id and totals, or null/zeros on a first start. */
  lastCheckpointId: number | null;
  /** The `committed` marker restore wrote. */
  marker: CommittedMarker;
  counters: Counters;
  /** This runner's event-time watermark now (ms), or null. */
  watermark(finished: boolean): number | null;
  stopRequested(): boolean;
}

interface Barrier {
  id: number;
  started: number;
  finished: boolean;
  dead: PendingPart[];
  source: unknown;
  partCounter: number;
  skipped: number;
  watermark: number | null;
}

export class CheckpointCoordinator {
  private readonly x: CoordinatorContext;
  /** Totals as of the last completed checkpoint; `recordsIn` counts on as the pipeline reads. */
  counters: Counters;
  lastCheckpointId: number | null;
  /** This lineage's `committed` marker as this process last wrote it. */
  private marker: CommittedMarker;
  private lastId: number;
  /** A checkpoint whose files are still closing or being published, while the pipeline goes on. */
  private inFlight: Promise<void> | null = null;
  private inFlightFailure: { error: unknown } | undefined;

  constructor(x: CoordinatorContext) {
    this.x = x;
    this.counters = { ...x.counters };
    this.lastCheckpointId = x.lastCheckpointId;
    this.marker = x.marker;
    this.lastId = x.lastCheckpointId ?? 0;
  }

  private nextId(): number {
    const aligned = Math.floor(this.x.clock() / this.x.config.checkpointIntervalMs);
    this.lastId = Math.max(this.lastId + 1, aligned);
    return this.lastId;
  }

  /** Rethrow the failure of a background checkpoint (a fenced runner, a failed upload...). */
  throwIfCheckpointFailed(): void {
    if (this.inFlightFailure !== undefined) throw this.inFlightFailure.error;
  }

  /** Wait for the checkpoint in flight, if any, and rethrow its failure. */
  private async settleCheckpoint(): Promise<void> {
    await this.inFlight;
    this.inFlight = null;
    this.throwIfCheckpointFailed();
  }

  /** Wait for the checkpoint in flight to end, whatever the outcome; its failure, if it failed. */
  async drain(): Promise<unknown> {
    await this.inFlight;
    return this.inFlightFailure?.error;
  }

  /**
   * A checkpoint: the barrier now, the rest in the background (see the header). `wait` (the
   * final checkpoint, a stop) returns only when it is complete.
   */
  async checkpoint(finished: boolean, wait: boolean): Promise<void> {
    await this.settleCheckpoint();
    const { sink, badRecords, reader } = this.x;
    const started = this.x.clock();
    const id = this.nextId();
    const sinkSnapshot = sink.beginSnapshot();
    const dead = await badRecords.snapshot();
    const barrier: Barrier = {
      id, started, finished, dead,
      source: reader.position(),
      partCounter: Math.max(sink.nextCounter, badRecords.nextCounter),
      skipped: badRecords.takeSkipped(),
      watermark: this.x.watermark(finished),
    };
    this.inFlight = this.completeCheckpoint(barrier, sinkSnapshot).catch((error: unknown) => {
      this.inFlightFailure ??= { error };
    });
    if (wait) await this.settleCheckpoint();
  }

  private async completeCheckpoint(b: Barrier, sinkSnapshot: SinkSnapshot): Promise<void> {
    const { id, started, finished } = b;
    const { config: c, store, committer } = this.x;
    const { pending, activity, durable } = await sinkSnapshot();
    const all: PendingPart[] = [...pending, ...b.dead];
    committer.addActivity(activity, id, started);
    const counters: Counters = { ...this.counters };
    for (const p of pending) {
      counters.records += p.records;
      counters.bytes += p.file.bytes;
      counters.files += 1;
    }
    counters.skipped = this.counters.skipped + b.skipped;
    const record: CheckpointRecord = {
      version: RECORD_VERSION,
      job: c.job,
      runner: c.runner,
      parallelism: c.parallelism,
      epoch: this.x.epoch,
      id,
      createdAt: new Date(started).toISOString(),
      jobUuid: this.x.jobUuid,
      partCounter: b.partCounter,
      source: b.source,
      pending: all,
      counters,
      watermark: b.watermark,
      awaiting: committer.awaitingPartitions(),
      partitions: committer.totals(),
      finished,
    };
    // The record and the marker are staged while the files finish (on HDFS each is a CREATE
    // that waits for completeFile); the record becomes visible only once every file is durable.
    const marker = markerFor(record, new Date(this.x.clock()).toISOString());
    const [closed, staging] = await Promise.allSettled([durable, Promise.all([store.stageRecord(record), store.stageCommitted(marker)])]);
    if (closed.status === 'rejected') {
      if (staging.status === 'fulfilled') await Promise.all(staging.value.map((f) => f.discard()));
      throw closed.reason;
    }
    if (staging.status === 'rejected') throw staging.reason;
    const [stagedRecord, stagedMarker] = staging.value;
    try {
      await this.publish(record, all, stagedRecord);
    } catch (e) {
      await stagedMarker.discard();
      throw e;
    }
    // The live totals are a copy: the pipeline counts `recordsIn` on in them while the marker
    // (which must agree with the record, see CheckpointStore.restorePoint) is written.
    this.counters = { ...counters };
    this.lastCheckpointId = id;
    await stagedMarker.put();
    this.marker = marker;
    const committedPartitions = await this.commitPartitions();
    await this.x.reader.notifyCheckpointComplete(id, record.source);
    this.x.listener?.onCheckpoint?.({
      id, epoch: this.x.epoch, durationMs: this.x.clock() - started, intervalMs: c.checkpointIntervalMs, files: pending.length,
      records: pending.reduce((s, p) => s + p.records, 0), committedPartitions, counters, finished,
    });
    // housekeeping after the checkpoint is complete (the next one waits for it, as Flink's
    // subsumed checkpoints are discarded after the new one completes)
    await store.prune(this.x.epoch);
  }

  /**
   * The record made visible, the fence checked, every file published, the fence checked again:
   * after this, the staged marker may name the record (protocol steps 3-6).
   */
  private async publish(record: CheckpointRecord, all: PendingPart[], stagedRecord: { write(): Promise<void>; discard(): Promise<void> }): Promise<void> {
    const { config: c, store, storages } = this.x;
    try {
      await stagedRecord.write();
    } catch (e) {
      await stagedRecord.discard();
      throw e;
    }
    failpoint('after-record');
    if (all.length > 0) failpoint('after-record-with-files');
    await store.checkFence(this.x.epoch);
    if (all.length > 0) {
      // the first file alone (so the failpoint sees some files published, not all), then the rest in parallel
      await storageOf(storages, all[0]!).commit(all[0]!.file);
      if (all.length > 1) failpoint('mid-commit');
      await forEachBounded(all.slice(1), commitConcurrency(c, storages), (p) => storageOf(storages, p).commit(p.file));
    }
    failpoint('before-marker');
    // A newer process may have restored since the check above: its marker must not be replaced
    // by this one's (and what this one pruned could be the record the newer marker names).
    await store.checkFence(this.x.epoch);
  }

  /** Commit the partitions every runner's `committed` marker (and watermark) has passed. */
  private async commitPartitions(): Promise<string[]> {
    const { config: c, store } = this.x;
    // this runner's own marker is the one it wrote last (or read at restore): not read again
    const own = this.marker;
    const markers = c.parallelism === 1 ? null : await store.readCommitted(c.parallelism, c.runner, own);
    let minId = this.lastCheckpointId ?? -1;
    let wm = this.x.watermark(false);
    let allFinished = false;
    if (markers !== null) {
      allFinished = markers.every((m) => m?.finished === true);
      minId = Math.min(...markers.map((m) => (m === null ? -1 : m.finished ? Infinity : m.id)));
      const wms = markers.map((m) => (m === null ? null : m.finished ? Infinity : m.watermark));
      wm = wms.some((w) => w === null) ? null : Math.min(...(wms as number[]));
    } else {
      allFinished = own?.finished === true;
    }
    if (allFinished) {
      minId = Infinity;
      wm = Infinity;
    }
    return this.x.committer.commit({ now: this.x.clock(), minCommittedId: minId, watermark: wm === Number.MAX_SAFE_INTEGER ? Infinity : wm });
  }

  /** After the final checkpoint: wait until every runner has finished, then commit all partitions. */
  async commitPartitionsAtEnd(): Promise<void> {
    for (;;) {
      await this.commitPartitions();
      if (this.x.committer.awaitingPartitions().length === 0) return;
      if (this.x.stopRequested()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
