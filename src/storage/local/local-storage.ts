/**
 * Local-disk backend (also `file://`, and the jindofs-fuse mount path of block-mode namespaces).
 *
 * Part files are written as `.<name>.inprogress.<uuid>` beside their target, fsynced at
 * closeForCommit, and published by rename + directory fsync. Rename is atomic, so a reader
 * that skips `.`/`_` names never sees a partial file.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entry, FileVersion, PartWriter, PendingFile, PreparedOpen, Storage, StorageCapabilities } from '../types.ts';
import { StorageError } from '../errors.ts';
import { storageErrorFrom } from '../os-error.ts';
import { fsyncPath as fsyncDir, GroupSync } from './group-sync.ts';

export interface LocalPendingFile extends PendingFile {
  temp: string;
}

const INPROGRESS = '.inprogress.';

/** Accepts a plain path or a file:// URI. */
export function toLocalPath(p: string): string {
  return p.startsWith('file:') ? fileURLToPath(p) : p;
}


function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * mkdir -p that reports the real cause. Node's recursive mkdir says ENOENT when it cannot
 * create a missing ancestor, whatever the reason (a read-only file system, no permission), so
 * on ENOENT the levels are created one by one and the first real error is thrown.
 */
async function mkdirs(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    return;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const levels: string[] = [];
  for (let d = path.resolve(dir); path.dirname(d) !== d; d = path.dirname(d)) levels.unshift(d);
  for (const d of levels) {
    try {
      await fs.mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * Create something in `dir`: tried as is first (the directory usually exists: a partition gets
 * a part file every checkpoint), and only on ENOENT is the directory made and `fn` run again.
 * A mkdir before each open cost two more calls per part file (10,000 partitions: 20,000 per
 * checkpoint).
 */
async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  await mkdirs(dir);
  return fn();
}

/** Run `fn`; an OS error becomes one StorageError line naming `p` and the cause (os-error.ts). */
async function onPath<T>(p: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storageErrorFrom(e, p);
  }
}

class LocalPartWriter implements PartWriter {
  bytes = 0;
  private readonly target: string;
  private readonly temp: string;
  private handle: fs.FileHandle;
  private readonly sync: GroupSync;

  constructor(target: string, temp: string, handle: fs.FileHandle, sync: GroupSync) {
    this.target = target;
    this.temp = temp;
    this.handle = handle;
    this.sync = sync;
  }

  async write(chunk: Uint8Array): Promise<void> {
    let off = 0;
    // a write to a file handle reports no path (ENOSPC): the temp file is named for it
    await onPath(this.temp, async () => {
      while (off < chunk.length) {
        const { bytesWritten } = await this.handle.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
    });
    this.bytes += chunk.length;
  }

  async closeForCommit(): Promise<LocalPendingFile> {
    const { pending, durable } = await this.seal();
    await durable;
    return pending;
  }

  /**
   * Every byte was written by write(): the pending file is known now. Durable once synced
   * (with the other files closing at this checkpoint: group-sync.ts), then closed.
   */
  async seal(): Promise<{ pending: LocalPendingFile; durable: Promise<void> }> {
    const durable = onPath(this.temp, async () => {
      try {
        await this.sync.file(this.handle, this.temp);
      } finally {
        await this.handle.close();
      }
    });
    durable.catch(() => {}); // the caller awaits it
    return { pending: { target: this.target, temp: this.temp, bytes: this.bytes }, durable };
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await fs.rm(this.temp, { force: true });
  }
}

interface LocalPreparedOpen extends PreparedOpen {
  temp: string;
}

export interface LocalStorageOptions {
  /** How part files and published renames are made durable (group-sync.ts). @default a GroupSync of its own */
  sync?: GroupSync;
}

export class LocalStorage implements Storage {
  /**
   * concurrency 256: a checkpoint's closes and publishes are mostly waits for durability, and
   * the more of them wait at once, the fewer syncs cover them (group-sync.ts).
   */
  readonly capabilities: StorageCapabilities = { atomicRename: true, hiddenTempFiles: true, concurrency: 256 };
  readonly sync: GroupSync;

  constructor(o: LocalStorageOptions = {}) {
    this.sync = o.sync ?? new GroupSync();
  }

  async open(target: string, prepared?: PreparedOpen): Promise<PartWriter> {
    const temp = prepared !== undefined && prepared.target === target ? (prepared as LocalPreparedOpen).temp : null;
    if (temp !== null) {
      // reopened, not created: an existing empty file (its creation was the cost)
      const handle = await fs.open(temp, 'r+').catch(() => null);
      if (handle !== null) return new LocalPartWriter(target, temp, handle, this.sync);
    }
    const { temp: fresh, handle } = await this.createTemp(target);
    return new LocalPartWriter(target, fresh, handle, this.sync);
  }

  async prepareOpen(target: string): Promise<PreparedOpen> {
    const { temp, handle } = await this.createTemp(target);
    await handle.close();
    const prepared: LocalPreparedOpen = { target, temp };
    return prepared;
  }

  private async createTemp(target: string): Promise<{ temp: string; handle: fs.FileHandle }> {
    const t = toLocalPath(target);
    const dir = path.dirname(t);
    const temp = path.join(dir, `.${path.basename(t)}${INPROGRESS}${randomUUID()}`);
    const handle = await onPath(temp, () => inDir(dir, () => fs.open(temp, 'wx')));
    return { temp, handle };
  }

  async commit(pending: PendingFile): Promise<void> {
    const p = pending as LocalPendingFile;
    const st = await fs.stat(p.temp).catch((e: unknown) => {
      if (isNotFound(e)) return null;
      throw e;
    });
    if (st === null) {
      throw new StorageError(`pending file ${p.temp} for ${p.target} is missing`, { retriable: false });
    }
    if (st.size !== p.bytes) {
      throw new StorageError(`pending file ${p.temp} has ${st.size} bytes, checkpoint recorded ${p.bytes}`, { retriable: false });
    }
    const target = toLocalPath(p.target);
    await onPath(target, async () => {
      await fs.rename(p.temp, target);
      await this.sync.dir(path.dirname(target), st.dev);
    });
  }

  async commitAfterRecovery(pending: PendingFile): Promise<void> {
    const p = pending as LocalPendingFile;
    const tempExists = await fs.stat(p.temp).then(() => true, (e: unknown) => {
      if (isNotFound(e)) return false;
      throw e;
    });
    if (tempExists) return this.commit(pending);
    const st = await fs.stat(toLocalPath(p.target)).catch(() => null);
    if (st !== null && st.size === p.bytes) return; // committed before the crash
    throw new StorageError(
      `cannot recover ${p.target}: neither its pending file nor a committed file of ${p.bytes} bytes exists`,
      { retriable: false },
    );
  }

  async abortPending(pending: PendingFile): Promise<void> {
    await fs.rm((pending as LocalPendingFile).temp, { force: true });
  }

  async listUncommitted(root: string, namePrefix: string): Promise<PendingFile[]> {
    const out: LocalPendingFile[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isNotFound(e)) return;
        throw storageErrorFrom(e, dir);
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!e.name.startsWith('_') && !e.name.startsWith('.')) await walk(full);
        } else if (e.name.startsWith(`.${namePrefix}`) && e.name.includes(INPROGRESS)) {
          const name = e.name.slice(1, e.name.lastIndexOf(INPROGRESS));
          out.push({ target: path.join(dir, name), temp: full, bytes: -1 });
        }
      }
    };
    await walk(toLocalPath(root));
    return out;
  }

  async createIfAbsent(p: string, data: Uint8Array): Promise<boolean> {
    const target = toLocalPath(p);
    return onPath(target, () => this.createIfAbsentAt(target, data));
  }

  private async createIfAbsentAt(target: string, data: Uint8Array): Promise<boolean> {
    await mkdirs(path.dirname(target));
    // Write a temp file, then link(2) it: link fails with EEXIST if the name exists, so exactly
    // one writer wins and nobody ever sees a partial record.
    // A restoring process of the same lineage sweeps the hidden temp files a killed process left
    // (CheckpointStore.sweepTemps), and cannot tell a live writer's from a dead one's: when ours
    // vanished before the link (ENOENT), write it again. The link still decides who wins.
    for (let attempt = 1; ; attempt++) {
      const temp = path.join(path.dirname(target), `.${path.basename(target)}${INPROGRESS}${randomUUID()}`);
      await writeDurably(temp, data);
      try {
        await fs.link(temp, target);
        await fsyncDir(path.dirname(target));
        return true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return false;
        if (code !== 'ENOENT' || attempt >= 5 || !(await exists(path.dirname(target)))) throw e;
      } finally {
        await fs.rm(temp, { force: true });
      }
    }
  }

  async put(p: string, data: Uint8Array): Promise<void> {
    const target = toLocalPath(p);
    await onPath(target, () => this.putAt(target, data));
  }

  private async putAt(target: string, data: Uint8Array): Promise<void> {
    if (data.length === 0) {
      // An empty file (a success file) has no half-written state: created in place, so a kill
      // mid-write leaves no hidden temp file behind in the partition (nothing would remove it).
      // One that is there already (a partition committed again) only gets its mtime, as a
      // rewrite would. Either way its directory is synced (with the checkpoint's others): it
      // may be a killed process's that was never made durable.
      const st = await fs.stat(target).catch(() => null);
      if (st !== null && st.isFile() && st.size === 0) {
        const now = new Date();
        await fs.utimes(target, now, now);
      } else {
        const h = await inDir(path.dirname(target), () => fs.open(target, 'w'));
        try {
          if (st !== null) await h.sync(); // a truncated file: its new length
        } finally {
          await h.close();
        }
      }
      await this.sync.dir(path.dirname(target), st?.dev ?? (await fs.stat(target)).dev);
      return;
    }
    const temp = path.join(path.dirname(target), `.${path.basename(target)}${INPROGRESS}${randomUUID()}`);
    await inDir(path.dirname(target), () => writeDurably(temp, data));
    await fs.rename(temp, target);
    await fsyncDir(path.dirname(target));
  }

  async list(dir: string): Promise<Entry[]> {
    const d = toLocalPath(dir);
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (e) {
      if (isNotFound(e)) return [];
      throw storageErrorFrom(e, d);
    }
    const out: Entry[] = [];
    for (const e of entries) {
      const full = path.join(d, e.name);
      const st = e.isDirectory() ? null : await fs.stat(full).then((s) => s, () => undefined);
      if (st === undefined) continue; // vanished while listing
      out.push({ name: e.name, path: full, isDirectory: e.isDirectory(), size: st?.size ?? 0, ...(st ? { modifiedMs: st.mtimeMs } : {}) });
    }
    return out;
  }

  async read(p: string): Promise<Uint8Array | null> {
    try {
      return await fs.readFile(toLocalPath(p));
    } catch (e) {
      if (isNotFound(e)) return null;
      throw storageErrorFrom(e, p);
    }
  }

  async *readStream(p: string, offset = 0): AsyncIterable<Uint8Array> {
    try {
      yield* createReadStream(toLocalPath(p), { start: offset, highWaterMark: 128 << 10 });
    } catch (e) {
      throw storageErrorFrom(e, p);
    }
  }

  async stat(p: string): Promise<(FileVersion & { isDirectory: boolean }) | null> {
    try {
      const s = await fs.stat(toLocalPath(p));
      return { size: s.size, modifiedMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw storageErrorFrom(e, p);
    }
  }

  async delete(p: string): Promise<void> {
    await onPath(p, () => fs.rm(toLocalPath(p), { force: true }));
  }

  join(dir: string, ...names: string[]): string {
    return path.join(toLocalPath(dir), ...names);
  }

  async close(): Promise<void> {}
}

async function writeDurably(file: string, data: Uint8Array): Promise<void> {
  const h = await fs.open(file, 'wx');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Does the path exist (a directory, say)? */
async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}
