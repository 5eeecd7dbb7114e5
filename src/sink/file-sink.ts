/**
 * The filesystem sink's writer side: rows → buckets (partitions) → part files.
 *
 * The hot path (`writeBatch`) is synchronous: it assigns each row to its bucket, encodes it and
 * appends the text to the bucket's in-progress part file (UTF-8 encoded into its buffer in runs
 * of lines), rolling by exact size before each record. I/O happens in `flush()`, once per batch, which writes buffers past a threshold and
 * closes rolled files into pending files. `beginSnapshot()` is a checkpoint's barrier: files
 * roll, and their closes complete in the background while writing goes on into new files.
 *
 * Part files are named like Flink's: `part-<jobUuid>-<runnerIndex>-<counter><suffix>`.
 */
import type { Row } from '../api/types.ts';
import { CompressedPartWriter, type StreamCodec } from '../formats/compression/index.ts';
import type { BulkWriter, BulkWriterFactory } from '../formats/parquet/parquet-bulk-writer.ts';
import type { PartWriter, PendingFile, Storage } from '../storage/types.ts';
import { checkPartitionPath, partitionPath, PartitionValueError } from './partition-path.ts';
import type { PartFileInfo, RollingPolicyOptions } from './rolling-policy.ts';
import { shouldRollOnEvent, shouldRollOnProcessingTime } from './rolling-policy.ts';

/** Encodes one row as a line (partition columns already left out by the encoder). */
export interface RowEncoder {
  encode(row: Row): string;
}

export interface FileSinkOptions {
  storage: Storage;
  /** Sink root directory (URI or local path). */
  root: string;
  /** Names and row indexes of partition columns, in partitionBy order. */
  partitionKeys: string[];
  partitionIndexes: number[];
  /** Line formats (CSV, JSON): rows → lines. Exactly one of encoder and bulk is set. */
  encoder?: RowEncoder;
  /**
   * Written as the first line of every part file (a CSV header, '\n' included), not counted
   * as a record.
   */
  header?: string;
  /**
   * Stream codec of the part files (gzip, zstd), or none. The rolling policy's size then counts
   * the compressed bytes that reached storage, plus the bytes buffered and not yet compressed.
   */
  compression?: StreamCodec | null;
  /**
   * A bulk format (Parquet): rows go to a BulkWriter per part file instead of `encoder`. Its
   * buffered rows are written as a row group when they reach `flushThreshold` or the sink's
   * `memoryLimit` is spent; the size the rolling policy sees is the bytes written plus the
   * writer's estimate of what it buffers.
   */
  bulk?: BulkWriterFactory;
  rolling: RollingPolicyOptions;
  /** `part-<jobUuid>-<runnerIndex>-` */
  namePrefix: string;
  suffix: string;
  /** First counter value (restored from the checkpoint). */
  counter: number;
  /** Bytes buffered per part file before it is written out. @default 512 KiB */
  flushThreshold?: number;
  /** Total bytes buffered across part files before everything is written out. @default 8 MiB */
  memoryLimit?: number;
  clock?: () => number;
}

/** A closed part file waiting for the checkpoint that publishes it. */
export interface PendingPart {
  file: PendingFile;
  partition: string;
  records: number;
  /** Written to the dead-letter location rather than the sink. */
  deadLetter?: boolean;
}

/** Per-partition figures since the last snapshot. */
export interface PartitionActivity {
  records: number;
  files: number;
  bytes: number;
}

/** Part files closed concurrently at a roll or checkpoint. */
const CLOSE_CONCURRENCY = 4;

/** Bytes per buffer chunk: lines are encoded straight into these, no per-line strings kept. */
const CHUNK = 64 * 1024;

/**
 * Lines are UTF-8 encoded into the chunks in runs of about this many chars: one write call per
 * run instead of one per line. A line of a few fields is a V8 rope (ConsString) that each write
 * had to flatten first: ~20% of a 70-byte-row run (CPU profile). 3M such rows: 2.24-2.45 s
 * before, 1.87-2.24 s after; 16K-char runs were no faster and cost ~20 MB more RSS.
 */
const PENDING_CHARS = 4 * 1024;

/**
 * Lines shorter than this are written one by one: V8 builds strings under 13 chars flat
 * (ConsString::kMinLength), and a flat short string writes faster alone than appended to a run
 * (the seed's `5\n` rows: 2.24-2.36 s alone vs 2.44-2.60 s in runs, 10M rows).
 */
const FLAT_BELOW = 13;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class InProgressPart implements PartFileInfo {
  size = 0;
  records = 0;
  lastWriteAt: number;
  readonly createdAt: number;
  /** Filled chunks waiting for writeOut, then the chunk being filled. */
  full: Buffer[] = [];
  cur: Buffer | null = null;
  curLen = 0;
  bufferedBytes = 0;
  /** Lines not yet encoded into the buffers (a V8 rope: appending is cheap). */
  pending = '';
  writer: PartWriter | null = null;
  /** Bulk formats: the part's writer; its rows never pass through the text buffers. */
  bulk: BulkWriter | null = null;
  readonly target: string;

  constructor(target: string, now: number) {
    this.target = target;
    this.createdAt = now;
    this.lastWriteAt = now;
  }

  /**
   * Add an encoded line. It reaches the byte buffers with others, in one UTF-8 write per
   * `pendingMax` chars; returns the bytes that reached them now (usually 0).
   */
  add(line: string, pendingMax: number): number {
    if (this.pending.length === 0 && line.length < FLAT_BELOW) return this.encode(line);
    this.pending += line;
    return this.pending.length >= pendingMax ? this.encodePending() : 0;
  }

  /** An upper bound of the file's size: pending text counted at 3 bytes a char (UTF-16 unit → UTF-8). */
  get sizeBound(): number {
    return this.size + 3 * this.pending.length;
  }

  /** Encode the pending text as UTF-8 into the buffers; `size` is then exact. Returns the bytes added. */
  encodePending(): number {
    const text = this.pending;
    if (text.length === 0) return 0;
    this.pending = '';
    return this.encode(text);
  }

  private encode(text: string): number {
    const worst = text.length * 3;
    if (this.cur === null || this.cur.length - this.curLen < worst) {
      if (this.cur !== null && this.curLen > 0) this.full.push(this.cur.subarray(0, this.curLen));
      this.cur = Buffer.allocUnsafe(Math.max(CHUNK, worst));
      this.curLen = 0;
    }
    const n = this.cur.write(text, this.curLen);
    this.curLen += n;
    this.bufferedBytes += n;
    this.size += n;
    return n;
  }

  /** Everything buffered, as one byte array; the buffers start over. */
  take(): Buffer {
    if (this.cur !== null && this.curLen > 0) this.full.push(this.cur.subarray(0, this.curLen));
    const data = this.full.length === 1 ? this.full[0]! : Buffer.concat(this.full);
    this.full = [];
    // keep the rest of the current chunk for the next lines
    this.cur = this.cur !== null && this.cur.length - this.curLen >= 1024 ? this.cur.subarray(this.curLen) : null;
    this.curLen = 0;
    this.bufferedBytes = 0;
    return data;
  }
}

class Bucket {
  part: InProgressPart | null = null;
  readonly path: string;
  readonly dir: string;

  constructor(path: string, dir: string) {
    this.path = path;
    this.dir = dir;
  }
}

/**
 * What one checkpoint will publish: the part files closed since the previous checkpoint's
 * barrier, with their per-partition activity, and the closes of such files still in flight.
 */
class Generation {
  pending: PendingPart[] = [];
  activity = new Map<string, PartitionActivity>();
  closes: Promise<void>[] = [];
}

/** A checkpoint's side of the sink, taken at its barrier: resolves once its files are all closed. */
export type SinkSnapshot = () => Promise<{ pending: PendingPart[]; activity: Map<string, PartitionActivity> }>;

export class FileSink {
  private readonly o: FileSinkOptions;
  private readonly clock: () => number;
  /**
   * Open buckets by key: the partition value itself for a single partition column (no string
   * is built per row), else the values joined (bucketKey).
   */
  private readonly buckets = new Map<unknown, Bucket>();
  /** Bucket keys whose partition path cannot exist (too long a directory name), and why. */
  private readonly rejected = new Map<unknown, PartitionValueError>();
  /** Rolled part files not yet closed (their buffers still need writing). */
  private rolled: Array<{ bucket: Bucket; part: InProgressPart }> = [];
  /** Files of the checkpoint to come (the next barrier hands them over). */
  private gen = new Generation();
  /** Every close in flight, for the CLOSE_CONCURRENCY bound (each removes itself when done). */
  private readonly closing = new Set<Promise<void>>();
  private closeFailure: unknown;
  private counter: number;
  private buffered = 0;
  private readonly flushThreshold: number;
  /** Text held per part file before it is encoded: PENDING_CHARS, or less under a small flushThreshold. */
  private readonly pendingMax: number;
  private readonly memoryLimit: number;
  private readonly singleKey: boolean;

  constructor(options: FileSinkOptions) {
    if ((options.encoder === undefined) === (options.bulk === undefined)) throw new Error('FileSink: set exactly one of encoder (line formats) and bulk (bulk formats)');
    this.o = options;
    this.clock = options.clock ?? Date.now;
    this.counter = options.counter;
    // Compressed parts roll on stored bytes + bytes not yet compressed: writing them out at a
    // quarter of fileSize at most keeps a file within [3/4 fileSize, fileSize] stored bytes
    // even when fileSize is below the threshold (a 512 KB fileSize gave 27 KB gzip files).
    const threshold = options.flushThreshold ?? 512 << 10;
    this.flushThreshold = options.compression ? Math.min(threshold, Math.max(16 << 10, Math.floor(options.rolling.fileSize / 4))) : threshold;
    this.pendingMax = Math.min(PENDING_CHARS, this.flushThreshold);
    this.memoryLimit = options.memoryLimit ?? 8 << 20;
    this.singleKey = options.partitionIndexes.length === 1;
  }

  /** Next part counter: goes into the checkpoint record so names never repeat after a restore. */
  get nextCounter(): number {
    return this.counter;
  }

  /** Bytes held in memory, waiting for flush(). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  private bucketKey(row: Row): unknown {
    const idx = this.o.partitionIndexes;
    if (idx.length === 0) return '';
    // The values themselves are the keys: a Map compares primitives by value (SameValueZero).
    // A BIGINT column may mix bigints (read) and numbers (from arithmetic, e.g. COALESCE(b, 0)):
    // a bigint in the safe range is keyed as the number it equals, so 0n and 0 share a bucket.
    if (this.singleKey) {
      const v = row[idx[0]!];
      return typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
    }
    let k = '';
    for (let i = 0; i < idx.length; i++) {
      const v = row[idx[i]!];
      k += (v === null ? '\u0000' : String(v)) + '\u0001';
    }
    return k;
  }

  /** The row's bucket, or its PartitionValueError if its partition cannot be a directory. */
  private bucketFor(row: Row): Bucket | PartitionValueError {
    const key = this.bucketKey(row);
    let b = this.buckets.get(key);
    if (b === undefined) {
      const refused = this.rejected.get(key);
      if (refused !== undefined) return refused;
      const values = this.o.partitionIndexes.map((i) => row[i]);
      const path = partitionPath(this.o.partitionKeys, values);
      try {
        checkPartitionPath(this.o.partitionKeys, path);
      } catch (e) {
        if (!(e instanceof PartitionValueError)) throw e;
        this.rejected.set(key, e);
        return e;
      }
      const dir = path === '' ? this.o.root : this.o.storage.join(this.o.root, ...path.split('/'));
      b = new Bucket(path, dir);
      this.buckets.set(key, b);
    }
    return b;
  }

  private newPart(b: Bucket, now: number): InProgressPart {
    const name = `${this.o.namePrefix}${this.counter++}${this.o.suffix}`;
    return new InProgressPart(this.o.storage.join(b.dir, name), now);
  }

  private roll(b: Bucket): void {
    if (b.part !== null) {
      this.rolled.push({ bucket: b, part: b.part });
      b.part = null;
    }
  }

  /**
   * Append rows[0..n) to their buckets. Synchronous; call flush() afterwards. A row whose
   * partition cannot be a directory (PartitionValueError) goes to `onBadRow` and is skipped;
   * without one, or if it throws, the batch stops there.
   */
  writeBatch(rows: Row[], n: number, onBadRow?: (index: number, err: PartitionValueError) => void): void {
    if (this.o.bulk !== undefined) return this.writeBulk(rows, n, this.o.bulk, onBadRow);
    const now = this.clock();
    const enc = this.o.encoder!;
    const rolling = this.o.rolling;
    let added = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const b = this.bucketFor(row);
      if (b instanceof PartitionValueError) {
        this.buffered += added;
        added = 0;
        if (onBadRow === undefined) throw b;
        onBadRow(i, b);
        continue;
      }
      let part = b.part;
      // The size check is exact: pending text is encoded first whenever it could cross the limit.
      if (part !== null && part.sizeBound > rolling.fileSize) {
        added += part.encodePending();
        if (shouldRollOnEvent(part, rolling)) {
          this.roll(b);
          part = null;
        }
      }
      if (part === null) {
        part = b.part = this.newPart(b, now);
        if (this.o.header !== undefined) added += part.add(this.o.header, this.pendingMax);
      }
      added += part.add(enc.encode(row), this.pendingMax);
      part.records++;
      part.lastWriteAt = now;
    }
    this.buffered += added;
  }

  /** writeBatch for a bulk format: each row to its part's BulkWriter; rolled by written + estimated buffered size. */
  private writeBulk(rows: Row[], n: number, factory: BulkWriterFactory, onBadRow?: (index: number, err: PartitionValueError) => void): void {
    const now = this.clock();
    const rolling = this.o.rolling;
    let added = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const b = this.bucketFor(row);
      if (b instanceof PartitionValueError) {
        this.buffered += added;
        added = 0;
        if (onBadRow === undefined) throw b;
        onBadRow(i, b);
        continue;
      }
      let part = b.part;
      if (part !== null && shouldRollOnEvent(part, rolling)) {
        this.roll(b);
        part = null;
      }
      if (part === null) {
        part = b.part = this.newPart(b, now);
        part.bulk = factory.create();
      }
      const bytes = part.bulk!.addElement(row);
      part.bufferedBytes += bytes;
      part.size += bytes;
      part.records++;
      part.lastWriteAt = now;
      added += bytes;
    }
    this.buffered += added;
  }

  /** Does any buffer need writing? Cheap check for the run loop. */
  needsFlush(): boolean {
    return this.rolled.length > 0 || this.buffered >= this.memoryLimit || this.anyOverThreshold();
  }

  private anyOverThreshold(): boolean {
    for (const b of this.buckets.values()) if (b.part !== null && b.part.bufferedBytes >= this.flushThreshold) return true;
    return false;
  }

  private async writeOut(part: InProgressPart): Promise<void> {
    if (part.bulk !== null) return this.writeOutBulk(part, part.bulk, false);
    this.buffered += part.encodePending();
    if (part.bufferedBytes === 0) return;
    if (part.writer === null) part.writer = await this.openWriter(part.target);
    this.buffered -= part.bufferedBytes;
    await part.writer.write(part.take());
    // compressed: what the rolling policy sees is what reached storage, plus what is still buffered
    if (this.o.compression) part.size = part.writer.bytes + part.bufferedBytes;
  }

  /** A bulk part's buffered rows as a row group (and, at the end, the footer) to storage. */
  private async writeOutBulk(part: InProgressPart, bulk: BulkWriter, finish: boolean): Promise<void> {
    if (part.bufferedBytes === 0 && !finish) return;
    if (part.records === 0) return; // never received a record: no file
    this.buffered -= part.bufferedBytes;
    part.bufferedBytes = 0;
    const data = finish ? bulk.finish() : bulk.flush();
    if (part.writer === null) part.writer = await this.openWriter(part.target);
    if (data.length > 0) await part.writer.write(data);
    part.size = part.writer.bytes + part.bufferedBytes;
  }

  private async openWriter(target: string): Promise<PartWriter> {
    const w = await this.o.storage.open(target);
    return this.o.compression ? new CompressedPartWriter(w, this.o.compression) : w;
  }

  private async close(b: Bucket, part: InProgressPart, gen: Generation): Promise<void> {
    if (part.bulk !== null) await this.writeOutBulk(part, part.bulk, true);
    else await this.writeOut(part);
    if (part.writer === null) return; // never received a record
    const file = await part.writer.closeForCommit();
    gen.pending.push({ file, partition: b.path, records: part.records });
    let a = gen.activity.get(b.path);
    if (a === undefined) gen.activity.set(b.path, (a = { records: 0, files: 0, bytes: 0 }));
    a.records += part.records;
    a.files += 1;
    a.bytes += file.bytes;
  }

  /** Write out buffers past their threshold and close rolled part files. */
  async flush(): Promise<void> {
    const rolled = this.rolled;
    this.rolled = [];
    await this.startCloses(rolled, this.gen);
    this.throwIfCloseFailed();
    const all = this.buffered >= this.memoryLimit;
    for (const b of this.buckets.values()) {
      const p = b.part;
      if (p !== null && (all || p.bufferedBytes >= this.flushThreshold)) await this.writeOut(p);
    }
  }

  /**
   * Close rolled files in the background (on HDFS and OSS a close is an upload) while the
   * pipeline goes on; at most CLOSE_CONCURRENCY at once. Each close lands in `gen`, whose
   * checkpoint awaits it.
   */
  private async startCloses(rolled: Array<{ bucket: Bucket; part: InProgressPart }>, gen: Generation): Promise<void> {
    for (const r of rolled) {
      // a free slot as soon as any close ends (not the oldest): uploads take uneven times
      while (this.closing.size >= CLOSE_CONCURRENCY) await Promise.race(this.closing);
      this.throwIfCloseFailed();
      const c: Promise<void> = this.close(r.bucket, r.part, gen)
        .catch((e: unknown) => {
          this.closeFailure ??= e;
        })
        .finally(() => this.closing.delete(c));
      this.closing.add(c);
      gen.closes.push(c);
    }
  }

  private throwIfCloseFailed(): void {
    if (this.closeFailure !== undefined) throw this.closeFailure;
  }


  /** Timer (every checkInterval): roll files past rolloverInterval or inactivityInterval. */
  async onProcessingTime(now = this.clock()): Promise<void> {
    for (const b of this.buckets.values()) {
      if (b.part !== null && shouldRollOnProcessingTime(b.part, now, this.o.rolling)) this.roll(b);
    }
    await this.flush();
  }

  /**
   * Checkpoint barrier: every part file rolls now (roll on checkpoint), and what was written up
   * to here is handed to the returned snapshot, which closes those files and resolves with
   * everything closed since the last barrier, with per-partition activity. Writing may go on
   * meanwhile, into new part files that belong to the next checkpoint. Buckets are forgotten so
   * memory stays bounded by the partitions active between two checkpoints.
   */
  beginSnapshot(): SinkSnapshot {
    for (const b of this.buckets.values()) this.roll(b);
    this.buckets.clear();
    const rolled = this.rolled;
    this.rolled = [];
    const gen = this.gen;
    this.gen = new Generation();
    return async () => {
      await this.startCloses(rolled, gen);
      await Promise.all(gen.closes);
      this.throwIfCloseFailed();
      return { pending: gen.pending, activity: gen.activity };
    };
  }

  /** A checkpoint with nothing written meanwhile: barrier and snapshot at once. */
  async snapshotState(): Promise<{ pending: PendingPart[]; activity: Map<string, PartitionActivity> }> {
    return this.beginSnapshot()();
  }

  /** Abort every open part file (shutdown without a checkpoint, e.g. when fenced). */
  async abort(): Promise<void> {
    const parts = [...this.rolled.map((r) => r.part), ...[...this.buckets.values()].flatMap((b) => (b.part ? [b.part] : []))];
    await Promise.allSettled(this.closing);
    for (const p of parts) await p.writer?.abort().catch(() => {});
    // closed since the last barrier, never to be published (files handed to a checkpoint are
    // its business: its record may already reference them)
    for (const p of this.gen.pending) await this.o.storage.abortPending(p.file).catch(() => {});
    this.gen = new Generation();
    this.rolled = [];
    this.buckets.clear();
  }
}
