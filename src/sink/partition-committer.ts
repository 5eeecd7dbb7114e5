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
 */
import type { Storage } from '../storage/types.ts';
import type { AwaitingPartition } from '../pipeline/checkpoint-record.ts';
import type { PartitionActivity } from './file-sink.ts';
import { partitionTimeOf } from './partition-time.ts';
import { forEachBounded } from '../bounded.ts';

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

export interface PartitionInfo {
  path: string;
  files: number;
  records: number;
  bytes: number;
  lastCommitAt: string | null;
  successFile: boolean;
}

export class PartitionCommitter {
  private readonly o: PartitionCommitOptions;
  private readonly storage: Storage;
  private readonly root: string;
  private readonly awaiting = new Map<string, AwaitingPartition>();
  /** Lifetime figures of this process, for progress and status (bounded by `recent`). */
  readonly known = new Map<string, PartitionInfo>();

  constructor(o: PartitionCommitOptions, storage: Storage, root: string, restored: AwaitingPartition[] = []) {
    this.o = o;
    this.storage = storage;
    this.root = root;
    for (const a of restored) this.awaiting.set(a.path, { ...a });
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
        this.known.set(path, k);
      }
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
      }
    }
    for (const p of done) this.awaiting.delete(p);
    return done;
  }

  /** The most recently committed partitions, newest first (status keeps a bounded list). */
  recent(limit: number): PartitionInfo[] {
    return [...this.known.values()]
      .sort((x, y) => (y.lastCommitAt ?? '').localeCompare(x.lastCommitAt ?? ''))
      .slice(0, limit);
  }
}
