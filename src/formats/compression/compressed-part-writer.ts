/**
 * A PartWriter that compresses: bytes handed to `write` go through a gzip/zstd stream, and
 * what the stream emits goes to the storage's writer. `closeForCommit` finishes the stream
 * (trailer and checksum) before the part file is closed, so a pending — and so every visible
 * — compressed part file is one complete stream. An aborted file was never made visible.
 *
 * `bytes` counts what reached storage (compressed), which is what the rolling policy's
 * `fileSize` limits. Compression runs on libuv's thread pool, beside the pipeline's thread.
 */
import type { Transform } from 'node:stream';
import { sealPart } from '../../storage/staged.ts';
import type { PartWriter, PendingFile, SealedPart } from '../../storage/types.ts';
import { CODEC_STATE_BYTES, compressor, type StreamCodec } from './codecs.ts';

export class CompressedPartWriter implements PartWriter {
  readonly #inner: PartWriter;
  readonly #z: Transform;
  /** Compressed output not yet handed to the inner writer. */
  #out: Buffer[] = [];
  #failure: Error | null = null;
  readonly #ended: Promise<void>;
  /** The compressor's native memory (codecs.ts CODEC_STATE_BYTES), held until the stream ends. */
  #stateBytes: number;

  constructor(inner: PartWriter, codec: StreamCodec) {
    this.#inner = inner;
    this.#z = compressor(codec);
    this.#stateBytes = CODEC_STATE_BYTES[codec];
    this.#z.on('data', (d: Buffer) => this.#out.push(d));
    this.#ended = new Promise((resolve, reject) => {
      this.#z.once('end', resolve);
      this.#z.once('error', (e: Error) => {
        this.#failure = e;
        reject(e);
      });
    });
    this.#ended.catch(() => {}); // surfaced by write/closeForCommit
  }

  get bytes(): number {
    return this.#inner.bytes;
  }

  /** The inner writer's buffers, output not yet handed to it, and the compressor's own state. */
  get bufferedBytes(): number {
    let out = 0;
    for (const b of this.#out) out += b.length;
    return (this.#inner.bufferedBytes ?? 0) + out + this.#stateBytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure;
    // The write callback runs once the compressor consumed the chunk and pushed its output.
    await new Promise<void>((resolve, reject) => this.#z.write(chunk, (e) => (e ? reject(e) : resolve())));
    await this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#out.length === 0) return;
    const data = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out);
    this.#out = [];
    await this.#inner.write(data);
  }

  async closeForCommit(): Promise<PendingFile> {
    await this.#finish();
    return this.#inner.closeForCommit();
  }

  /** The stream finished and handed over, the inner writer seals (when it can). */
  async seal(): Promise<SealedPart> {
    await this.#finish();
    return sealPart(this.#inner);
  }

  async #finish(): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#z.end();
    await this.#ended;
    this.#stateBytes = 0;
    await this.#drain();
  }

  async abort(): Promise<void> {
    this.#z.destroy();
    await this.#inner.abort();
  }
}
