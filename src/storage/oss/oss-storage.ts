/**
 * The OSS backend of the recoverable-writer Storage interface, for `oss://bucket/key`.
 *
 * Lifecycle of a part file (docs/exactly-once.md, "OSS"):
 *   1. open → OssPartWriter: InitiateMultipartUpload (x-oss-meta-sluice-token), full parts as data comes.
 *   2. closeForCommit → tail uploaded as the last part; PendingFile {target, uploadId, parts, bytes, token}.
 *   3. commit → CompleteMultipartUpload with x-oss-forbid-overwrite: true.
 *   4. commitAfterRecovery → same; NoSuchUpload or FileAlreadyExists means "maybe done
 *      already": HEAD the target, and accept only if size and token match.
 *   5. abortPending → AbortMultipartUpload (NoSuchUpload is fine); listUncommitted finds
 *      orphans with ListMultipartUploads.
 * Every request is retried (5xx, resets, timeouts) by OssCaller.
 */
import { randomBytes } from 'node:crypto';
import type OSS from 'ali-oss';
import type { Entry, FileVersion, PartWriter, PendingFile, Storage, StorageCapabilities } from '../types.ts';
import { OssCaller } from './oss-caller.ts';
import type { OssClientSettings } from './oss-client.ts';
import type { OssKeys } from './credentials.ts';
import { OssStorageError, ossCodeOf } from './oss-errors.ts';
import { baseName, formatOssUri, parseOssUri, refuseOssHdfsEndpoint } from './oss-location.ts';
import type { OssLocation } from './oss-location.ts';
import { OssPartWriter, TOKEN_META } from './oss-part-writer.ts';
import type { OssPendingFile } from './oss-part-writer.ts';
import type { RetryPolicy } from './retry.ts';

/** OSS rejects non-last parts below this. */
export const MIN_PART_SIZE = 100 * 1024;

export interface OssStorageOptions extends OssClientSettings {
  keys: OssKeys;
  /** Multipart part size in bytes (≥ 100 KB). @default 8 MiB */
  partSize?: number;
  /** Bytes per ranged GET in readStream (memory bound). @default 8 MiB */
  readChunkSize?: number;
  retry?: RetryPolicy;
}

const FORBID = { 'x-oss-forbid-overwrite': 'true' };

function asOssPending(p: PendingFile): OssPendingFile {
  const x = p as Partial<OssPendingFile>;
  if (typeof x.uploadId !== 'string' || !Array.isArray(x.parts) || typeof x.token !== 'string') {
    throw new OssStorageError(`${p.target}: pending file record lacks uploadId/parts/token; it was not written by the OSS backend`, { code: 'InvalidPendingFile' });
  }
  return x as OssPendingFile;
}

export class OssStorage implements Storage {
  readonly capabilities: StorageCapabilities = { atomicRename: false, hiddenTempFiles: false, concurrency: 32 };
  private readonly caller: OssCaller;
  private readonly partSize: number;
  private readonly readChunkSize: number;

  constructor(opts: OssStorageOptions) {
    const partSize = opts.partSize ?? 8 * 1024 * 1024;
    if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new OssStorageError(`sink.uploadPartSize must be at least 100KB (OSS rejects smaller non-last parts); got ${partSize} bytes`, { code: 'InvalidPartSize' });
    }
    refuseOssHdfsEndpoint(opts.endpoint, 'storage.oss.endpoint');
    this.partSize = partSize;
    this.readChunkSize = opts.readChunkSize ?? 8 * 1024 * 1024;
    this.caller = new OssCaller(opts, opts.keys, opts.retry);
  }

  async open(target: string): Promise<PartWriter> {
    const loc = parseOssUri(target);
    if (loc.key === '') throw new OssStorageError(`${target}: a part file needs an object key, not a bucket root`, { code: 'InvalidUri' });
    return new OssPartWriter(this.caller, loc, formatOssUri(loc), this.partSize);
  }

  async commit(pending: PendingFile): Promise<void> {
    return this.complete(asOssPending(pending));
  }

  async commitAfterRecovery(pending: PendingFile): Promise<void> {
    return this.complete(asOssPending(pending));
  }

  /**
   * Complete with forbid-overwrite. A retried Complete whose first attempt landed answers
   * NoSuchUpload; a Complete after another process published answers FileAlreadyExists.
   * Either way the target is checked: same size and same token means this file is there.
   */
  private async complete(p: OssPendingFile): Promise<void> {
    const loc = parseOssUri(p.target);
    try {
      await this.caller.call('CompleteMultipartUpload', loc.bucket, p.target, (c) =>
        c.completeMultipartUpload(loc.key, p.uploadId, p.parts, { headers: FORBID } as OSS.CompleteMultipartUploadOptions));
    } catch (err) {
      const code = ossCodeOf(err);
      if (code !== 'NoSuchUpload' && code !== 'FileAlreadyExists') throw err;
      const found = await this.headObject(loc, p.target);
      if (found && found.size === p.bytes && found.token === p.token) return;
      const what = found ? `an object of ${found.size} bytes with token ${found.token ?? '(none)'}` : 'no object';
      throw new OssStorageError(
        `${p.target}: cannot commit upload ${p.uploadId}: OSS answered ${code}, and the target holds ${what}, ` +
          `not this file (${p.bytes} bytes, token ${p.token}). The upload was aborted or another writer published this name.`,
        { code: 'CommitVerificationFailed' },
      );
    }
  }

  private async headObject(loc: OssLocation, uri: string): Promise<{ size: number; token: string | undefined; version: Omit<FileVersion, 'size'> } | null> {
    try {
      const res = await this.caller.call('HeadObject', loc.bucket, uri, (c) => c.head(loc.key));
      const headers = res.res.headers as Record<string, string>;
      return { size: Number(headers['content-length']), token: (res.meta as Record<string, string> | null)?.[TOKEN_META], version: objectVersion(headers['etag'], headers['last-modified']) };
    } catch (err) {
      if (ossCodeOf(err) === 'NoSuchKey') return null;
      throw err;
    }
  }

  async abortPending(pending: PendingFile): Promise<void> {
    const p = pending as Partial<OssPendingFile>;
    if (typeof p.uploadId !== 'string') return;
    const uploadId = p.uploadId;
    const loc = parseOssUri(pending.target);
    try {
      await this.caller.call('AbortMultipartUpload', loc.bucket, pending.target, (c) => c.abortMultipartUpload(loc.key, uploadId));
    } catch (err) {
      if (ossCodeOf(err) !== 'NoSuchUpload') throw err;
    }
  }

  async listUncommitted(root: string, namePrefix: string): Promise<PendingFile[]> {
    const loc = parseOssUri(root);
    const prefix = loc.key === '' ? '' : `${loc.key}/`;
    const out: OssPendingFile[] = [];
    let keyMarker = '';
    let uploadIdMarker = '';
    for (;;) {
      const res = await this.caller.call('ListMultipartUploads', loc.bucket, root, (c) =>
        c.listUploads({ prefix, 'max-uploads': 1000, 'key-marker': keyMarker, 'upload-id-marker': uploadIdMarker } as OSS.ListUploadsQuery));
      for (const u of res.uploads) {
        if (baseName(u.name).startsWith(namePrefix)) out.push({ target: formatOssUri({ bucket: loc.bucket, key: u.name }), bytes: 0, uploadId: u.uploadId, parts: [], token: '' });
      }
      if (!res.isTruncated) return out;
      keyMarker = res.nextKeyMarker;
      uploadIdMarker = res.nextUploadIdMarker;
    }
  }

  /**
   * PutObject with forbid-overwrite. The object carries a fresh token so that a retry which
   * meets FileAlreadyExists can tell "my lost first attempt landed" (true) from "someone
   * else claimed it" (false).
   */
  async createIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const loc = parseOssUri(path);
    const token = randomBytes(16).toString('hex');
    const body = Buffer.from(data);
    let retried = false;
    try {
      await this.caller.call('PutObject', loc.bucket, path, (c, attempt) => {
        retried = attempt > 1;
        return c.put(loc.key, body, { headers: FORBID, meta: { [TOKEN_META]: token } as unknown as OSS.UserMeta });
      });
      return true;
    } catch (err) {
      if (ossCodeOf(err) !== 'FileAlreadyExists') throw err;
      if (!retried) return false;
      const found = await this.headObject(loc, path);
      return found?.token === token;
    }
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const loc = parseOssUri(path);
    const body = Buffer.from(data);
    await this.caller.call('PutObject', loc.bucket, path, (c) => c.put(loc.key, body));
  }

  async list(dir: string): Promise<Entry[]> {
    const loc = parseOssUri(dir);
    const prefix = loc.key === '' ? '' : `${loc.key}/`;
    const out: Entry[] = [];
    let token: string | undefined;
    for (;;) {
      const query: OSS.ListV2ObjectsQuery = { delimiter: '/', 'max-keys': '1000', ...(prefix ? { prefix } : {}), ...(token ? { 'continuation-token': token } : {}) };
      const res = await this.caller.call('ListObjectsV2', loc.bucket, dir, (c) => c.listV2(query));
      for (const p of res.prefixes ?? []) {
        const name = p.slice(prefix.length).replace(/\/$/, '');
        out.push({ name, path: formatOssUri({ bucket: loc.bucket, key: p.replace(/\/$/, '') }), isDirectory: true, size: 0 });
      }
      for (const o of res.objects ?? []) {
        if (o.name === prefix) continue; // a "directory marker" object
        out.push({ name: o.name.slice(prefix.length), path: formatOssUri({ bucket: loc.bucket, key: o.name }), isDirectory: false, size: o.size, ...objectVersion(o.etag, o.lastModified) });
      }
      if (!res.isTruncated || !res.nextContinuationToken) break;
      token = res.nextContinuationToken;
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(path: string): Promise<Uint8Array | null> {
    const loc = parseOssUri(path);
    try {
      const res = await this.caller.call('GetObject', loc.bucket, path, (c) => c.get(loc.key));
      return new Uint8Array(res.content as Buffer);
    } catch (err) {
      if (ossCodeOf(err) === 'NoSuchKey') return null;
      throw err;
    }
  }

  /** Ranged GETs of readChunkSize each; a failed range is retried whole, so memory stays one chunk. */
  async *readStream(path: string, offset = 0): AsyncIterable<Uint8Array> {
    const loc = parseOssUri(path);
    const head = await this.headObject(loc, path);
    if (!head) throw new OssStorageError(`${path}: no such object (NoSuchKey)`, { code: 'NoSuchKey', status: 404 });
    for (let pos = offset; pos < head.size; pos += this.readChunkSize) {
      const end = Math.min(head.size, pos + this.readChunkSize) - 1;
      const chunk = await this.caller.call('GetObject', loc.bucket, `${path} bytes ${pos}-${end}`, async (c) => {
        const res = await c.get(loc.key, { headers: { Range: `bytes=${pos}-${end}`, 'x-oss-range-behavior': 'standard' } } as OSS.GetObjectOptions);
        const buf = res.content as Buffer;
        // A reset mid-body can surface as a short body; treat it as retriable.
        if (buf.length !== end - pos + 1) throw new OssStorageError(`${path}: short read at ${pos}: ${buf.length} of ${end - pos + 1} bytes`, { retriable: true });
        return buf;
      });
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    }
  }

  async stat(path: string): Promise<(FileVersion & { isDirectory: boolean }) | null> {
    const loc = parseOssUri(path);
    if (loc.key !== '') {
      const head = await this.headObject(loc, path);
      if (head) return { size: head.size, ...head.version, isDirectory: false };
    }
    const prefix = loc.key === '' ? '' : `${loc.key}/`;
    const res = await this.caller.call('ListObjectsV2', loc.bucket, path, (c) => c.listV2({ 'max-keys': '1', ...(prefix ? { prefix } : {}) }));
    return (res.objects?.length ?? 0) > 0 ? { size: 0, isDirectory: true } : null;
  }

  async delete(path: string): Promise<void> {
    const loc = parseOssUri(path);
    await this.caller.call('DeleteObject', loc.bucket, path, (c) => c.delete(loc.key));
  }

  join(dir: string, ...names: string[]): string {
    return [dir.replace(/\/+$/, ''), ...names.map((n) => n.replace(/^\/+|\/+$/g, ''))].filter((s) => s !== '').join('/');
  }

  async close(): Promise<void> {
    // ali-oss uses a shared keep-alive agent; nothing per-storage to release.
  }
}

/** An object's ETag and Last-Modified as a FileVersion (either may be absent). */
function objectVersion(etag: string | undefined, lastModified: string | undefined): Omit<FileVersion, 'size'> {
  const ms = lastModified === undefined ? NaN : Date.parse(lastModified);
  return { ...(etag ? { etag: etag.replace(/"/g, '') } : {}), ...(Number.isFinite(ms) ? { modifiedMs: ms } : {}) };
}
