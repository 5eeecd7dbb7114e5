/**
 * JobRunner: one runner index of an IngestJob, from restore to the last commit.
 *
 *   restore (restore.ts: claim an epoch, re-publish the newest record, abort orphans, settle
 *   other lineages) → open the source at the restored position → the loop: poll a batch →
 *   decode → transform → bucket/encode → flush; timers roll files; every checkpoint interval a
 *   checkpoint (checkpoint-coordinator.ts: barrier now, closes/record/publish in the
 *   background) → end of input is a last checkpoint marked finished, then the partitions.
 */
import type { Row } from '../api/types.ts';
import { FencedError, JobFailedError } from '../errors.ts';
import type { Decoder } from '../formats/index.ts';
import { createDecoder } from '../formats/index.ts';
import { createPartFormat } from '../formats/part-format.ts';
import type { CompiledQuery } from '../sql/index.ts';
import { compileQuery, TransformError } from '../sql/index.ts';
import { FileSink } from '../sink/file-sink.ts';
import { PartitionCommitter } from '../sink/partition-committer.ts';
import type { RawBatch, SplitReader } from '../sources/types.ts';
import type { Storage } from '../storage/types.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import type { Counters } from './checkpoint-record.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import { BadRecordHandler } from './bad-records.ts';
import type { DeadLetterTopic } from './bad-records.ts';
import { parseTimestampMs } from './event-time.ts';
import { createTestThrottle, testBatchLimit } from './failpoints.ts';
import type { PartStorages } from './part-storages.ts';
import { commitConcurrency, partPrefix } from './part-storages.ts';
import { restore } from './restore.ts';
import type { RunnerListener } from './runner-listener.ts';

export type { CheckpointEvent, RunnerListener } from './runner-listener.ts';

export interface RunnerDeps {
  /** Storage holding the sink path (part files, _SUCCESS). */
  sinkStorage: Storage;
  /** Storage holding checkpoint state (often the same). */
  stateStorage: Storage;
  reader: SplitReader;
  /** Dead-letter destination for bad records, if the policy is dead-letter. */
  deadLetterStorage?: Storage;
  deadLetterTopic?: DeadLetterTopic;
  clock?: () => number;
  listener?: RunnerListener;
}

export interface RunResult {
  finished: boolean;
  counters: Counters;
  lastCheckpointId: number | null;
  epoch: number;
}

const BATCH = 8192;
const POLL_WAIT_MS = 200;

export class JobRunner {
  private readonly c: RuntimeConfig;
  private readonly d: RunnerDeps;
  private readonly clock: () => number;
  private readonly store: CheckpointStore;
  private readonly storages: PartStorages;
  private readonly query: CompiledQuery;
  private readonly decoder: Decoder;
  private stopRequested = false;
  private epoch = 0;
  private coordinator: CheckpointCoordinator | undefined;
  private sink!: FileSink;
  private committer!: PartitionCommitter;
  private badRecords!: BadRecordHandler;
  private maxEventTime = -Infinity;
  private readonly watermarkIndex: number;

  constructor(config: RuntimeConfig, deps: RunnerDeps) {
    this.c = config;
    this.d = deps;
    this.clock = deps.clock ?? Date.now;
    this.store = new CheckpointStore(deps.stateStorage, config.checkpointDir, config.job, config.runner);
    this.storages = { sink: deps.sinkStorage, deadLetter: deps.deadLetterStorage };
    this.query = compileQuery(config.query, config.schema, config.functions);
    this.decoder = createDecoder(config.sourceFormat, config.schema);
    this.watermarkIndex = config.watermark === null ? -1 : config.schema.findIndex((f) => f.name === config.watermark!.column);
  }

  /** Ask for a final checkpoint and a clean exit (SIGINT/SIGTERM, suspend). */
  requestStop(): void {
    this.stopRequested = true;
  }

  get status(): { epoch: number; lastCheckpointId: number | null; counters: Counters; committer: PartitionCommitter | undefined } {
    const k = this.coordinator;
    return {
      epoch: this.epoch,
      lastCheckpointId: k?.lastCheckpointId ?? null,
      counters: k === undefined ? { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 } : { ...k.counters },
      committer: this.committer,
    };
  }

  private makeSink(namePrefix: string, counter: number): FileSink {
    const out = this.query.outputSchema;
    const partitionIndexes = this.c.sink.partitionBy.map((k) => {
      const i = out.findIndex((f) => f.name === k);
      if (i < 0) throw new JobFailedError(`spec.sink.partitionBy: column '${k}' is not in the query's output (${out.map((f) => f.name).join(', ')})`);
      return i;
    });
    const bodyColumns = out.map((_, i) => i).filter((i) => !partitionIndexes.includes(i));
    const { encoder, extension, ...partFormat } = createPartFormat(this.c.sink.format, out, bodyColumns);
    return new FileSink({
      ...partFormat,
      storage: this.d.sinkStorage,
      root: this.c.sink.path,
      partitionKeys: this.c.sink.partitionBy,
      partitionIndexes,
      ...(encoder === undefined ? {} : { encoder }),
      rolling: { fileSize: this.c.sink.fileSize, rolloverIntervalMs: this.c.sink.rolloverIntervalMs, inactivityIntervalMs: this.c.sink.inactivityIntervalMs },
      namePrefix,
      suffix: this.c.sink.suffix + extension,
      counter,
      memoryBudget: this.c.sink.memoryBudget,
      maxOpenFiles: this.c.sink.maxOpenFiles,
      closeConcurrency: Math.min(commitConcurrency(this.c, this.storages), this.c.sink.maxOpenFiles),
      clock: this.clock,
    });
  }

  /** Restore (restore.ts), then build the sink, committer and coordinator from what it found. */
  private async start(): Promise<{ coordinator: CheckpointCoordinator; finished: boolean; source: unknown }> {
    const r = await restore({
      config: this.c, store: this.store, storages: this.storages, reader: this.d.reader, clock: this.clock,
      stopRequested: () => this.stopRequested,
      claimed: (epoch) => (this.epoch = epoch),
    });
    const rec = r.record;
    this.epoch = r.epoch;
    const namePrefix = partPrefix(r.jobUuid, this.c.runner);
    this.sink = this.makeSink(namePrefix, rec?.partCounter ?? 0);
    this.committer = new PartitionCommitter({ ...this.c.sink.commit, concurrency: commitConcurrency(this.c, this.storages) }, this.d.sinkStorage, this.c.sink.path, r.awaiting, r.partitions);
    this.badRecords = new BadRecordHandler(this.c.badRecords, this.c.sourceFormat, {
      storage: this.d.deadLetterStorage,
      topic: this.d.deadLetterTopic,
      namePrefix,
      counter: rec?.partCounter ?? 0,
      clock: this.clock,
    });
    if (rec !== null && rec.watermark !== null) this.maxEventTime = rec.watermark + (this.c.watermark?.delayMs ?? 0);
    const coordinator = new CheckpointCoordinator({
      config: this.c, store: this.store, storages: this.storages, reader: this.d.reader,
      sink: this.sink, badRecords: this.badRecords, committer: this.committer, clock: this.clock, listener: this.d.listener,
      epoch: r.epoch, jobUuid: r.jobUuid,
      lastCheckpointId: rec?.id ?? null,
      marker: r.marker,
      counters: rec?.counters ?? { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 },
      watermark: (finished) => this.watermark(finished),
      stopRequested: () => this.stopRequested,
    });
    this.coordinator = coordinator;
    this.d.listener?.onRestore?.({ epoch: r.epoch, restoredId: rec?.id ?? null, recommitted: r.recommitted, orphansAborted: r.orphansAborted });
    // A finished record means this runner's share is read, at the parallelism it was written
    // at: after a change the share is another one (files that another runner left half-read),
    // so the source opens at the merged position and reads what is left.
    return { coordinator, finished: rec?.finished === true && rec.parallelism === this.c.parallelism, source: r.source };
  }

  private result(finished: boolean, k: CheckpointCoordinator): RunResult {
    return { finished, counters: k.counters, lastCheckpointId: k.lastCheckpointId, epoch: this.epoch };
  }

  /**
   * Run to the end of input or a stop. Fencing is the only way a superseded process ends: the
   * newer process's restore aborts the older one's hidden part files, re-publishes its record's
   * files and prunes, so the older one may fail anywhere (a part file gone under its writer, a
   * pending file already renamed, a record pruned). Whatever it fails with, a process whose
   * epoch is no longer the newest reports FencedError (exit 3).
   */
  async run(): Promise<RunResult> {
    try {
      return await this.runToEnd();
    } catch (e) {
      throw (await this.supersededBy(e)) ?? e;
    }
  }

  /** `e` as FencedError when this process's epoch is no longer the newest, else null. */
  private async supersededBy(e: unknown): Promise<FencedError | null> {
    if (e instanceof FencedError) return e;
    if (this.epoch === 0) return null; // failed before claiming an epoch
    try {
      await this.store.checkFence(this.epoch);
    } catch (f) {
      if (f instanceof FencedError) return f;
    }
    return null;
  }

  private async runToEnd(): Promise<RunResult> {
    const { coordinator: k, finished, source } = await this.start();
    const reader = this.d.reader;
    if (finished) {
      // A finished job restarted: everything is published; only partition commits may remain.
      await k.commitPartitionsAtEnd();
      return this.result(true, k);
    }
    await reader.open(source);
    const interval = this.c.checkpointIntervalMs;
    const check = this.c.sink.checkIntervalMs;
    let now = this.clock();
    let nextCheckpointAt = (Math.floor(now / interval) + 1) * interval;
    let nextCheckAt = now + check;
    const rows: Row[] = [];
    const out: Row[] = [];
    const throttle = createTestThrottle(this.clock);
    try {
      for (;;) {
        k.throwIfCheckpointFailed();
        if (this.stopRequested) {
          await k.checkpoint(false, true);
          return this.result(false, k);
        }
        const batch = await reader.poll(testBatchLimit(BATCH), Math.max(1, Math.min(POLL_WAIT_MS, nextCheckpointAt - this.clock())));
        if (batch === null) {
          await k.checkpoint(true, true);
          await k.commitPartitionsAtEnd();
          return this.result(true, k);
        }
        if (batch.values.length > 0) this.process(batch, rows, out, k.counters);
        if (throttle !== null) await throttle(batch.values.length);
        if (this.sink.needsFlush()) await this.sink.flush();
        now = this.clock();
        if (now >= nextCheckAt) {
          await this.sink.onProcessingTime(now);
          nextCheckAt = now + check;
        }
        if (now >= nextCheckpointAt) {
          await k.checkpoint(false, false);
          now = this.clock();
          nextCheckpointAt = (Math.floor(now / interval) + 1) * interval;
        }
      }
    } catch (e) {
      // A checkpoint in flight finishes first: its record may reference files the abort would
      // remove. A fenced runner must not touch its pending files: the successor may have
      // restored the very record this runner just wrote and be publishing those files right now.
      const failure = await k.drain();
      const fenced = (await this.supersededBy(e)) ?? (failure instanceof FencedError ? failure : null);
      if (fenced !== null) throw fenced;
      await this.sink.abort();
      throw e;
    }
  }

  private process(batch: RawBatch, rows: Row[], out: Row[], counters: Counters): void {
    const values = batch.values;
    counters.recordsIn += values.length;
    rows.length = 0;
    const bad: number[] = [];
    const skippedBefore = this.decoder.skippedRecords;
    const n = this.decoder.decodeBatch(values, rows, (i, err) => {
      bad.push(i);
      this.badRecords.handle(values[i]!, batch.describe(i), err);
    }, batch.noControlChars === true, batch.invalidUtf8);
    const ignored = this.decoder.skippedRecords - skippedBefore; // format-level ignoreParseErrors
    if (ignored > 0) this.badRecords.countIgnored(ignored);
    // decoded row k came from batch record srcIdx[k]; built only in the rare case of bad records
    const srcIdx: number[] = [];
    if (bad.length > 0 || ignored > 0) {
      // Records the decoder dropped silently (ignoreParseErrors) are not identifiable; map
      // transform errors to positions only when every drop is known.
      const skipped = new Set(bad);
      if (ignored === 0) for (let i = 0; i < values.length; i++) if (!skipped.has(i)) srcIdx.push(i);
    }
    const src = (k: number): number => (srcIdx.length > 0 ? srcIdx[k]! : k);
    let m: number;
    try {
      m = this.query.applyBatch(rows.length === n ? rows : rows.slice(0, n), out);
    } catch (e) {
      if (!(e instanceof TransformError)) throw e;
      m = 0;
      out.length = 0;
      for (let k = 0; k < n; k++) {
        try {
          const r = this.query.apply(rows[k]!);
          if (r !== null) out[m++] = r;
        } catch (err) {
          if (!(err instanceof TransformError)) throw err;
          const where = ignored > 0 ? `record ${k + 1} of the batch starting at ${batch.describe(0)}` : batch.describe(src(k));
          this.badRecords.handle(ignored > 0 ? JSON.stringify(rows[k]) : values[src(k)]!, where, err);
        }
      }
    }
    if (this.watermarkIndex >= 0) this.trackEventTime(rows, n);
    // A partition value too long for a directory name is a bad record (docs/decisions/0009).
    // With no row filtered out (m === n, nothing dropped unseen) output row j is input row src(j).
    this.sink.writeBatch(out, m, (j, err) => {
      const known = m === n && ignored === 0;
      const where = known ? batch.describe(src(j)) : `output row ${j + 1} of the batch starting at ${batch.describe(0)}`;
      this.badRecords.handle(known ? values[src(j)]! : JSON.stringify(out[j], (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), where, err);
    });
    this.d.listener?.onBatch?.(values.length);
  }

  private trackEventTime(rows: Row[], n: number): void {
    const idx = this.watermarkIndex;
    for (let k = 0; k < n; k++) {
      const v = rows[k]![idx];
      if (typeof v === 'string') {
        const t = parseTimestampMs(v);
        if (t > this.maxEventTime) this.maxEventTime = t;
      }
    }
  }

  private watermark(finished: boolean): number | null {
    if (finished) return Number.MAX_SAFE_INTEGER;
    if (this.c.watermark === null || this.maxEventTime === -Infinity) return null;
    return this.maxEventTime - this.c.watermark.delayMs;
  }
}
