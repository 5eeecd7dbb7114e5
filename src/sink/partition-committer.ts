/**
 * PartitionCommitter: decides when a partition is done and applies the commit policy
 * (`success-file` writes `_SUCCESS`). Flink's `PartitionCommitTrigger` semantics:
 *
 * - process-time: commit when delay is 0 or now > partition creation time + delay. With delay 0
 *   a partition that got data in checkpoint N is committed after N, again and again.
 * - partition-time: commit when the watermark > time extracted from the partition values + delay.
 *
 * Either way a partition is committed for checkpoint k only once every runner has published its
 * files up to k (`minCommittedId`), so no runner can hold uncommitted data for a partition that is
 * marked done.
 *
 * It also keeps each partition's figures (files, records, bytes, last commit) for status and
 * `sluice run`'s summary, bounded whatever the partition count: only the MAX_TRACKED_PARTITIONS
 * most recently active (written or committed) partitions, least recently active dropped first.
 * Each checkpoint record carries the MAX_PERSISTED_PARTITIONS most recent of them and the
 * partitions total (`totals()`), and a restore hands them back, so the figures are the lineage's
 * own over restarts, not one process's. The total is exact while the lineage has written at most
 * MAX_PERSISTED_PARTITIONS partitions (none was dropped yet, so none is counted twice); beyond,
 * a fixed-size sketch estimates it (distinct-sketch.ts, ±3%).
 */
import type { Storage } from '../storage/types.ts';
import type { AwaitingPartition, PartitionFigures, PartitionTotals } from '../pipeline/checkpoint-record.ts';
import type { PartitionActivity } from './file-sink.ts';
import { DistinctSketch } from './distinct-sketch.ts';
import { partitionTimeOf } from './partition-time.ts';
import { forEachBounded } from '../bounded.ts';

/** Partitions whose figures are kept in memory: the most recently active ones. */
export const MAX_TRACKED_PARTITIONS = 1024;
/** Of those, the most recent ones each checkpoint record carries (it is written every checkpoint). */
export const MAX_PERSISTED_PARTITIONS = 256;

export interface PartitionCommitOptions {
  trigger: 'process-time' | 'partition-time';
  delayMs: number;
  /** File written by the success-file policy, or null when that policy is off. */
  successFileName: string | null;
  timestampPattern: string | null;
  timestampFormatter: string;
  timeZone: string;
  /** Success files written at once (on HDFS each is a CREATE with a fixed ~0.2-0.3 s cost). @default 8 */
  concurrency?: number;
}

export interface CommitContext {
  now: number;
  /** Lowest checkpoint id that every runner has published (Infinity once all finished). */
  minCommittedId: number;
  /** Lowest watermark across runners (ms), Infinity at end of input, null if none. */
  watermark: number | null;
}

export type PartitionInfo = PartitionFigures;

export class PartitionCommitter {
  private readonly o: PartitionCommitOptions;
  private readonly storage: Storage;
  private readonly root: string;
  private readonly awaiting = new Map<string, AwaitingPartition>();
  /** Figures of the most recently active partitions, least recent first (a re-insert moves one last). */
  private readonly known = new Map<string, PartitionInfo>();
  /** Partitions that entered `known`: exact while at most MAX_PERSISTED_PARTITIONS (none dropped yet). */
  private exact: number;
  /** Every partition written, once `exact` is past MAX_PERSISTED_PARTITIONS. */
  private sketch: DistinctSketch | null;

  /** `totals`: the restored record's figures (absent in older records: none). */
  constructor(o: PartitionCommitOptions, storage: Storage, root: string, restored: AwaitingPartition[] = [], totals?: PartitionTotals) {
    this.o = o;
    this.storage = storage;
    this.root = root;
    for (const a of restored) this.awaiting.set(a.path, { ...a });
    for (const p of totals?.recent ?? []) this.touch({ ...p });
    this.exact = Math.max(totals?.total ?? 0, this.known.size);
    this.sketch = totals?.sketch === undefined ? null : DistinctSketch.decode(totals.sketch);
    this.startSketchIfDue();
  }

  /**
   * Distinct partitions this lineage has written, restarts included: exact up to
   * MAX_PERSISTED_PARTITIONS, an estimate beyond (never below MAX_PERSISTED_PARTITIONS + 1).
   */
  get partitionsTotal(): number {
    return this.sketch === null ? this.exact : Math.max(MAX_PERSISTED_PARTITIONS + 1, this.sketch.estimate());
  }

  /**
   * Past MAX_PERSISTED_PARTITIONS a partition's figures may be dropped and it would count twice:
   * from then on the sketch counts. Until then none was dropped, so `known` holds every
   * partition written and seeds it.
   */
  private startSketchIfDue(): void {
    if (this.sketch !== null || this.exact <= MAX_PERSISTED_PARTITIONS) return;
    this.sketch = DistinctSketch.empty();
    for (const path of this.known.keys()) this.sketch.add(path);
  }

  /** `k` becomes the most recently active; the least recently active beyond the bound is dropped. */
  private touch(k: PartitionInfo): void {
    this.known.delete(k.path);
    this.known.set(k.path, k);
    if (this.known.size > MAX_TRACKED_PARTITIONS) this.known.delete(this.known.keys().next().value!);
  }

  /** Partitions that got files in checkpoint `id`. */
  addActivity(activity: Map<string, PartitionActivity>, id: number, now: number): void {
    for (const [path, act] of activity) {
      const a = this.awaiting.get(path);
      if (a === undefined) this.awaiting.set(path, { path, createdAt: now, checkpointId: id });
      else a.checkpointId = id;
      let k = this.known.get(path);
      if (k === undefined) {
        k = { path, files: 0, records: 0, bytes: 0, lastCommitAt: null, successFile: false };
        this.exact++;
        this.sketch?.add(path);
      }
      this.touch(k);
      this.startSketchIfDue();
      k.files += act.files;
      k.records += act.records;
      k.bytes += act.bytes;
    }
  }

  awaitingPartitions(): AwaitingPartition[] {
    return [...this.awaiting.values()].map((a) => ({ ...a }));
  }

  private due(a: AwaitingPartition, ctx: CommitContext): boolean {
    if (a.checkpointId > ctx.minCommittedId) return false;
    if (this.o.trigger === 'process-time') {
      return this.o.delayMs === 0 || ctx.now > a.createdAt + this.o.delayMs || ctx.minCommittedId === Infinity;
    }
    if (ctx.watermark === null) return false;
    if (ctx.watermark === Infinity) return true;
    const t = partitionTimeOf(a.path, this.o.timestampPattern, this.o.timestampFormatter, this.o.timeZone);
    return ctx.watermark > t + this.o.delayMs;
  }

  /** Commit every due partition; returns their paths. */
  async commit(ctx: CommitContext): Promise<string[]> {
    const due = [...this.awaiting.values()].filter((a) => this.due(a, ctx));
    const name = this.o.successFileName;
    if (name !== null) {
      await forEachBounded(due, this.o.concurrency ?? 8, async (a) => {
        const dir = a.path === '' ? this.root : this.storage.join(this.root, ...a.path.split('/'));
        await this.storage.put(this.storage.join(dir, name), new Uint8Array(0));
      });
    }
    const done: string[] = [];
    for (const a of due) {
      done.push(a.path);
      const k = this.known.get(a.path);
      if (k !== undefined) {
        k.lastCommitAt = new Date(ctx.now).toISOString();
        k.successFile = this.o.successFileName !== null;
        this.touch(k);
      }
    }
    for (const p of done) this.awaiting.delete(p);
    return done;
  }

  /**
   * What a checkpoint record carries: the total, the MAX_PERSISTED_PARTITIONS most recently
   * active partitions' figures (copies), least recent first, and the sketch once there is one.
   */
  totals(): PartitionTotals {
    const recent: PartitionInfo[] = [];
    let skip = this.known.size - MAX_PERSISTED_PARTITIONS;
    for (const k of this.known.values()) if (skip-- <= 0) recent.push({ ...k });
    const t: PartitionTotals = { total: this.partitionsTotal, recent };
    if (this.sketch !== null) t.sketch = this.sketch.encode();
    return t;
  }

  /**
   * The `limit` most recently committed partitions, newest first (ties by path), then, if fewer
   * were committed, uncommitted ones. Picked in one pass over the bounded map keeping only
   * `limit` candidates: recency of activity alone is not commit order (data written after a
   * commit moves a partition up without a new commit time).
   */
  recent(limit: number): PartitionInfo[] {
    const top: PartitionInfo[] = [];
    if (limit <= 0) return top;
    const before = (x: PartitionInfo, y: PartitionInfo): boolean => {
      const a = x.lastCommitAt ?? '';
      const b = y.lastCommitAt ?? '';
      return a !== b ? a > b : x.path < y.path;
    };
    for (const k of this.known.values()) {
      if (top.length === limit && !before(k, top[limit - 1]!)) continue;
      let i = Math.min(top.length, limit - 1);
      if (top.length < limit) top.push(k);
      while (i > 0 && before(k, top[i - 1]!)) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = k;
    }
    return top.map((k) => ({ ...k }));
  }
}
