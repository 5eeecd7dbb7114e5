/**
 * One runner index's checkpoint lineage: `<dir>/checkpoints/<job>/<runner>/`.
 *
 *   epoch-<e>            claimed (create-if-absent) by each process that starts this runner
 *   chk-<epoch>-<id>     checkpoint records (create-if-absent), JSON, versioned
 *   committed            progress marker rewritten after each checkpoint's files are published,
 *                        and at restore once the restored record is published again
 *   retired              written when the lineage's runner index vanished and another runner
 *                        settled it (lineage-settlement.ts: retireVanishedLineages)
 *
 * and, per job, `<dir>/checkpoints/<job>/job.json` holding the job's part-file UUID, created
 * once and read back by every runner so all of them name files alike.
 *
 * Every file is sealed (sealed-state.ts: its identity, length and SHA-256 in a header) and
 * checked when read; `restorePoint` also checks that the files agree with each other.
 *
 * Ordering by (epoch, id) needs no clock agreement: numbers are zero-padded so a plain listing
 * sorts correctly on every backend. A write cut short by a kill can leave the backend's hidden
 * temp file here; the next process to claim the lineage sweeps them (sweepTemps).
 */
import { randomUUID } from 'node:crypto';
import { stageFile } from '../storage/staged.ts';
import type { StagedFile, Storage } from '../storage/types.ts';
import { FencedError, SluiceError } from '../errors.ts';
import { isDeepStrictEqual } from 'node:util';
import type { CheckpointRecord, CommittedMarker } from './checkpoint-record.ts';
import { decodeMarker, decodeRecord, encodeMarker, encodeRecord } from './checkpoint-record.ts';
import { DamagedStateError, openState, sealState } from './sealed-state.ts';

// Padded so listings sort naturally; parsed as numbers, so a wider id (short intervals give
// wall-clock-aligned ids of 12+ digits) still orders correctly.
const pad = (n: number): string => String(n).padStart(16, '0');
const EPOCH_RE = /^epoch-(\d+)$/;
const CHK_RE = /^chk-(\d+)-(\d+)$/;

export interface JobIdentity {
  version: 1 | 2;
  uuid: string;
  createdAt: string;
}

export class CheckpointStore {
  readonly storage: Storage;
  readonly jobDir: string;
  readonly dir: string;
  readonly runner: number;
  private readonly checkpointDir: string;
  private readonly job: string;

  constructor(storage: Storage, checkpointDir: string, job: string, runner: number) {
    this.storage = storage;
    this.checkpointDir = checkpointDir;
    this.job = job;
    this.jobDir = storage.join(checkpointDir, 'checkpoints', job);
    this.dir = storage.join(this.jobDir, String(runner));
    this.runner = runner;
  }

  /** The job's part-file UUID: created by the first runner ever to start, read by all. */
  async jobIdentity(): Promise<JobIdentity> {
    const file = this.storage.join(this.jobDir, 'job.json');
    const mine: JobIdentity = { version: 2, uuid: randomUUID(), createdAt: new Date().toISOString() };
    await this.storage.createIfAbsent(file, sealState({ kind: 'job-identity', job: this.job }, mine));
    const data = await this.storage.read(file);
    if (data === null) throw new SluiceError(`${file} vanished right after it was created`, { retriable: true });
    const id = openState(data, file, { kind: 'job-identity', job: this.job }, this.jobDir).body as JobIdentity;
    if ((id.version !== 1 && id.version !== 2) || typeof id.uuid !== 'string') throw new DamagedStateError(file, 'not a job identity (no uuid)', this.jobDir);
    return id;
  }

  private damaged(file: string, what: string): DamagedStateError {
    return new DamagedStateError(file, what, this.jobDir);
  }

  private async names(): Promise<string[]> {
    return (await this.storage.list(this.dir)).filter((e) => !e.isDirectory).map((e) => e.name);
  }

  async epochs(): Promise<number[]> {
    const out: number[] = [];
    for (const n of await this.names()) {
      const m = EPOCH_RE.exec(n);
      if (m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  async highestEpoch(): Promise<number> {
    const e = await this.epochs();
    return e.length === 0 ? 0 : e[e.length - 1]!;
  }

  /** Throw FencedError when a process claimed a newer epoch than `epoch` (this process's) here. */
  async checkFence(epoch: number): Promise<void> {
    const highest = await this.highestEpoch();
    if (highest > epoch) throw new FencedError(this.job, this.runner, epoch, highest);
  }

  /** Step 1 of the protocol: claim highest+1, retrying upward when another process wins. */
  async claimEpoch(): Promise<number> {
    let e = (await this.highestEpoch()) + 1;
    const body = { pid: process.pid, at: new Date().toISOString() };
    for (;;) {
      const claim = sealState({ kind: 'epoch-claim', job: this.job, runner: this.runner, epoch: e }, body);
      if (await this.storage.createIfAbsent(this.storage.join(this.dir, `epoch-${pad(e)}`), claim)) return e;
      e = Math.max(e + 1, (await this.highestEpoch()) + 1);
    }
  }

  /**
   * Remove the hidden temp files a killed process left in this lineage (a put or
   * create-if-absent cut short between its write and its rename). Called by the process that
   * holds the lineage's newest epoch, before it writes anything there itself. Returns how many.
   */
  async sweepTemps(): Promise<number> {
    const temps = await this.storage.listUncommitted(this.dir, '');
    for (const t of temps) await this.storage.abortPending(t);
    return temps.length;
  }

  /** Checkpoint record names, newest last. */
  async recordNames(): Promise<Array<{ name: string; epoch: number; id: number }>> {
    const out: Array<{ name: string; epoch: number; id: number }> = [];
    for (const n of await this.names()) {
      const m = CHK_RE.exec(n);
      if (m) out.push({ name: n, epoch: Number(m[1]), id: Number(m[2]) });
    }
    return out.sort((a, b) => a.epoch - b.epoch || a.id - b.id);
  }

  private recordFile(epoch: number, id: number): string {
    return this.storage.join(this.dir, `chk-${pad(epoch)}-${pad(id)}`);
  }

  /** Record `chk-<epoch>-<id>`, checked (checksum, identity); null if there is no such file. */
  private async readRecordFile(epoch: number, id: number): Promise<CheckpointRecord | null> {
    const file = this.recordFile(epoch, id);
    const data = await this.storage.read(file);
    return data === null ? null : decodeRecord(data, file, { job: this.job, runner: this.runner, epoch, id }, this.jobDir);
  }

  /** The newest record, checked on its own (see restorePoint for the checks against the others). */
  async latest(): Promise<CheckpointRecord | null> {
    const newest = (await this.recordNames()).at(-1);
    if (newest === undefined) return null;
    const rec = await this.readRecordFile(newest.epoch, newest.id);
    if (rec === null) throw new SluiceError(`checkpoint record ${this.recordFile(newest.epoch, newest.id)} vanished while restoring`, { retriable: true });
    return rec;
  }

  /**
   * The record a process that claimed `ownEpoch` restores: the newest, after checking the
   * lineage's files against each other. Each is sealed and checked as it is read; then
   *   1. no record was written in an epoch at or above the one just claimed (claims removed:
   *      a restarted epoch count would sort new records below old ones);
   *   2. the record the `committed` marker names exists and agrees with the marker (counters,
   *      watermark, finished): a newest record removed, or a marker edited, is found here;
   *   3. the newest record (the marker's, or one written after it by a process that died
   *      before naming it) belongs to this job (its part-file UUID is job.json's).
   * Anything else is a DamagedStateError naming the file: never an older position.
   */
  async restorePoint(ownEpoch: number, jobUuid: string): Promise<CheckpointRecord | null> {
    for (let attempt = 0; ; attempt++) {
      const names = await this.recordNames();
      const ahead = names.find((n) => n.epoch >= ownEpoch);
      if (ahead !== undefined) {
        await this.checkFence(ownEpoch); // a newer process, not damage
        throw this.damaged(this.recordFile(ahead.epoch, ahead.id), `written in epoch ${ahead.epoch}, but the highest epoch claimed before this process was ${ownEpoch - 1} (epoch-* files removed?)`);
      }
      await this.verifyEpochClaims();
      const marker = await this.readMarker();
      let named: CheckpointRecord | null = null;
      if (marker !== null) {
        const file = this.recordFile(marker.epoch, marker.id);
        named = await this.readRecordFile(marker.epoch, marker.id);
        if (named === null) {
          // An older process still finishing a checkpoint may have named a newer record and
          // pruned this one since the marker was read: look again once before calling it damage.
          if (attempt === 0) continue;
          throw this.damaged(file, `missing, yet ${this.dir}/committed names it as the last published checkpoint (removed?)`);
        }
        const m = { watermark: named.watermark, finished: named.finished, counters: named.counters };
        if (!isDeepStrictEqual(m, { watermark: marker.watermark, finished: marker.finished, counters: marker.counters })) {
          throw this.damaged(file, `its counters, watermark or finished flag disagree with ${this.dir}/committed, which names it`);
        }
      }
      const newest = names.at(-1);
      if (newest === undefined) return null;
      const rec = named !== null && newest.epoch === named.epoch && newest.id === named.id ? named : await this.readRecordFile(newest.epoch, newest.id);
      if (rec === null) throw new SluiceError(`checkpoint record ${this.recordFile(newest.epoch, newest.id)} vanished while restoring`, { retriable: true });
      if (rec.jobUuid !== jobUuid) {
        throw this.damaged(this.recordFile(rec.epoch, rec.id), `its part-file UUID ${rec.jobUuid} is not the job's (${jobUuid} in ${this.jobDir}/job.json)`);
      }
      return rec;
    }
  }

  /** Every epoch claim left in the lineage is sealed and names its own epoch. */
  private async verifyEpochClaims(): Promise<void> {
    for (const e of await this.epochs()) {
      const file = this.storage.join(this.dir, `epoch-${pad(e)}`);
      const data = await this.storage.read(file);
      if (data !== null) openState(data, file, { kind: 'epoch-claim', job: this.job, runner: this.runner, epoch: e }, this.jobDir);
    }
  }

  /** Step 3: create-if-absent. A name that exists means a bug or a second owner: never overwrite. */
  async write(record: CheckpointRecord): Promise<void> {
    await (await this.stageRecord(record)).write();
  }

  /**
   * The record written where nothing sees it yet (Storage.stage: on HDFS the CREATE, while the
   * checkpoint's part files finish); `write()` makes it visible (create-if-absent, one RENAME).
   */
  async stageRecord(record: CheckpointRecord): Promise<{ write(): Promise<void>; discard(): Promise<void> }> {
    const file = this.recordFile(record.epoch, record.id);
    const staged = await stageFile(this.storage, file, encodeRecord(record));
    return {
      write: async () => {
        if (!(await staged.createIfAbsent())) {
          throw new SluiceError(`checkpoint record ${file} already exists; another process writes this lineage`);
        }
      },
      discard: () => staged.discard(),
    };
  }

  async writeCommitted(marker: CommittedMarker): Promise<void> {
    await (await this.stageCommitted(marker)).put();
  }

  /** The `committed` marker staged like a record; `put()` replaces the marker with it. */
  async stageCommitted(marker: CommittedMarker): Promise<StagedFile> {
    return stageFile(this.storage, this.storage.join(this.dir, 'committed'), encodeMarker(this.job, this.runner, marker));
  }

  /**
   * Every runner's committed marker (index → marker), for partition commit across runners; the
   * caller's own (`self`, as it last wrote it) is not read again.
   */
  async readCommitted(parallelism: number, selfIndex?: number, self?: CommittedMarker): Promise<Array<CommittedMarker | null>> {
    const out: Array<CommittedMarker | null> = [];
    for (let r = 0; r < parallelism; r++) out.push(r === selfIndex && self !== undefined ? self : await this.lineage(r).readMarker());
    return out;
  }

  /** Runner indexes that have a lineage under this job (any parallelism the job ever ran with). */
  async lineages(): Promise<number[]> {
    return (await this.storage.list(this.jobDir)).filter((e) => e.isDirectory && /^\d+$/.test(e.name)).map((e) => Number(e.name)).sort((a, b) => a - b);
  }

  /** This lineage's `committed` marker, or null before its first publication. */
  async readMarker(): Promise<CommittedMarker | null> {
    const file = this.storage.join(this.dir, 'committed');
    const data = await this.storage.read(file);
    return data === null ? null : decodeMarker(data, file, { job: this.job, runner: this.runner }, this.jobDir);
  }

  /**
   * The record a runner at `parallelism` may take this lineage's positions from (the positions
   * of splits that moved to it): the one the `committed` marker names, unless a newer record was
   * written at another parallelism. Such a record's process died between publishing it and
   * naming it (some of its files may be visible), and the splits it read now belong to other
   * runners: only once the lineage's next owner has published it again and named it
   * (`settled: false` until then) do its positions agree with what readers see. A newer record
   * at the same parallelism cannot matter: no split moved, so its positions for the caller's
   * splits are values carried from an older merge, never ahead of the caller's own.
   */
  async settledRecord(parallelism: number): Promise<{ settled: true; record: CheckpointRecord | null } | { settled: false; why: string }> {
    const names = await this.recordNames();
    const newest = names.at(-1);
    if (newest === undefined) return { settled: true, record: null };
    const m = await this.readMarker();
    const named = m !== null && newest.epoch === m.epoch && newest.id === m.id;
    const marked = m === null ? null : await this.readRecord(m.epoch, m.id, true);
    if (named) return { settled: true, record: marked };
    const latest = await this.readRecord(newest.epoch, newest.id, false);
    if (latest === null || latest.parallelism === parallelism) return { settled: true, record: marked };
    return {
      settled: false,
      why: `${this.dir}: checkpoint ${newest.id}, written at parallelism ${latest.parallelism}, is newer than the one its committed marker names (${m === null ? 'none' : m.id})`,
    };
  }

  /** Record `chk-<epoch>-<id>`; null if it is gone, or an error when `required` (named by the marker). */
  private async readRecord(epoch: number, id: number, required: boolean): Promise<CheckpointRecord | null> {
    const rec = await this.readRecordFile(epoch, id);
    if (rec === null && required) throw new SluiceError(`checkpoint record ${this.recordFile(epoch, id)} named by ${this.dir}/committed is missing`, { retriable: true });
    return rec;
  }

  /** The same job's lineage of runner index `r`. */
  lineage(r: number): CheckpointStore {
    return new CheckpointStore(this.storage, this.checkpointDir, this.job, r);
  }

  /** The epoch claimed by the runner that retired this lineage, or null. */
  async retiredEpoch(): Promise<number | null> {
    const file = this.storage.join(this.dir, 'retired');
    const data = await this.storage.read(file);
    if (data === null) return null;
    const r = openState(data, file, { kind: 'retired', job: this.job, runner: this.runner }, this.jobDir).body as { epoch?: unknown };
    if (typeof r.epoch !== 'number') throw this.damaged(file, 'not a retired marker (no epoch)');
    return r.epoch;
  }

  async markRetired(epoch: number, by: number): Promise<void> {
    const body = { epoch, by, at: new Date().toISOString() };
    await this.storage.put(this.storage.join(this.dir, 'retired'), sealState({ kind: 'retired', job: this.job, runner: this.runner, epoch }, body));
  }

  /**
   * Drop records older than the newest `keep` — never the one the `committed` marker names now
   * (a newer process may have named another than the caller's) — and epoch claims below the
   * current one.
   */
  async prune(currentEpoch: number, keep = 2): Promise<void> {
    const names = await this.recordNames();
    const m = await this.readMarker();
    for (const r of names.slice(0, Math.max(0, names.length - keep))) {
      if (m !== null && r.epoch === m.epoch && r.id === m.id) continue;
      await this.storage.delete(this.storage.join(this.dir, r.name));
    }
    for (const e of await this.epochs()) {
      if (e < currentEpoch) await this.storage.delete(this.storage.join(this.dir, `epoch-${pad(e)}`));
    }
  }
}
