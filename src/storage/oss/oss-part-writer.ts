/**
 * An in-progress OSS part file: one multipart upload per file. Full parts are uploaded as
 * data accumulates (memory stays about one part), the tail becomes the last part at
 * closeForCommit, and the result is a PendingFile that any process can Complete later.
 *
 * The upload is initiated lazily (first full part, or close) with a random
 * `x-oss-meta-sluice-token`, which later proves that an object found at the target is this
 * file (see OssStorage.commitAfterRecovery).
 */
import { randomBytes } from 'node:crypto';
import type OSS from 'ali-oss';
import type { PartWriter, PendingFile } from '../types.ts';
import { contentMd5 } from './content-md5.ts';
import { borrowPartBuffer, returnPartBuffer } from './part-buffers.ts';
import type { OssCaller } from './oss-caller.ts';
import type { OssLocation } from './oss-location.ts';

export const TOKEN_META = 'sluice-token';

/** Part uploads a part file keeps in flight while the pipeline goes on (memory: this × partSize). */
const MAX_IN_FLIGHT = 2;

/** A part's bytes, and the reusable buffer they sit in (null: nothing to give back). */
interface Part {
  data: Buffer;
  memory: Buffer | null;
}

/** The OSS form of a PendingFile. */
export interface OssPendingFile extends PendingFile {
  uploadId: string;
  parts: { number: number; etag: string }[];
  token: string;
}

export class OssPartWriter implements PartWriter {
  private readonly caller: OssCaller;
  private readonly loc: OssLocation;
  private readonly target: string;
  private readonly partSize: number;
  private readonly token = randomBytes(16).toString('hex');
  private uploadId: string | undefined;
  private initiating: Promise<string> | undefined;
  private readonly parts: { number: number; etag: string }[] = [];
  private nextNumber = 1;
  /** Part uploads in flight: the pipeline goes on encoding while they travel. */
  private inFlight: Promise<void>[] = [];
  private failure: unknown;
  /** Chunks handed over by write() (kept, not copied), not yet in a part. */
  private buffered: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes of the parts being uploaded (each in its own part buffer until it is answered). */
  private uploadingBytes = 0;
  private total = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(caller: OssCaller, loc: OssLocation, target: string, partSize: number) {
    this.caller = caller;
    this.loc = loc;
    this.target = target;
    this.partSize = partSize;
  }

  get bytes(): number {
    return this.total;
  }

  /** Memory held: bytes not yet in a part, and the part buffers of uploads in flight. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.uploadingBytes;
  }

  private ensureUpload(): Promise<string> {
    this.initiating ??= this.caller
      .call('InitiateMultipartUpload', this.loc.bucket, this.target, (c) =>
        c.initMultipartUpload(this.loc.key, { meta: { [TOKEN_META]: this.token } as unknown as OSS.UserMeta, mime: 'application/octet-stream' }))
      .then((res) => (this.uploadId = res.uploadId));
    return this.initiating;
  }

  /** Start uploading a part; at most MAX_IN_FLIGHT at once (the oldest is awaited first). */
  private async startPart(part: Part): Promise<void> {
    while (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
    this.throwIfFailed();
    const p = this.uploadPart(part, this.nextNumber++).catch((e: unknown) => {
      this.failure ??= e;
    });
    this.inFlight.push(p);
  }

  private async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async uploadPart(part: Part, number: number): Promise<void> {
    const held = part.memory?.length ?? part.data.length;
    this.uploadingBytes += held;
    try {
      await this.sendPart(part, number);
    } finally {
      this.uploadingBytes -= held;
    }
  }

  private async sendPart({ data, memory }: Part, number: number): Promise<void> {
    const [uploadId, md5] = await Promise.all([this.ensureUpload(), contentMd5(data)]);
    // A Buffer body makes the part retriable: each attempt streams it afresh; Content-MD5 lets OSS reject a corrupted one.
    const res = await this.caller.call('UploadPart', this.loc.bucket, `${this.target} part ${number}`, (c) =>
      c.uploadPart(this.loc.key, uploadId, number, data, 0, data.length, { headers: { 'Content-MD5': md5 } } as OSS.RequestOptions));
    this.parts.push({ number, etag: res.etag });
    if (memory !== null) returnPartBuffer(memory); // only after success (part-buffers.ts)
  }

  /**
   * The first `n` buffered bytes as one part, copied into a reused part buffer: the only copy a
   * byte makes in this writer. The rest stays as it was.
   */
  private take(n: number): Part {
    if (n === 0) return { data: Buffer.alloc(0), memory: null };
    const memory = borrowPartBuffer(this.partSize);
    const data = memory.subarray(0, n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.buffered[i]!;
      const k = Math.min(c.length, n - filled);
      data.set(k === c.length ? c : c.subarray(0, k), filled);
      filled += k;
      if (k < c.length) this.buffered[i] = c.subarray(k);
      else i++;
    }
    this.buffered.splice(0, i);
    this.pendingBytes -= n;
    return { data, memory };
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`${this.target}: write after ${this.state === 'closed' ? 'closeForCommit' : 'abort'}`);
    if (chunk.length === 0) return;
    this.buffered.push(chunk); // handed over (PartWriter.write): no copy
    this.pendingBytes += chunk.length;
    this.total += chunk.length;
    this.throwIfFailed();
    while (this.pendingBytes >= this.partSize) await this.startPart(this.take(this.partSize));
  }

  async closeForCommit(): Promise<OssPendingFile> {
    if (this.state !== 'open') throw new Error(`${this.target}: closeForCommit after ${this.state}`);
    this.state = 'closed';
    // The tail is the last part and may be any size (even empty, for an empty file).
    if (this.pendingBytes > 0 || this.nextNumber === 1) await this.startPart(this.take(this.pendingBytes));
    await this.drain();
    const parts = [...this.parts].sort((a, b) => a.number - b.number);
    return { target: this.target, bytes: this.total, uploadId: this.uploadId!, parts, token: this.token };
  }

  async abort(): Promise<void> {
    this.state = 'aborted';
    this.buffered = [];
    await Promise.allSettled(this.inFlight);
    this.inFlight = [];
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    try {
      await this.caller.call('AbortMultipartUpload', this.loc.bucket, this.target, (c) => c.abortMultipartUpload(this.loc.key, uploadId));
    } catch {
      // Best effort: listUncommitted + abortPending (and the bucket lifecycle rule) clean up later.
    }
  }
}
