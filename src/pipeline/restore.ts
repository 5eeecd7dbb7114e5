/**
 * Restore: how a runner process takes over its lineage before it reads anything (Flink's
 * "restore from the latest completed checkpoint", with commitAfterRecovery for the sink).
 *
 * Startup (docs/exactly-once.md, "Restore"):
 *   1. claim a new epoch (create-if-absent), only then read the newest checkpoint record,
 *      checked: its checksum and identity, and against the `committed` marker and job.json
 *      (CheckpointStore.restorePoint); damaged state stops the runner, naming the file;
 *   2. re-commit that record's pending files idempotently (commitAfterRecovery), then write it
 *      again under this epoch (takeoverRecord; an empty one on a first start): an older process
 *      not fenced yet may still write a record naming a file step 3 aborts, and that record
 *      must never be the newest a later restore reads;
 *   3. list uncommitted part files of this runner, check the epoch is still ours, abort those
 *      the record does not reference (files listed before that check were all made by older
 *      epochs, so a newer owner's files are never touched);
 *   4. settle and retire the lineages of runner indexes that vanished (lineage-settlement.ts),
 *      name the takeover record in this lineage's `committed` marker (everything in it is
 *      published now, so other runners may trust it);
 *   5. merge this lineage's position with the other lineages' settled ones: the source opens
 *      there (or fresh, by startup mode, when there is none).
 */
import type { SplitReader } from '../sources/types.ts';
import type { PendingFile, Storage } from '../storage/types.ts';
import { forEachBounded } from '../bounded.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { AwaitingPartition, CheckpointRecord, CommittedMarker, PartitionTotals } from './checkpoint-record.ts';
import { hasPosition, markerFor, takeoverRecord } from './checkpoint-record.ts';
import { failpoint } from './failpoints.ts';
import { mergedSource, retireVanishedLineages } from './lineage-settlement.ts';
import type { PartStorages } from './part-storages.ts';
import { commitConcurrency, partPlaces, partPrefix, storageOf } from './part-storages.ts';
import type { RuntimeConfig } from './runtime-config.ts';

export interface RestoreContext {
  config: RuntimeConfig;
  store: CheckpointStore;
  storages: PartStorages;
  reader: SplitReader;
  clock: () => number;
  stopRequested(): boolean;
  /** Told the epoch as soon as it is claimed: a restore that fails after that may be fenced. */
  claimed?(epoch: number): void;
}

/** What a runner starts from. */
export interface RestoredState {
  /** The epoch this process claimed: it owns the lineage until a newer one is claimed. */
  epoch: number;
  /** The job's part-file UUID (job.json), shared by every runner. */
  jobUuid: string;
  /** The newest record of this lineage, now fully published; null on a first start. */
  record: CheckpointRecord | null;
  /** The `committed` marker this process wrote for it. */
  marker: CommittedMarker;
  /** Where the source opens (merged over every lineage); undefined: fresh. */
  source: unknown;
  /** Partitions awaiting commit: this record's, and those of the lineages this runner retired. */
  awaiting: AwaitingPartition[];
  /**
   * This lineage's partition figures (empty on a first start or from a record older than them).
   * A retired lineage's stay in its own record, where a later scale-up restores them: added
   * here they would be counted twice after that.
   */
  partitions: PartitionTotals;
  recommitted: number;
  orphansAborted: number;
}

export async function restore(x: RestoreContext): Promise<RestoredState> {
  const { config: c, store, storages } = x;
  const epoch = await store.claimEpoch();
  x.claimed?.(epoch);
  const jobUuid = (await store.jobIdentity()).uuid;
  const restored = await store.restorePoint(epoch, jobUuid); // checked against the marker and job.json
  if (restored !== null) {
    const [first, ...rest] = restored.pending;
    if (first !== undefined) await storageOf(storages, first).commitAfterRecovery(first.file);
    failpoint('mid-recovery');
    await forEachBounded(rest, commitConcurrency(c, storages), (p) => storageOf(storages, p).commitAfterRecovery(p.file));
  }
  // Before anything is aborted: from now on no older epoch's record sorts above this one.
  const own = takeoverRecord(restored, { job: c.job, runner: c.runner, parallelism: c.parallelism, epoch, jobUuid, at: new Date(x.clock()).toISOString() });
  await store.write(own);
  failpoint('after-takeover-record');
  const rec = hasPosition(own) ? own : null;
  const referenced = new Set(own.pending.map((p) => p.file.target));
  const places = partPlaces(c, storages);
  const uncommitted: Array<[Storage, PendingFile]> = [];
  for (const [storage, root] of places) {
    for (const u of await storage.listUncommitted(root, partPrefix(jobUuid, c.runner))) uncommitted.push([storage, u]);
  }
  await store.checkFence(epoch);
  await store.sweepTemps(); // a killed predecessor's half-done record or marker write
  // A record an older process writes from now on sorts below `own` and is never published (its
  // fence check fails); every process claiming after the check above reads `own` or newer.
  let aborted = 0;
  for (const [storage, u] of uncommitted) {
    if (referenced.has(u.target)) continue;
    await storage.abortPending(u);
    aborted++;
  }
  const settlement = { store, job: c.job, runner: c.runner, parallelism: c.parallelism, storages, concurrency: commitConcurrency(c, storages), jobUuid, clock: x.clock, stopRequested: x.stopRequested };
  const retired = await retireVanishedLineages(settlement, places);
  aborted += retired.aborted;
  // Everything in `own` is published now: say so, so other runners may trust this record
  // (unless a newer process restored meanwhile: its marker stands).
  await store.checkFence(epoch);
  const marker = markerFor(own, new Date(x.clock()).toISOString());
  await store.writeCommitted(marker);
  const source = await mergedSource(settlement, x.reader, rec);
  return {
    epoch, jobUuid, record: rec, source, marker,
    awaiting: mergeAwaiting(rec?.awaiting ?? [], retired.awaiting),
    partitions: rec?.partitions ?? { total: 0, recent: [] },
    recommitted: rec?.pending.length ?? 0,
    orphansAborted: aborted,
  };
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
