/**
 * Lineage settlement after a parallelism change (docs/decisions/0006): the positions a runner
 * takes over from other runner indexes' lineages, and the retirement of lineages whose index
 * vanished. Called by restore (restore.ts) only.
 *
 * A lineage whose last process, at another parallelism, died between publishing a checkpoint
 * and naming it in its `committed` marker is settled by its next owner — its own runner at its
 * restore, or for a vanished index the runner that retires it — before anyone resumes its splits.
 */
import { SluiceError } from '../errors.ts';
import { forEachBounded } from '../bounded.ts';
import type { SplitReader } from '../sources/types.ts';
import type { Storage } from '../storage/types.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { AwaitingPartition, CheckpointRecord } from './checkpoint-record.ts';
import { hasPosition, markerFor, takeoverRecord } from './checkpoint-record.ts';
import type { PartStorages } from './part-storages.ts';
import { partPrefix, storageOf } from './part-storages.ts';

/** How long a restore waits for another lineage's last checkpoint to be settled by its owner. */
const SETTLE_WAIT_MS = 120_000;

export interface SettlementContext {
  store: CheckpointStore;
  job: string;
  /** This runner's index and the job's parallelism now. */
  runner: number;
  parallelism: number;
  storages: PartStorages;
  /** Files re-published at once (part-storages.ts commitConcurrency). */
  concurrency: number;
  jobUuid: string;
  clock: () => number;
  stopRequested(): boolean;
}

/**
 * The position to open the source at: this runner's own, merged (by the reader) with the last
 * published positions of every other runner lineage, so splits that changed owner with a
 * parallelism change resume where their previous owner published, not from the start.
 */
export async function mergedSource(x: SettlementContext, reader: SplitReader, rec: CheckpointRecord | null): Promise<unknown> {
  const merge = reader.mergePositions?.bind(reader);
  if (merge === undefined) return hasPosition(rec) ? rec.source : undefined;
  const positions: unknown[] = hasPosition(rec) ? [rec.source] : [];
  for (const r of await x.store.lineages()) {
    if (r === x.runner) continue;
    const other = await settledRecordOf(x, r);
    if (hasPosition(other)) positions.push(other.source);
  }
  return positions.length === 0 ? undefined : merge(positions);
}

/**
 * Lineage `r`'s settled record (see CheckpointStore.settledRecord): wait for its owner to settle
 * it, as long as SETTLE_WAIT_MS, then fail (retriable) naming why.
 */
async function settledRecordOf(x: SettlementContext, r: number): Promise<CheckpointRecord | null> {
  const lineage = x.store.lineage(r);
  const deadline = Date.now() + SETTLE_WAIT_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const s = await lineage.settledRecord(x.parallelism);
    if (s.settled) return s.record;
    if (x.stopRequested()) throw new SluiceError(`stopped while waiting for runner ${r}'s last checkpoint to be settled (${s.why}); nothing was read or committed`);
    if (Date.now() > deadline) {
      throw new SluiceError(`runner ${x.runner} cannot resume the splits runner ${r} read: ${s.why} within ${SETTLE_WAIT_MS / 1000}s (runner ${r}, or the runner that retires it, settles it when it starts)`, { retriable: true });
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
 * same record. Its partitions still awaiting commit are handed to this runner's committer; its
 * partition figures (status only) are not: they stay in its record for that scale-up, and added
 * here they would be counted twice after it.
 * Done once per lineage state (the `retired` marker names the epoch).
 */
export async function retireVanishedLineages(x: SettlementContext, places: Array<[Storage, string]>): Promise<{ aborted: number; awaiting: AwaitingPartition[] }> {
  const n = x.parallelism;
  let aborted = 0;
  const awaiting: AwaitingPartition[] = [];
  for (const r of await x.store.lineages()) {
    if (r < n || r % n !== x.runner) continue;
    const other = x.store.lineage(r);
    if ((await other.retiredEpoch()) === (await other.highestEpoch())) continue; // nothing ran there since
    const epoch = await other.claimEpoch();
    await other.sweepTemps();
    const restored = await other.restorePoint(epoch, x.jobUuid);
    const pending = restored?.pending ?? [];
    await forEachBounded(pending, x.concurrency, (p) => storageOf(x.storages, p).commitAfterRecovery(p.file));
    // As a restore does (restore.ts): a leftover process of that index may still write a late
    // record naming a file aborted below; it must never be the lineage's newest.
    const newest = takeoverRecord(restored, { job: x.job, runner: r, parallelism: n, epoch, jobUuid: x.jobUuid, at: new Date(x.clock()).toISOString() });
    await other.write(newest);
    const referenced = new Set(pending.map((p) => p.file.target));
    for (const [storage, root] of places) {
      for (const u of await storage.listUncommitted(root, partPrefix(x.jobUuid, r))) {
        if (referenced.has(u.target)) continue;
        await storage.abortPending(u);
        aborted++;
      }
    }
    await other.writeCommitted(markerFor(newest, new Date(x.clock()).toISOString()));
    awaiting.push(...newest.awaiting);
    await other.markRetired(epoch, x.runner);
  }
  return { aborted, awaiting };
}
