/**
 * HDFS backend of the recoverable-writer Storage interface, over WebHDFS.
 *
 * Paths: `hdfs://<namenode-rpc>/path` (mapped to HTTP by `namenodes`) or
 * `webhdfs://<namenode-http>/path`; see hdfs-uri.ts.
 *
 * Commit protocol (docs/exactly-once.md, "HDFS via WebHDFS"):
 * 1. open(): bytes go to a hidden temp file `.<name>.inprogress.<uuid>` in the target's
 *    directory (hdfs-part-writer.ts); closeForCommit() returns {target, temp, bytes} once
 *    the data is in HDFS.
 * 2. commit(): GETFILESTATUS(temp) must show exactly `bytes` (an interrupted CREATE leaves a
 *    closed file with partial data: refuse it), then RENAME temp → target and check the
 *    answer's boolean (HDFS says `{"boolean": false}` with HTTP 200 when nothing moved).
 * 3. commitAfterRecovery(): as commit(), except that a missing temp plus a target of exactly
 *    `bytes` means it was committed before the crash: success.
 */
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import type { HdfsStorage as HdfsStorageSpec } from '../../api/types.ts';
import type { Entry, FileVersion, PartWriter, PendingFile, StagedFile, Storage, StorageCapabilities } from '../types.ts';
import { StorageError } from '../errors.ts';
import { HdfsPartWriter } from './hdfs-part-writer.ts';
import type { HdfsPendingFile } from './hdfs-part-writer.ts';
import { compileNamenodes, hdfsUri, normalizeHdfsPath, resolveHdfsUri } from './hdfs-uri.ts';
import type { HdfsLocation } from './hdfs-uri.ts';
import { WebHdfsClient } from './webhdfs-client.ts';
import type { FileStatus } from './webhdfs-client.ts';
import { WebHdfsError, isRemoteException } from './webhdfs-error.ts';
import type { RetryOptions } from '../../retry.ts';

export interface HdfsStorageOptions {
  /** `spec.storage.hdfs.namenodes`: hdfs:// authority (RPC) → WebHDFS HTTP address. @default {} */
  namenodes?: Record<string, string>;
  /** Simple-auth user. Ignored when `delegation` is set. @default 'sluice' */
  user?: string;
  /** Delegation token (from the Secret `spec.storage.hdfs.delegationTokenSecret`). Never logged. */
  delegation?: string;
  /** Backoff of retried WebHDFS calls. @default 6 retries, 100 ms doubling to 5 s, full jitter */
  retry?: RetryOptions;
  /** @default 60000 ms */
  requestTimeoutMs?: number;
  /**
   * Bytes an open part file holds in memory before it writes them (one CREATE, then APPENDs
   * of this size). Larger is faster (APPEND has a fixed cost of hundreds of ms) and costs
   * this much memory per open part file. @default 16 MiB
   */
  writeBufferBytes?: number;
}

/** Options from the IngestJob spec; the token is read from its Secret by the runner. */
export function hdfsStorageOptionsFromSpec(spec: HdfsStorageSpec = {}, delegation?: string): HdfsStorageOptions {
  return { namenodes: spec.namenodes, user: spec.user, delegation };
}

const INPROGRESS = '.inprogress.';

function asPending(p: PendingFile): HdfsPendingFile {
  if (typeof p.target !== 'string' || typeof p.temp !== 'string' || !Number.isInteger(p.bytes) || p.bytes < 0) {
    throw new StorageError(`not an HDFS pending file (needs target, temp, bytes): ${JSON.stringify({ target: p.target, temp: p.temp, bytes: p.bytes })}`);
  }
  return p as HdfsPendingFile;
}

export class HdfsStorage implements Storage {
  readonly capabilities: StorageCapabilities = { atomicRename: true, hiddenTempFiles: true, concurrency: 16 };
  private readonly namenodes: Map<string, string>;
  private readonly options: HdfsStorageOptions;
  private readonly clients = new Map<string, WebHdfsClient>();
  private readonly bufferBytes: number;

  constructor(options: HdfsStorageOptions = {}) {
    this.options = options;
    this.namenodes = compileNamenodes(options.namenodes);
    this.bufferBytes = options.writeBufferBytes ?? 16 << 20;
    if (!Number.isInteger(this.bufferBytes) || this.bufferBytes <= 0) {
      throw new StorageError(`HdfsStorageOptions.writeBufferBytes must be a positive integer, got ${options.writeBufferBytes}`);
    }
  }

  /** The WebHDFS client and HDFS path for a URI (one client per NameNode). */
  locate(uri: string): { client: WebHdfsClient; loc: HdfsLocation } {
    const loc = resolveHdfsUri(uri, this.namenodes);
    let client = this.clients.get(loc.httpBase);
    if (client === undefined) {
      client = new WebHdfsClient({
        baseUrl: loc.httpBase,
        user: this.options.user,
        delegation: this.options.delegation,
        retry: this.options.retry,
        requestTimeoutMs: this.options.requestTimeoutMs,
      });
      this.clients.set(loc.httpBase, client);
    }
    return { client, loc };
  }

  async open(target: string): Promise<PartWriter> {
    const { client, loc } = this.locate(target);
    if (loc.path === '/') throw new StorageError(`part file target is the root directory: ${target}`);
    const tempPath = posix.join(posix.dirname(loc.path), `.${posix.basename(loc.path)}${INPROGRESS}${randomUUID()}`);
    return new HdfsPartWriter(client, target, hdfsUri(loc.root, tempPath), tempPath, this.bufferBytes);
  }

  commit(pending: PendingFile): Promise<void> {
    return this.publish(asPending(pending), false);
  }

  commitAfterRecovery(pending: PendingFile): Promise<void> {
    return this.publish(asPending(pending), true);
  }

  /** The target holds exactly the pending bytes and the temp is gone: published already. */
  private async isPublished(client: WebHdfsClient, tempPath: string, targetPath: string, bytes: number): Promise<boolean> {
    if ((await client.statOrNull(tempPath)) !== null) return false;
    const st = await client.statOrNull(targetPath);
    return st !== null && st.type === 'FILE' && st.length === bytes;
  }

  private async publish(p: HdfsPendingFile, afterRecovery: boolean): Promise<void> {
    const { client, loc: target } = this.locate(p.target);
    const { loc: temp } = this.locate(p.temp);
    if (temp.httpBase !== target.httpBase) throw new StorageError(`pending file ${p.temp} and its target ${p.target} are on different NameNodes`);
    const st = await client.statOrNull(temp.path);
    if (st === null) {
      if (afterRecovery && (await this.isPublished(client, temp.path, target.path, p.bytes))) return;
      throw new StorageError(
        afterRecovery
          ? `cannot recover ${p.target}: neither its pending file ${p.temp} nor a committed file of ${p.bytes} bytes exists`
          : `pending file ${p.temp} for ${p.target} is missing`,
      );
    }
    if (st.type !== 'FILE' || st.length !== p.bytes) {
      throw new StorageError(
        `pending file ${p.temp} has ${st.length} bytes, checkpoint recorded ${p.bytes} for ${p.target}: an interrupted write left it partial; not committing it`,
      );
    }
    let renamed: boolean;
    try {
      renamed = await client.rename(temp.path, target.path);
    } catch (e) {
      // The answer was lost: the namespace says whether the rename happened.
      if (!(e instanceof WebHdfsError && e.retriable) || !(await this.isPublished(client, temp.path, target.path, p.bytes))) throw e;
      return;
    }
    if (renamed) return;
    // false: nothing moved. A concurrent committer of the same record may have won the race.
    if (await this.isPublished(client, temp.path, target.path, p.bytes)) return;
    const existing = await client.statOrNull(target.path);
    throw new StorageError(
      `RENAME ${p.temp} → ${p.target} was refused by HDFS (answer false)` +
        (existing !== null ? `: the target already exists with ${existing.length} bytes` : ''),
    );
  }

  async abortPending(pending: PendingFile): Promise<void> {
    const p = asPending(pending);
    const { client, loc } = this.locate(p.temp);
    await client.delete(loc.path); // false = already gone: fine
  }

  async listUncommitted(root: string, namePrefix: string): Promise<PendingFile[]> {
    const { client, loc } = this.locate(root);
    const out: HdfsPendingFile[] = [];
    const walk = async (dir: string): Promise<void> => {
      for await (const page of this.listPages(client, dir)) {
        for (const s of page) {
          const full = posix.join(dir, s.pathSuffix);
          if (s.type === 'DIRECTORY') {
            // Hidden and `_` directories (`_sluice/` state) hold no part files.
            if (!s.pathSuffix.startsWith('_') && !s.pathSuffix.startsWith('.')) await walk(full);
          } else if (s.pathSuffix.startsWith(`.${namePrefix}`) && s.pathSuffix.includes(INPROGRESS)) {
            const name = s.pathSuffix.slice(1, s.pathSuffix.lastIndexOf(INPROGRESS));
            out.push({ target: hdfsUri(loc.root, posix.join(dir, name)), temp: hdfsUri(loc.root, full), bytes: s.length });
          }
        }
      }
    };
    await walk(loc.path);
    return out;
  }

  /**
   * Write `data` to a hidden temp file, then RENAME it to `path`: RENAME refuses an existing
   * target, so exactly one concurrent caller wins, and, unlike CREATE overwrite=false on the
   * final name, no reader can ever see a half-written record (a crash mid-CREATE would leave
   * one there for good).
   */
  async createIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const { client, loc } = this.locate(path);
    const tempPath = posix.join(posix.dirname(loc.path), `.${posix.basename(loc.path)}${INPROGRESS}${randomUUID()}`);
    if ((await client.statOrNull(loc.path)) !== null) return false;
    await client.create(tempPath, data, { overwrite: true });
    try {
      if (await client.rename(tempPath, loc.path)) return true;
      if ((await client.statOrNull(loc.path)) !== null) return false;
      throw new StorageError(`createIfAbsent ${path}: RENAME from its temp file was refused and the target does not exist`, { retriable: true });
    } catch (e) {
      // Lost answer: if our temp is gone, our rename happened.
      if (e instanceof WebHdfsError && e.retriable && (await client.statOrNull(tempPath)) === null) return true;
      throw e;
    } finally {
      await client.delete(tempPath).catch(() => false);
    }
  }

  /**
   * CREATE a hidden temp file beside `path` now (the wait for completeFile happens here); then
   * createIfAbsent is one RENAME (refused if the target exists) and put one RENAME with
   * OVERWRITE. Both are NameNode calls only.
   */
  async stage(path: string, data: Uint8Array): Promise<StagedFile> {
    const { client, loc } = this.locate(path);
    const tempPath = posix.join(posix.dirname(loc.path), `.${posix.basename(loc.path)}${INPROGRESS}${randomUUID()}`);
    await client.create(tempPath, data, { overwrite: true });
    const discard = async (): Promise<void> => {
      await client.delete(tempPath).catch(() => false);
    };
    /** After a RENAME whose answer was lost: our temp is gone only if it moved. */
    const moved = async (e: unknown): Promise<void> => {
      if (!(e instanceof WebHdfsError && e.retriable) || (await client.statOrNull(tempPath)) !== null) throw e;
    };
    return {
      createIfAbsent: async () => {
        try {
          if (await client.rename(tempPath, loc.path)) return true;
        } catch (e) {
          await moved(e);
          return true;
        }
        await discard();
        if ((await client.statOrNull(loc.path)) !== null) return false;
        throw new StorageError(`createIfAbsent ${path}: RENAME from its staged temp file was refused and the target does not exist (was the temp file removed?)`, { retriable: true });
      },
      put: async () => {
        try {
          await client.renameOverwrite(tempPath, loc.path);
        } catch (e) {
          await moved(e);
        }
      },
      discard,
    };
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const { client, loc } = this.locate(path);
    await client.create(loc.path, data, { overwrite: true });
  }

  async list(dir: string): Promise<Entry[]> {
    const { client, loc } = this.locate(dir);
    const out: Entry[] = [];
    for await (const page of this.listPages(client, loc.path)) {
      for (const s of page) {
        if (s.pathSuffix === '') return []; // `dir` is a file
        out.push({ name: s.pathSuffix, path: hdfsUri(loc.root, posix.join(loc.path, s.pathSuffix)), isDirectory: s.type === 'DIRECTORY', size: s.length, modifiedMs: s.modificationTime });
      }
    }
    return out;
  }

  private async *listPages(client: WebHdfsClient, dir: string): AsyncGenerator<FileStatus[]> {
    try {
      yield* client.listStatusBatches(dir);
    } catch (e) {
      if (isRemoteException(e, 'FileNotFoundException')) return;
      throw e;
    }
  }

  async read(path: string): Promise<Uint8Array | null> {
    const { client, loc } = this.locate(path);
    try {
      return await client.readAll(loc.path);
    } catch (e) {
      if (isRemoteException(e, 'FileNotFoundException')) return null;
      throw e;
    }
  }

  async *readStream(path: string, offset = 0): AsyncIterable<Uint8Array> {
    const { client, loc } = this.locate(path);
    yield* client.open(loc.path, { offset });
  }

  async stat(path: string): Promise<(FileVersion & { isDirectory: boolean }) | null> {
    const { client, loc } = this.locate(path);
    const st = await client.statOrNull(loc.path);
    return st === null ? null : { size: st.length, modifiedMs: st.modificationTime, isDirectory: st.type === 'DIRECTORY' };
  }

  async delete(path: string): Promise<void> {
    const { client, loc } = this.locate(path);
    await client.delete(loc.path); // false = it was not there: fine
  }

  join(dir: string, ...names: string[]): string {
    const m = /^([a-z]+:\/\/[^/?#]+)([^?#]*)$/i.exec(dir);
    if (m === null) throw new StorageError(`not an HDFS URI: ${dir}`);
    return hdfsUri(m[1], normalizeHdfsPath(posix.join(m[2] === '' ? '/' : m[2], ...names)));
  }

  async close(): Promise<void> {
    this.clients.clear();
  }
}
