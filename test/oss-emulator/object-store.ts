/**
 * The emulator's durable state: buckets, objects and multipart uploads on local disk, so a
 * restarted emulator (same data dir) sees everything a previous one stored, as OSS would.
 *
 * Layout under the data dir:
 *   <bucket>/bucket.json                      creation time
 *   <bucket>/objects/<sha256(key)>.json       ObjectMeta (the commit point of a write)
 *   <bucket>/objects/<sha256(key)>.<id>       the object's bytes (one file per version)
 *   <bucket>/uploads/<uploadId>/upload.json   UploadMeta (key, metadata, initiation time)
 *   <bucket>/uploads/<uploadId>/<n>.json|.bin a part's meta and bytes
 *   <bucket>/tmp/                             request bodies being received
 *
 * An object becomes visible only when its meta file is renamed into place, so a multipart
 * Complete (or a PUT) is atomic: readers see the old object or the new one, never parts.
 * Mutations of one bucket run one at a time (`serial`), which makes forbid-overwrite checks
 * and Complete race-free within the process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OssError } from './oss-error.ts';

/** OSS rejects a Complete whose non-last parts are smaller than this. */
export const MIN_PART_SIZE = 100 * 1024;
export const MAX_PART_NUMBER = 10000;

export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted, upper-case hex, as OSS returns it (`"5B3C…"`, or `"…-3"` for multipart objects). */
  etag: string;
  lastModified: string;
  contentType: string;
  /** x-oss-meta-* headers, names lower-cased without the prefix. */
  userMeta: Record<string, string>;
  type: 'Normal' | 'Multipart';
  /** Name of the data file in objects/. */
  file: string;
}

export interface PartMeta {
  number: number;
  etag: string;
  size: number;
  lastModified: string;
  md5: string;
}

export interface UploadMeta {
  uploadId: string;
  key: string;
  initiated: string;
  contentType: string;
  userMeta: Record<string, string>;
  parts: Map<number, PartMeta>;
}

interface Bucket {
  name: string;
  created: string;
  objects: Map<string, ObjectMeta>;
  uploads: Map<string, UploadMeta>;
  lock: Promise<unknown>;
}

/** A request body stored in the bucket's tmp dir. */
export interface ReceivedBody {
  path: string;
  size: number;
  md5: Buffer;
}

const keyFile = (key: string): string => createHash('sha256').update(key).digest('hex');
const quotedHex = (b: Buffer): string => `"${b.toString('hex').toUpperCase()}"`;

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

async function readJsonDir<T>(dir: string, filter: (name: string) => boolean): Promise<T[]> {
  if (!existsSync(dir)) return [];
  const out: T[] = [];
  for (const name of await readdir(dir)) {
    if (!filter(name)) continue;
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as T);
    } catch {
      // A half-written temp file from a crash: not committed, ignore it.
    }
  }
  return out;
}

export class ObjectStore {
  readonly dir: string;
  private readonly buckets = new Map<string, Bucket>();
  private uploadSeq = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Open (and load) the store in `dir`, creating it if needed. */
  static async open(dir: string): Promise<ObjectStore> {
    await mkdir(dir, { recursive: true });
    const store = new ObjectStore(dir);
    for (const name of await readdir(dir)) {
      if (existsSync(join(dir, name, 'bucket.json'))) await store.loadBucket(name);
    }
    return store;
  }

  private async loadBucket(name: string): Promise<void> {
    const root = join(this.dir, name);
    const info = JSON.parse(await readFile(join(root, 'bucket.json'), 'utf8')) as { created: string };
    const b: Bucket = { name, created: info.created, objects: new Map(), uploads: new Map(), lock: Promise.resolve() };
    for (const m of await readJsonDir<ObjectMeta>(join(root, 'objects'), (n) => n.endsWith('.json'))) b.objects.set(m.key, m);
    const upDir = join(root, 'uploads');
    if (existsSync(upDir)) {
      for (const id of await readdir(upDir)) {
        const [u] = await readJsonDir<Omit<UploadMeta, 'parts'>>(join(upDir, id), (n) => n === 'upload.json');
        if (!u) continue;
        const parts = await readJsonDir<PartMeta>(join(upDir, id), (n) => /^\d+\.json$/.test(n));
        b.uploads.set(id, { ...u, parts: new Map(parts.map((p) => [p.number, p])) });
      }
    }
    await rm(join(root, 'tmp'), { recursive: true, force: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    this.buckets.set(name, b);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()].sort();
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  bucketCreated(name: string): string {
    return this.bucket(name).created;
  }

  async createBucket(name: string): Promise<void> {
    if (this.buckets.has(name)) return;
    const root = join(this.dir, name);
    await mkdir(join(root, 'objects'), { recursive: true });
    await mkdir(join(root, 'uploads'), { recursive: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    const created = new Date().toISOString();
    await writeJsonAtomic(join(root, 'bucket.json'), { created });
    this.buckets.set(name, { name, created, objects: new Map(), uploads: new Map(), lock: Promise.resolve() });
  }

  private bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new OssError('NoSuchBucket', undefined, { BucketName: name });
    return b;
  }

  /** Run `fn` after every earlier mutation of the bucket has finished. */
  private serial<T>(b: Bucket, fn: () => Promise<T>): Promise<T> {
    const run = b.lock.then(fn, fn);
    b.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Stream a request body into the bucket's tmp dir, hashing it on the way. `corrupt` flips the
   * lowest bit of its first byte first (the `corrupt` fault), before the hash and the file see it.
   */
  async receive(bucket: string, body: Readable, corrupt = false): Promise<ReceivedBody> {
    this.bucket(bucket);
    const path = join(this.dir, bucket, 'tmp', randomBytes(12).toString('hex'));
    const md5 = createHash('md5');
    let size = 0;
    body.on('data', (c: Buffer) => {
      if (corrupt && size === 0 && c.length > 0) c[0]! ^= 1; // this listener runs before the file's
      md5.update(c);
      size += c.length;
    });
    try {
      await pipeline(body, createWriteStream(path));
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return { path, size, md5: md5.digest() };
  }

  async discard(body: ReceivedBody): Promise<void> {
    await rm(body.path, { force: true });
  }

  getObject(bucket: string, key: string): ObjectMeta | undefined {
    return this.bucket(bucket).objects.get(key);
  }

  objectPath(bucket: string, meta: ObjectMeta): string {
    return join(this.dir, bucket, 'objects', meta.file);
  }

  /** Objects of a bucket whose key starts with `prefix`, sorted by key. */
  listObjects(bucket: string, prefix: string): ObjectMeta[] {
    return [...this.bucket(bucket).objects.values()].filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  private async commitObject(b: Bucket, meta: Omit<ObjectMeta, 'file' | 'lastModified'>, dataPath: string, forbidOverwrite: boolean): Promise<ObjectMeta> {
    if (forbidOverwrite && b.objects.has(meta.key)) {
      throw new OssError('FileAlreadyExists', undefined, { Key: meta.key });
    }
    const base = keyFile(meta.key);
    const file = `${base}.${randomBytes(6).toString('hex')}`;
    const dir = join(this.dir, b.name, 'objects');
    await rename(dataPath, join(dir, file));
    const full: ObjectMeta = { ...meta, file, lastModified: new Date().toISOString() };
    await writeJsonAtomic(join(dir, `${base}.json`), full);
    const old = b.objects.get(meta.key);
    b.objects.set(meta.key, full);
    if (old) await rm(join(dir, old.file), { force: true });
    return full;
  }

  putObject(bucket: string, key: string, body: ReceivedBody, opts: { contentType: string; userMeta: Record<string, string>; forbidOverwrite: boolean }): Promise<ObjectMeta> {
    const b = this.bucket(bucket);
    return this.serial(b, async () => {
      try {
        return await this.commitObject(b, { key, size: body.size, etag: quotedHex(body.md5), contentType: opts.contentType, userMeta: opts.userMeta, type: 'Normal' }, body.path, opts.forbidOverwrite);
      } finally {
        await rm(body.path, { force: true });
      }
    });
  }

  deleteObject(bucket: string, key: string): Promise<boolean> {
    const b = this.bucket(bucket);
    return this.serial(b, async () => {
      const old = b.objects.get(key);
      if (!old) return false;
      const dir = join(this.dir, bucket, 'objects');
      await rm(join(dir, `${keyFile(key)}.json`), { force: true });
      b.objects.delete(key);
      await rm(join(dir, old.file), { force: true });
      return true;
    });
  }

  async copyObject(srcBucket: string, srcKey: string, bucket: string, key: string, opts: { forbidOverwrite: boolean; replaceMeta?: { contentType: string; userMeta: Record<string, string> } }): Promise<ObjectMeta> {
    const src = this.getObject(srcBucket, srcKey);
    if (!src) throw new OssError('NoSuchKey', undefined, { Key: srcKey });
    const received = await this.receive(bucket, createReadStream(this.objectPath(srcBucket, src)));
    const b = this.bucket(bucket);
    return this.serial(b, async () => {
      try {
        const meta = opts.replaceMeta ?? { contentType: src.contentType, userMeta: src.userMeta };
        return await this.commitObject(b, { key, size: received.size, etag: src.etag, type: src.type, ...meta }, received.path, opts.forbidOverwrite);
      } finally {
        await rm(received.path, { force: true });
      }
    });
  }

  // ---- multipart uploads ----

  private uploadDir(bucket: string, uploadId: string): string {
    return join(this.dir, bucket, 'uploads', uploadId);
  }

  async initiateUpload(bucket: string, key: string, opts: { contentType: string; userMeta: Record<string, string> }): Promise<UploadMeta> {
    const b = this.bucket(bucket);
    // Time-ordered ids, so uploads of one key list in initiation order (as OSS lists them).
    const uploadId = (Date.now().toString(16).padStart(12, '0') + (this.uploadSeq++ % 0x10000).toString(16).padStart(4, '0') + randomBytes(8).toString('hex')).toUpperCase();
    const u: UploadMeta = { uploadId, key, initiated: new Date().toISOString(), contentType: opts.contentType, userMeta: opts.userMeta, parts: new Map() };
    await mkdir(this.uploadDir(bucket, uploadId), { recursive: true });
    const { parts: _parts, ...persisted } = u;
    await writeJsonAtomic(join(this.uploadDir(bucket, uploadId), 'upload.json'), persisted);
    b.uploads.set(uploadId, u);
    return u;
  }

  /** The upload, or NoSuchUpload (also when it exists for another key, as OSS answers). */
  getUpload(bucket: string, key: string, uploadId: string): UploadMeta {
    const u = this.bucket(bucket).uploads.get(uploadId);
    if (!u || u.key !== key) throw new OssError('NoSuchUpload', undefined, { UploadId: uploadId });
    return u;
  }

  listUploads(bucket: string): UploadMeta[] {
    return [...this.bucket(bucket).uploads.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.uploadId < b.uploadId ? -1 : 1));
  }

  uploadCount(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.uploads.size;
    return n;
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: ReceivedBody): Promise<PartMeta> {
    const b = this.bucket(bucket);
    return this.serial(b, async () => {
      try {
        const u = this.getUpload(bucket, key, uploadId);
        const dir = this.uploadDir(bucket, uploadId);
        const part: PartMeta = { number: partNumber, etag: quotedHex(body.md5), size: body.size, lastModified: new Date().toISOString(), md5: body.md5.toString('hex') };
        await rename(body.path, join(dir, `${partNumber}.bin`));
        await writeJsonAtomic(join(dir, `${partNumber}.json`), part);
        u.parts.set(partNumber, part);
        return part;
      } finally {
        await rm(body.path, { force: true });
      }
    });
  }

  /**
   * Complete an upload: check the part list (ascending, every part uploaded with that ETag,
   * non-last parts ≥ 100 KB), concatenate the parts, publish the object atomically, and
   * forget the upload (a later Complete or UploadPart answers NoSuchUpload).
   */
  completeUpload(bucket: string, key: string, uploadId: string, parts: { number: number; etag: string }[], forbidOverwrite: boolean): Promise<ObjectMeta> {
    const b = this.bucket(bucket);
    return this.serial(b, async () => {
      const u = this.getUpload(bucket, key, uploadId);
      if (parts.length === 0) throw new OssError('MalformedXML', 'The XML you provided did not contain any Part.');
      const norm = (e: string): string => e.replace(/"/g, '').toUpperCase();
      const chosen: PartMeta[] = [];
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        if (i > 0 && p.number <= parts[i - 1]!.number) throw new OssError('InvalidPartOrder', undefined, { PartNumber: String(p.number) });
        const stored = u.parts.get(p.number);
        if (!stored || norm(stored.etag) !== norm(p.etag)) throw new OssError('InvalidPart', undefined, { PartNumber: String(p.number), ETag: p.etag, UploadId: uploadId });
        chosen.push(stored);
      }
      for (let i = 0; i < chosen.length - 1; i++) {
        const p = chosen[i]!;
        if (p.size < MIN_PART_SIZE) {
          throw new OssError('EntityTooSmall', undefined, { PartNumber: String(p.number), ProposedSize: String(p.size), MinSizeAllowed: String(MIN_PART_SIZE) });
        }
      }
      if (forbidOverwrite && b.objects.has(key)) throw new OssError('FileAlreadyExists', undefined, { Key: key });
      const dir = this.uploadDir(bucket, uploadId);
      const tmp = join(this.dir, bucket, 'tmp', randomBytes(12).toString('hex'));
      const out = await open(tmp, 'w');
      try {
        // One part at a time through a fixed handle: memory stays one read buffer.
        for (const p of chosen) {
          for await (const chunk of createReadStream(join(dir, `${p.number}.bin`))) await out.write(chunk as Buffer);
        }
      } finally {
        await out.close();
      }
      try {
        const md5 = createHash('md5');
        for (const p of chosen) md5.update(Buffer.from(p.md5, 'hex'));
        const etag = `"${md5.digest('hex').toUpperCase()}-${chosen.length}"`;
        const size = chosen.reduce((s, p) => s + p.size, 0);
        const meta = await this.commitObject(b, { key, size, etag, contentType: u.contentType, userMeta: u.userMeta, type: 'Multipart' }, tmp, false);
        b.uploads.delete(uploadId);
        await rm(dir, { recursive: true, force: true });
        return meta;
      } finally {
        await rm(tmp, { force: true });
      }
    });
  }

  abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const b = this.bucket(bucket);
    return this.serial(b, async () => {
      this.getUpload(bucket, key, uploadId);
      b.uploads.delete(uploadId);
      await rm(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
    });
  }
}
