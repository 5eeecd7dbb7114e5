/**
 * JobRunner: one runner index of an IngestJob, from restore to the last commit.
 *
 * Startup (DESIGN §4, step 1):
 *   1. claim a new epoch (create-if-absent), only then read the newest checkpoint record;
 *   2. re-commit that record's pending files idempotently (commitAfterRecovery);
 *   3. list uncommitted part files of this runner, check the epoch is still ours, abort those
 *      the record does not reference (files listed before that check were all made by older
 *      epochs, so a newer owner's files are never touched);
 *   4. open the source at the record's position (or fresh, by startup mode).
 * Loop: poll a batch → decode → transform → bucket/encode → flush; timers roll files; every
 * checkpoint interval (aligned to wall-clock, so runners' ids line up) a checkpoint: a barrier
 * (source position taken, every part file rolled), then, while the pipeline goes on into new
 * part files: close the rolled files → write chk record (create-if-absent) → list epochs
 * (fenced? exit) → publish files (COMMIT_CONCURRENCY at once) → commit partitions → tell the
 * source → prune. One checkpoint at a time: the next barrier waits for the previous one.
 * End of input is a last checkpoint marked finished.
 */
import type { Row } from '../api/types.ts';
import { FencedError, JobFailedError, SluiceError } from '../errors.ts';
import type { Decoder, Encoder } from '../formats/index.ts';
import { createDecoder, createEncoder } from '../formats/index.ts';
import type { CompiledQuery } from '../sql/index.ts';
import { compileQuery, TransformError } from '../sql/index.ts';
import { FileSink } from '../sink/file-sink.ts';
import type { PendingPart, SinkSnapshot } from '../sink/file-sink.ts';
import { PartitionCommitter } from '../sink/partition-committer.ts';
import type { RawBatch, SplitReader } from '../sources/types.ts';
import type { PendingFile, Storage } from '../storage/types.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import type { AwaitingPartition, CheckpointRecord, Counters } from './checkpoint-record.ts';
import { markerFor, RECORD_VERSION } from './checkpoint-record.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import { BadRecordHandler } from './bad-records.ts';
import type { DeadLetterTopic } from './bad-records.ts';
import { parseTimestampMs } from './event-time.ts';
import { createTestThrottle, failpoint, testBatchLimit } from './failpoints.ts';
import { forEachBounded } from '../bounded.ts';

export interface CheckpointEvent {
  id: number;
  epoch: number;
  durationMs: number;
  files: number;
  records: number;
  committedPartitions: string[];
  counters: Counters;
  finished: boolean;
}

export interface RunnerListener {
  onRestore?(info: { epoch: number; restoredId: number | null; recommitted: number; orphansAborted: number }): void;
  onCheckpoint?(e: CheckpointEvent): void;
  onBatch?(recordsIn: number): void;
}

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
/** Files of one checkpoint published (or re-published at restore) at once. */
const COMMIT_CONCURRENCY = 8;
const POLL_WAIT_MS = 200;
/** How long a restore waits for another lineage's last checkpoint to be settled by its owner. */
const SETTLE_WAIT_MS = 120_000;

export class JobRunner {
  private readonly c: RuntimeConfig;
  private readonly d: RunnerDeps;
  private readonly clock: () => number;
  private readonly store: CheckpointStore;
  private readonly query: CompiledQuery;
  private readonly decoder: Decoder;
  private stopRequested = false;
  private epoch = 0;
  private lastId = 0;
  private lastCheckpointId: number | null = null;
  private counters: Counters = { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 };
  private sink!: FileSink;
  private committer!: PartitionCommitter;
  private badRecords!: BadRecordHandler;
  private jobUuid = '';
  private maxEventTime = -Infinity;
  private restoredSource: unknown;
  private readonly watermarkIndex: number;

  constructor(config: RuntimeConfig, deps: RunnerDeps) {
    this.c = config;
    this.d = deps;
    this.clock = deps.clock ?? Date.now;
    this.store = new CheckpointStore(deps.stateStorage, config.checkpointDir, config.job, config.runner);
    this.query = compileQuery(config.query, config.schema, config.functions);
    this.decoder = createDecoder(config.sourceFormat, config.schema);
    this.watermarkIndex = config.watermark === null ? -1 : config.schema.findIndex((f) => f.name === config.watermark!.column);
  }

  /** Ask for a final checkpoint and a clean exit (SIGINT/SIGTERM, suspend). */
  requestStop(): void {
    this.stopRequested = true;
  }

  get status(): { epoch: number; lastCheckpointId: number | null; counters: Counters; committer: PartitionCommitter | undefined } {
    return { epoch: this.epoch, lastCheckpointId: this.lastCheckpointId, counters: { ...this.counters }, committer: this.committer };
  }

  private namePrefix(): string {
    return `part-${this.jobUuid}-${this.c.runner}-`;
  }

  private makeSink(counter: number): FileSink {
    const out = this.query.outputSchema;
    const partitionIndexes = this.c.sink.partitionBy.map((k) => {
      const i = out.findIndex((f) => f.name === k);
      if (i < 0) throw new JobFailedError(`spec.sink.partitionBy: column '${k}' is not in the query's output (${out.map((f) => f.name).join(', ')})`);
      return i;
    });
    const bodyColumns = out.map((_, i) => i).filter((i) => !partitionIndexes.includes(i));
    const encoder: Encoder = createEncoder(this.c.sink.format, out, bodyColumns);
    return new FileSink({
      storage: this.d.sinkStorage,
      root: this.c.sink.path,
      partitionKeys: this.c.sink.partitionBy,
      partitionIndexes,
      encoder,
      rolling: { fileSize: this.c.sink.fileSize, rolloverIntervalMs: this.c.sink.rolloverIntervalMs, inactivityIntervalMs: this.c.sink.inactivityIntervalMs },
      namePrefix: this.namePrefix(),
      suffix: this.c.sink.suffix,
      counter,
      clock: this.clock,
    });
  }

  private storageOf(p: PendingPart): Storage {
    return p.deadLetter === true ? this.d.deadLetterStorage! : this.d.sinkStorage;
  }

  private async fenceCheck(): Promise<void> {
    const highest = await this.store.highestEpoch();
    if (highest > this.epoch) throw new FencedError(this.c.job, this.c.runner, this.epoch, highest);
  }

  /**
   * The position to open the source at: this runner's own, merged (by the reader) with the last
   * published positions of every other runner lineage, so splits that changed owner with a
   * parallelism change resume where their previous owner published, not from the start.
   */
  private async mergedSource(rec: CheckpointRecord | null): Promise<unknown> {
    const merge = this.d.reader.mergePositions?.bind(this.d.reader);
    if (merge === undefined) return rec?.source;
    const positions: unknown[] = rec === null ? [] : [rec.source];
    for (const r of await this.store.lineages()) {
      if (r === this.c.runner) continue;
      const other = await this.settledRecordOf(r);
      if (other !== null) positions.push(other.source);
    }
    return positions.length === 0 ? undefined : merge(positions);
  }

  /**
   * Lineage `r`'s settled record (see CheckpointStore.settledRecord). A lineage whose last
   * process, at another parallelism, died between publishing a checkpoint and naming it in its
   * marker is settled by its next owner — its own runner, or for a vanished index the runner that
   * retires it — at that owner's restore: wait for it, as long as SETTLE_WAIT_MS, then fail
   * (retriable) naming why.
   */
  private async settledRecordOf(r: number): Promise<CheckpointRecord | null> {
    const lineage = this.store.lineage(r);
    const deadline = Date.now() + SETTLE_WAIT_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      const s = await lineage.settledRecord(this.c.parallelism);
      if (s.settled) return s.record;
      if (this.stopRequested) throw new SluiceError(`stopped while waiting for runner ${r}'s last checkpoint to be settled (${s.why}); nothing was read or committed`);
      if (Date.now() > deadline) {
        throw new SluiceError(`runner ${this.c.runner} cannot resume the splits runner ${r} read: ${s.why} within ${SETTLE_WAIT_MS / 1000}s (runner ${r}, or the runner that retires it, settles it when it starts)`, { retriable: true });
      }
      // Another process's restore, not an event this one can await.
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * Lineages of runner indexes that no longer exist (the parallelism went down) are settled by
   * runner `r % parallelism`: it claims an epoch there (a leftover process of that index is
   * fenced), publishes the lineage's newest record again (idempotent, as its own restore would:
   * the dead runner may have published some of its files already), names it in the lineage's
   * marker, and aborts the lineage's other hidden part files. The lineage's splits resume
   * elsewhere from exactly that record (mergedSource), and a later scale-up restores it from the
   * same record. Its partitions still awaiting commit are handed to this runner's committer.
   * Done once per lineage state (the `retired` marker names the epoch).
   */
  private async retireVanishedLineages(places: Array<[Storage, string]>): Promise<{ aborted: number; awaiting: AwaitingPartition[] }> {
    const n = this.c.parallelism;
    let aborted = 0;
    const awaiting: AwaitingPartition[] = [];
    for (const r of await this.store.lineages()) {
      if (r < n || r % n !== this.c.runner) continue;
      const other = this.store.lineage(r);
      if ((await other.retiredEpoch()) === (await other.highestEpoch())) continue; // nothing ran there since
      const epoch = await other.claimEpoch();
      await other.sweepTemps();
      const newest = await other.latest();
      const pending = newest?.pending ?? [];
      await forEachBounded(pending, COMMIT_CONCURRENCY, (p) => this.storageOf(p).commitAfterRecovery(p.file));
      const referenced = new Set(pending.map((p) => p.file.target));
      for (const [storage, root] of places) {
        for (const u of await storage.listUncommitted(root, `part-${this.jobUuid}-${r}-`)) {
          if (referenced.has(u.target)) continue;
          await storage.abortPending(u);
          aborted++;
        }
      }
      if (newest !== null) {
        await other.writeCommitted(markerFor(newest, new Date(this.clock()).toISOString()));
        awaiting.push(...newest.awaiting);
      }
      await other.markRetired(epoch, this.c.runner);
    }
    return { aborted, awaiting };
  }

  private async restore(): Promise<CheckpointRecord | null> {
    this.epoch = await this.store.claimEpoch();
    this.jobUuid = (await this.store.jobIdentity()).uuid;
    const rec = await this.store.latest();
    let recommitted = 0;
    if (rec !== null) {
      const [first, ...rest] = rec.pending;
      if (first !== undefined) await this.storageOf(first).commitAfterRecovery(first.file);
      failpoint('mid-recovery');
      await forEachBounded(rest, COMMIT_CONCURRENCY, (p) => this.storageOf(p).commitAfterRecovery(p.file));
      recommitted = rec.pending.length;
      this.counters = { ...rec.counters };
      this.lastId = rec.id;
      this.lastCheckpointId = rec.id;
    }
    const referenced = new Set((rec?.pending ?? []).map((p) => p.file.target));
    const places: Array<[Storage, string]> = [[this.d.sinkStorage, this.c.sink.path]];
    if (this.c.badRecords.mode === 'dead-letter' && this.d.deadLetterStorage) places.push([this.d.deadLetterStorage, this.c.badRecords.deadLetter!]);
    const uncommitted: Array<[Storage, PendingFile]> = [];
    for (const [storage, root] of places) {
      for (const u of await storage.listUncommitted(root, this.namePrefix())) uncommitted.push([storage, u]);
    }
    await this.fenceCheck();
    await this.store.sweepTemps(); // a killed predecessor's half-done record or marker write
    let aborted = 0;
    for (const [storage, u] of uncommitted) {
      if (referenced.has(u.target)) continue;
      await storage.abortPending(u);
      aborted++;
    }
    const retired = await this.retireVanishedLineages(places);
    aborted += retired.aborted;
    if (rec !== null) {
      // Everything in `rec` is published now: say so, so other runners may trust this record.
      await this.store.writeCommitted(markerFor(rec, new Date(this.clock()).toISOString()));
    }
    this.restoredSource = await this.mergedSource(rec);
    this.sink = this.makeSink(rec?.partCounter ?? 0);
    this.committer = new PartitionCommitter(this.c.sink.commit, this.d.sinkStorage, this.c.sink.path, mergeAwaiting(rec?.awaiting ?? [], retired.awaiting));
    this.badRecords = new BadRecordHandler(this.c.badRecords, this.c.sourceFormat, {
      storage: this.d.deadLetterStorage,
      topic: this.d.deadLetterTopic,
      namePrefix: this.namePrefix(),
      counter: rec?.partCounter ?? 0,
      clock: this.clock,
    });
    if (rec !== null && rec.watermark !== null) this.maxEventTime = rec.watermark + (this.c.watermark?.delayMs ?? 0);
    this.d.listener?.onRestore?.({ epoch: this.epoch, restoredId: rec?.id ?? null, recommitted, orphansAborted: aborted });
    return rec;
  }

  async run(): Promise<RunResult> {
    const rec = await this.restore();
    const reader = this.d.reader;
    if (rec?.finished) {
      // A finished job restarted: everything is published; only partition commits may remain.
      await this.commitPartitionsAtEnd();
      return { finished: true, counters: this.counters, lastCheckpointId: this.lastCheckpointId, epoch: this.epoch };
    }
    await reader.open(this.restoredSource);
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
        this.throwIfCheckpointFailed();
        if (this.stopRequested) {
          await this.checkpoint(false, true);
          return { finished: false, counters: this.counters, lastCheckpointId: this.lastCheckpointId, epoch: this.epoch };
        }
        const batch = await reader.poll(testBatchLimit(BATCH), Math.max(1, Math.min(POLL_WAIT_MS, nextCheckpointAt - this.clock())));
        if (batch === null) {
          await this.checkpoint(true, true);
          await this.commitPartitionsAtEnd();
          return { finished: true, counters: this.counters, lastCheckpointId: this.lastCheckpointId, epoch: this.epoch };
        }
        if (batch.values.length > 0) this.process(batch, rows, out);
        if (throttle !== null) await throttle(batch.values.length);
        if (this.sink.needsFlush()) await this.sink.flush();
        now = this.clock();
        if (now >= nextCheckAt) {
          await this.sink.onProcessingTime(now);
          nextCheckAt = now + check;
        }
        if (now >= nextCheckpointAt) {
          await this.checkpoint(false, false);
          now = this.clock();
          nextCheckpointAt = (Math.floor(now / interval) + 1) * interval;
        }
      }
    } catch (e) {
      // A checkpoint in flight finishes first: its record may reference files the abort would
      // remove. A fenced runner must not touch its pending files: the successor may have
      // restored the very record this runner just wrote and be publishing those files right now.
      await this.inFlight;
      const fenced = e instanceof FencedError || this.inFlightFailure?.error instanceof FencedError;
      if (!fenced) await this.sink.abort();
      throw e;
    }
  }

  private process(batch: RawBatch, rows: Row[], out: Row[]): void {
    const values = batch.values;
    this.counters.recordsIn += values.length;
    rows.length = 0;
    const bad: number[] = [];
    const skippedBefore = this.decoder.skippedRecords;
    const n = this.decoder.decodeBatch(values, rows, (i, err) => {
      bad.push(i);
      this.badRecords.handle(values[i]!, batch.describe(i), err);
    }, batch.noControlChars === true);
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
    this.sink.writeBatch(out, m);
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

  private nextId(): number {
    const aligned = Math.floor(this.clock() / this.c.checkpointIntervalMs);
    this.lastId = Math.max(this.lastId + 1, aligned);
    return this.lastId;
  }

  /** A checkpoint whose files are still closing or being published, while the pipeline goes on. */
  private inFlight: Promise<void> | null = null;
  private inFlightFailure: { error: unknown } | undefined;

  /** Rethrow the failure of a background checkpoint (a fenced runner, a failed upload...). */
  private throwIfCheckpointFailed(): void {
    if (this.inFlightFailure !== undefined) throw this.inFlightFailure.error;
  }

  /** Wait for the checkpoint in flight, if any, and rethrow its failure. */
  private async settleCheckpoint(): Promise<void> {
    await this.inFlight;
    this.inFlight = null;
    this.throwIfCheckpointFailed();
  }

  /**
   * A checkpoint in two phases, like Flink's: the barrier (synchronous for the pipeline) takes
   * the source position and rolls every part file; the rest — closing those files (an upload
   * on HDFS/OSS), writing the record, publishing — runs while the pipeline goes on writing new
   * part files for the next checkpoint. At most one is in flight: the next barrier waits for it.
   * `wait` (the final checkpoint, a stop) returns only when it is complete.
   */
  private async checkpoint(finished: boolean, wait: boolean): Promise<void> {
    await this.settleCheckpoint();
    const started = this.clock();
    const id = this.nextId();
    const sinkSnapshot = this.sink.beginSnapshot();
    const dead = await this.badRecords.snapshot();
    const barrier = {
      id, started, finished, dead,
      source: this.d.reader.position(),
      partCounter: Math.max(this.sink.nextCounter, this.badRecords.nextCounter),
      skipped: this.badRecords.takeSkipped(),
      watermark: this.watermark(finished),
    };
    this.inFlight = this.completeCheckpoint(barrier, sinkSnapshot).catch((error: unknown) => {
      this.inFlightFailure ??= { error };
    });
    if (wait) await this.settleCheckpoint();
  }

  private async completeCheckpoint(b: { id: number; started: number; finished: boolean; dead: PendingPart[]; source: unknown; partCounter: number; skipped: number; watermark: number | null }, sinkSnapshot: SinkSnapshot): Promise<void> {
    const { id, started, finished } = b;
    const { pending, activity } = await sinkSnapshot();
    const all: PendingPart[] = [...pending, ...b.dead];
    this.committer.addActivity(activity, id, started);
    const counters: Counters = { ...this.counters };
    for (const p of pending) {
      counters.records += p.records;
      counters.bytes += p.file.bytes;
      counters.files += 1;
    }
    counters.skipped = this.counters.skipped + b.skipped;
    const record: CheckpointRecord = {
      version: RECORD_VERSION,
      job: this.c.job,
      runner: this.c.runner,
      parallelism: this.c.parallelism,
      epoch: this.epoch,
      id,
      createdAt: new Date(started).toISOString(),
      jobUuid: this.jobUuid,
      partCounter: b.partCounter,
      source: b.source,
      pending: all,
      counters,
      watermark: b.watermark,
      awaiting: this.committer.awaitingPartitions(),
      finished,
    };
    await this.store.write(record);
    failpoint('after-record');
    if (all.length > 0) failpoint('after-record-with-files');
    await this.fenceCheck();
    if (all.length > 0) {
      // the first file alone (so the failpoint sees some files published, not all), then the rest in parallel
      await this.storageOf(all[0]!).commit(all[0]!.file);
      if (all.length > 1) failpoint('mid-commit');
      await forEachBounded(all.slice(1), COMMIT_CONCURRENCY, (p) => this.storageOf(p).commit(p.file));
    }
    failpoint('before-marker');
    this.counters = counters;
    this.lastCheckpointId = id;
    await this.store.writeCommitted({ version: 1, epoch: this.epoch, id, at: new Date(this.clock()).toISOString(), watermark: record.watermark, finished, counters });
    const committedPartitions = await this.commitPartitions();
    await this.d.reader.notifyCheckpointComplete(id, record.source);
    await this.store.prune(this.epoch);
    this.d.listener?.onCheckpoint?.({
      id, epoch: this.epoch, durationMs: this.clock() - started, files: pending.length,
      records: pending.reduce((s, p) => s + p.records, 0), committedPartitions, counters, finished,
    });
  }

  private async commitPartitions(): Promise<string[]> {
    const markers = this.c.parallelism === 1 ? null : await this.store.readCommitted(this.c.parallelism);
    let minId = this.lastCheckpointId ?? -1;
    let wm = this.watermark(false);
    let allFinished = false;
    if (markers !== null) {
      allFinished = markers.every((m) => m?.finished === true);
      minId = Math.min(...markers.map((m) => (m === null ? -1 : m.finished ? Infinity : m.id)));
      const wms = markers.map((m) => (m === null ? null : m.finished ? Infinity : m.watermark));
      wm = wms.some((w) => w === null) ? null : Math.min(...(wms as number[]));
    } else {
      const own = await this.store.readCommitted(1);
      allFinished = own[0]?.finished === true;
    }
    if (allFinished) {
      minId = Infinity;
      wm = Infinity;
    }
    return this.committer.commit({ now: this.clock(), minCommittedId: minId, watermark: wm === Number.MAX_SAFE_INTEGER ? Infinity : wm });
  }

  /** After the final checkpoint: wait until every runner has finished, then commit all partitions. */
  private async commitPartitionsAtEnd(): Promise<void> {
    for (;;) {
      await this.commitPartitions();
      if (this.committer.awaitingPartitions().length === 0) return;
      if (this.stopRequested) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Partitions awaiting commit from several records: one entry per path, due only once the latest checkpoint that wrote it is. */
function mergeAwaiting(...lists: AwaitingPartition[][]): AwaitingPartition[] {
  const byPath = new Map<string, AwaitingPartition>();
  for (const a of lists.flat()) {
    const seen = byPath.get(a.path);
    byPath.set(a.path, seen === undefined ? { ...a } : { path: a.path, createdAt: Math.min(seen.createdAt, a.createdAt), checkpointId: Math.max(seen.checkpointId, a.checkpointId) });
  }
  return [...byPath.values()];
}
