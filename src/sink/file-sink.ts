/**
 * The filesystem sink's writer side: rows → buckets (partitions) → part files.
 *
 * The hot path (`writeBatch`) is synchronous: it assigns each row to its bucket, encodes it and
 * appends the text to the bucket's in-progress part file (UTF-8 encoded into its buffer in runs
 * of lines), rolling by exact size before each record. I/O happens in `flush()`, once per batch, which writes buffers past a threshold and
 * closes rolled files into pending files. `beginSnapshot()` is a checkpoint's barrier: files
 * roll, and their closes complete in the background while writing goes on into new files.
 *
 * Two bounds hold whatever the number of partitions (README.md, "Bounds"):
 * - memory (`memoryBudget`): what the part files buffer (bytes, text not yet encoded, a bulk
 *   format's rows) plus what their storage writers hold (`PartWriter.bufferedBytes`: OSS parts,
 *   HDFS requests, compressor state). Past half of it the largest buffers are written out; if
 *   the writers then hold more than the budget, the least recently written part files roll
 *   early and the sink waits for their closes.
 * - open files (`maxOpenFiles`): a part file opens its writer (a file descriptor, an OSS
 *   multipart upload, an HDFS stream) only when its bytes are written out; when that would
 *   pass the bound, the least recently written open part file rolls first. A rolled file is
 *   pending like any other and commits at the next checkpoint, so exactly once is unchanged.
 *
 * Part files are named like Flink's: `part-<jobUuid>-<runnerIndex>-<counter><suffix>`.
 */
import type { Row } from '../api/types.ts';
import { CompressedPartWriter, type StreamCodec } from '../formats/compression/index.ts';
import type { BulkWriter, BulkWriterFactory } from '../formats/parquet/parquet-bulk-writer.ts';
import { sealPart } from '../storage/staged.ts';
import type { PartWriter, PendingFile, PreparedOpen, Storage } from '../storage/types.ts';
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
   * `bufferLimit` is passed; the size the rolling policy sees is the bytes written plus the
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
  /** Memory for buffered rows and the storage writers' buffers (see the header). @default 64 MiB */
  memoryBudget?: number;
  /**
   * The part files' own buffers are written out (largest first) past this. @default half the
   * budget. Parquet sets less: its buffered rows cost about twice their estimate in JS arrays.
   */
  bufferLimit?: number;
  /** Part files with an open writer at once (see the header). @default 256 */
  maxOpenFiles?: number;
  /** Part files closed at once at a roll or checkpoint (rolls forced by maxOpenFiles are not held back). @default 4 */
  closeConcurrency?: number;
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

/** Bytes per buffer chunk at most: a part's first chunk is MIN_CHUNK, each next one twice the last. */
const CHUNK = 64 * 1024;
const MIN_CHUNK = 256;

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

/**
 * Past this many open partitions, lines are encoded at once instead of held in ropes: held
 * lines outlive the young generation and pile up as old-generation garbage. 10,000 partitions,
 * 3M rows: heap 186 MB and RSS 363 MB with ropes of up to 419 chars per part, vs ... without.
 */
const ROPE_PARTITIONS = 64;

/** Runs of text are encoded here first when the part's chunk may be too small, then copied at their exact size. */
const SCRATCH = Buffer.allocUnsafe(3 * PENDING_CHARS);

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
  /** Encoded bytes buffered (bulk formats: the writer's estimate of its buffered rows). */
  bufferedBytes = 0;
  /** Capacity of the chunks held (what the buffers cost, not only what they hold). */
  chunkBytes = 0;
  private nextChunk = MIN_CHUNK;
  /** Lines not yet encoded into the buffers (a V8 rope: appending is cheap). */
  pending = '';
  writer: PartWriter | null = null;
  /** Storage.prepareOpen in flight or done (null: not started, or the storage has none). */
  prepared: Promise<PreparedOpen | undefined> | null = null;
  /** Bulk formats: the part's writer; its rows never pass through the text buffers. */
  bulk: BulkWriter | null = null;
  /** The bucket (partition) it belongs to. */
  readonly owner: Bucket;
  /** Still its bucket's current part (false once rolled). */
  current = true;
  /** A writeOut is in progress (it must not be rolled from under it). */
  busy = false;
  /** Its close has started (trackClose). */
  closing = false;
  /** The checkpoint it belongs to, set when it rolls. */
  gen: Generation | null = null;
  /** Queued in FileSink.due (its buffer passed flushThreshold). */
  due = false;
  readonly target: string;

  constructor(owner: Bucket, target: string, now: number) {
    this.owner = owner;
    this.target = target;
    this.createdAt = now;
    this.lastWriteAt = now;
  }

  /** Memory held, as the budget counts it: chunk capacity, pending text at 2 bytes a char, bulk rows. */
  get memory(): number {
    return this.bulk !== null ? this.bufferedBytes : this.chunkBytes + 2 * this.pending.length;
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
    let n: number;
    if (this.cur !== null && this.cur.length - this.curLen >= worst) {
      n = this.cur.write(text, this.curLen);
    } else {
      // the exact size first (in SCRATCH, or a buffer of its own for a huge line), so a new
      // chunk is sized by what the text needs, not by its worst case
      const src = worst <= SCRATCH.length ? SCRATCH : Buffer.from(text, 'utf8');
      const len = src === SCRATCH ? SCRATCH.write(text, 0) : src.length;
      if (this.cur === null || this.cur.length - this.curLen < len) {
        if (this.cur !== null && this.curLen > 0) this.full.push(this.cur.subarray(0, this.curLen));
        const size = Math.max(len, this.nextChunk);
        this.nextChunk = Math.min(CHUNK, this.nextChunk * 2);
        this.cur = Buffer.allocUnsafe(size);
        this.curLen = 0;
        this.chunkBytes += size;
      }
      n = src.copy(this.cur, this.curLen, 0, len);
    }
    this.curLen += n;
    this.bufferedBytes += n;
    this.size += n;
    return n;
  }

  /**
   * Everything buffered, as one byte array; the buffers start over. `keepRest`: the rest of the
   * current chunk stays for the next lines (not under memory pressure: then it goes, and the
   * next chunk starts small again).
   */
  take(keepRest: boolean): Buffer {
    if (this.cur !== null && this.curLen > 0) this.full.push(this.cur.subarray(0, this.curLen));
    const data = this.full.length === 1 ? this.full[0]! : Buffer.concat(this.full);
    this.full = [];
    // keep the rest of the current chunk for the next lines
    this.cur = keepRest && this.cur !== null && this.cur.length - this.curLen >= 1024 ? this.cur.subarray(this.curLen) : null;
    if (!keepRest) this.nextChunk = MIN_CHUNK;
    this.curLen = 0;
    this.chunkBytes = this.cur?.length ?? 0;
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
  /** Per close: settles once its pending file is known (PartWriter.seal), or the close failed. */
  seals: Promise<void>[] = [];
}

/**
 * A checkpoint's side of the sink, taken at its barrier: resolves once every file's pending
 * file is known, with `durable`, which settles once they are all closed (rejects if one failed).
 */
export type SinkSnapshot = () => Promise<{ pending: PendingPart[]; activity: Map<string, PartitionActivity>; durable: Promise<void> }>;

/** Part files prepared at once in the background (Storage.prepareOpen). */
const PREPARE_CONCURRENCY = 4;

export const DEFAULT_SINK_MEMORY_BUDGET = 64 << 20;
export const DEFAULT_MAX_OPEN_FILES = 256;

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
  private rolled: InProgressPart[] = [];
  /** Parts whose buffer passed flushThreshold, for the next flush. */
  private due: InProgressPart[] = [];
  /** Files of the checkpoint to come (the next barrier hands them over). */
  private gen = new Generation();
  /** Every close in flight (each removes itself when done). */
  private readonly closing = new Set<Promise<void>>();
  /** Parts whose writer is open (a file descriptor, an upload, a stream), closing ones included. */
  private readonly open = new Set<InProgressPart>();
  /** Writers opened or opening and not yet closed: what maxOpenFiles bounds. */
  private openCount = 0;
  /** Woken when a writer closes or a writeOut ends (openWriter waits for a slot on it). */
  private waiters: Array<() => void> = [];
  /** Parts whose files are to be prepared (prepareMore), from prepareHead on. */
  private toPrepare: InProgressPart[] = [];
  private prepareHead = 0;
  private preparing = 0;
  private closeFailure: unknown;
  private counter: number;
  /** Memory the in-progress parts hold (InProgressPart.memory summed), not counting their writers. */
  private held = 0;
  private readonly flushThreshold: number;
  /** Text held per part before it is encoded: PENDING_CHARS, less under many partitions or a small flushThreshold. */
  private pendingMax: number;
  private readonly pendingCap: number;
  private readonly budget: number;
  private readonly bufferLimit: number;
  private readonly maxOpen: number;
  private readonly closeConcurrency: number;
  private readonly singleKey: boolean;
  /** Rolls forced by the bounds since the sink started (maxOpenFiles, memory), for tests and metrics. */
  readonly forcedRolls = { openFiles: 0, memory: 0 };

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
    this.pendingCap = Math.min(PENDING_CHARS, this.flushThreshold);
    this.pendingMax = this.pendingCap;
    this.budget = options.memoryBudget ?? DEFAULT_SINK_MEMORY_BUDGET;
    this.bufferLimit = Math.min(options.bufferLimit ?? Infinity, this.budget / 2);
    this.maxOpen = options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES;
    this.closeConcurrency = options.closeConcurrency ?? 4;
    this.singleKey = options.partitionIndexes.length === 1;
  }

  /** Next part counter: goes into the checkpoint record so names never repeat after a restore. */
  get nextCounter(): number {
    return this.counter;
  }

  /** Memory the part files' buffers hold, waiting for flush() (their writers' not counted). */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Memory the storage writers hold (open and closing part files). */
  get writerBytes(): number {
    let n = 0;
    for (const p of this.open) n += p.writer?.bufferedBytes ?? 0;
    return n;
  }

  /** Part files whose writer is open now (≤ maxOpenFiles). */
  get openFiles(): number {
    return this.openCount;
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
      if (this.buckets.size > ROPE_PARTITIONS) this.pendingMax = 1;
    }
    return b;
  }

  private newPart(b: Bucket, now: number): InProgressPart {
    const name = `${this.o.namePrefix}${this.counter++}${this.o.suffix}`;
    const part = new InProgressPart(b, this.o.storage.join(b.dir, name), now);
    if (this.o.storage.prepareOpen !== undefined) {
      this.toPrepare.push(part);
      this.prepareMore();
    }
    return part;
  }

  /**
   * Prepare the queued parts' files (Storage.prepareOpen: on local disk, create them) a few at
   * a time in the background, so the barrier that writes 10,000 partitions out only reopens
   * their files. A part opened before its turn is skipped.
   */
  private prepareMore(): void {
    const storage = this.o.storage;
    while (this.preparing < PREPARE_CONCURRENCY && this.prepareHead < this.toPrepare.length) {
      const part = this.toPrepare[this.prepareHead++]!;
      if (part.writer !== null || part.prepared !== null) continue;
      this.preparing++;
      part.prepared = storage.prepareOpen!(part.target)
        .catch(() => undefined) // open() then creates it, and reports what fails
        .finally(() => {
          this.preparing--;
          this.prepareMore();
        });
    }
    if (this.prepareHead === this.toPrepare.length) {
      this.toPrepare = [];
      this.prepareHead = 0;
    }
  }

  private roll(b: Bucket): void {
    const part = b.part;
    if (part !== null) {
      part.current = false;
      part.gen = this.gen;
      this.rolled.push(part);
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
        this.held += added;
        added = 0;
        if (onBadRow === undefined) throw b;
        onBadRow(i, b);
        continue;
      }
      let part = b.part;
      // The size check is exact: pending text is encoded first whenever it could cross the limit.
      if (part !== null && part.sizeBound > rolling.fileSize) {
        const m = part.memory;
        part.encodePending();
        added += part.memory - m;
        if (shouldRollOnEvent(part, rolling)) {
          this.roll(b);
          part = null;
        }
      }
      if (part === null) {
        part = b.part = this.newPart(b, now);
        if (this.o.header !== undefined) {
          part.add(this.o.header, this.pendingMax);
          added += part.memory;
        }
      }
      const m0 = part.memory;
      part.add(enc.encode(row), this.pendingMax);
      added += part.memory - m0;
      part.records++;
      part.lastWriteAt = now;
      if (!part.due && part.bufferedBytes >= this.flushThreshold) {
        part.due = true;
        this.due.push(part);
      }
    }
    this.held += added;
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
        this.held += added;
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
      if (!part.due && part.bufferedBytes >= this.flushThreshold) {
        part.due = true;
        this.due.push(part);
      }
    }
    this.held += added;
  }

  /** Does any buffer need writing? Cheap check for the run loop. */
  needsFlush(): boolean {
    return this.rolled.length > 0 || this.due.length > 0 || this.held > this.bufferLimit;
  }

  /** Hand the part's buffered bytes to its writer (opened first if need be); `release`: keep no spare chunk. */
  private async writeOut(part: InProgressPart, release = false): Promise<void> {
    if (part.bulk !== null) return this.writeOutBulk(part, part.bulk, false);
    if (part.bufferedBytes === 0 && part.pending.length === 0) return;
    part.busy = true;
    try {
      if (part.writer === null) await this.openWriter(part);
      const before = part.memory;
      part.encodePending();
      const data = part.take(!release);
      this.held += part.memory - before;
      await part.writer!.write(data);
    } finally {
      part.busy = false;
      this.wake();
    }
    // compressed: what the rolling policy sees is what reached storage, plus what is still buffered
    if (this.o.compression) part.size = part.writer!.bytes + part.bufferedBytes;
  }

  /** A bulk part's buffered rows as a row group (and, at the end, the footer) to storage. */
  private async writeOutBulk(part: InProgressPart, bulk: BulkWriter, finish: boolean): Promise<void> {
    if (part.bufferedBytes === 0 && !finish) return;
    if (part.records === 0) return; // never received a record: no file
    part.busy = true;
    try {
      if (part.writer === null) await this.openWriter(part);
      this.held -= part.bufferedBytes;
      part.bufferedBytes = 0;
      const data = finish ? bulk.finish() : bulk.flush();
      if (data.length > 0) await part.writer!.write(data);
    } finally {
      part.busy = false;
      this.wake();
    }
    part.size = part.writer!.bytes + part.bufferedBytes;
  }

  /**
   * Open the part's writer within maxOpenFiles: while every slot is taken, the least recently
   * written open part file that is not busy rolls (its close frees a slot), and this waits.
   */
  private async openWriter(part: InProgressPart): Promise<void> {
    while (this.openCount >= this.maxOpen) {
      const victim = this.leastRecentlyWritten(part);
      if (victim !== null) {
        this.forcedRolls.openFiles++;
        this.rollNow(victim);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.throwIfCloseFailed();
    }
    this.openCount++;
    try {
      const prepared = (await part.prepared) ?? undefined;
      part.prepared = Promise.resolve(undefined); // not prepared again once queued
      const w = await this.o.storage.open(part.target, prepared);
      part.writer = this.o.compression ? new CompressedPartWriter(w, this.o.compression) : w;
    } catch (e) {
      this.openCount--;
      this.wake();
      throw e;
    }
    this.open.add(part);
  }

  /**
   * The open part file written least recently that is neither being written out nor closing:
   * its bucket's current part, or one rolled and still queued for its close.
   */
  private leastRecentlyWritten(except: InProgressPart | null, withBuffers = false): InProgressPart | null {
    let best: InProgressPart | null = null;
    for (const p of this.open) {
      if (p === except || p.closing || p.busy) continue;
      if (withBuffers && (p.writer?.bufferedBytes ?? 0) === 0) continue;
      if (best === null || p.lastWriteAt < best.lastWriteAt) best = p;
    }
    return best;
  }

  /**
   * Close a part file now, in the background and outside closeConcurrency (a bound forced it):
   * a current one rolls first; a rolled one queued for its close goes ahead of the queue.
   */
  private rollNow(part: InProgressPart): void {
    if (part.current) {
      part.owner.part = null;
      part.current = false;
      part.gen = this.gen;
    }
    this.trackClose(part);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** `sealed` is called once the pending file is known (before it is durable), or never if the close fails first. */
  private async close(part: InProgressPart, sealed: () => void): Promise<void> {
    const b = part.owner;
    const gen = part.gen!;
    if (part.bulk !== null) await this.writeOutBulk(part, part.bulk, true);
    else await this.writeOut(part, true);
    this.held -= part.memory; // a part that never received a record (or whose text was all written)
    part.chunkBytes = 0;
    part.cur = null;
    part.pending = '';
    if (part.writer === null) return; // never received a record
    let file: PendingFile;
    try {
      const s = await sealPart(part.writer);
      file = s.pending;
      this.addPending(gen, b, part, file);
      sealed();
      await s.durable;
    } finally {
      this.open.delete(part);
      this.openCount--;
      this.wake();
    }
  }

  private addPending(gen: Generation, b: Bucket, part: InProgressPart, file: PendingFile): void {
    gen.pending.push({ file, partition: b.path, records: part.records });
    let a = gen.activity.get(b.path);
    if (a === undefined) gen.activity.set(b.path, (a = { records: 0, files: 0, bytes: 0 }));
    a.records += part.records;
    a.files += 1;
    a.bytes += file.bytes;
  }

  /**
   * Close rolled files, write out buffers past their threshold, and keep the bounds: over
   * bufferLimit, the largest buffers are written out (down to half of it); if the writers then
   * hold more than the budget, the least recently written files with buffers roll, and this
   * waits for closes until memory is back within it.
   */
  async flush(): Promise<void> {
    const rolled = this.rolled;
    this.rolled = [];
    await this.startCloses(rolled);
    this.throwIfCloseFailed();
    const due = this.due;
    this.due = [];
    for (const p of due) {
      p.due = false;
      if (p.current && !p.busy && p.bufferedBytes >= this.flushThreshold) await this.writeOut(p);
    }
    if (this.held > this.bufferLimit) await this.writeOutLargest(this.bufferLimit / 2);
    let total = this.held + this.writerBytes;
    while (total > this.budget) {
      const victim = this.leastRecentlyWritten(null, true);
      if (victim !== null) {
        this.forcedRolls.memory++;
        this.rollNow(victim);
      } else if (this.closing.size === 0) {
        break; // nothing left to roll or wait for: what remains is the open parts' minimum
      } else {
        await Promise.race(this.closing);
      }
      this.throwIfCloseFailed();
      total = this.held + this.writerBytes;
    }
  }

  /** Write out the parts holding the most memory until the buffers hold at most `target`. */
  private async writeOutLargest(target: number): Promise<void> {
    const parts: InProgressPart[] = [];
    for (const b of this.buckets.values()) if (b.part !== null && b.part.memory > 0) parts.push(b.part);
    parts.sort((x, y) => y.memory - x.memory);
    for (const p of parts) {
      if (this.held <= target) break;
      if (p.current && !p.busy) await this.writeOut(p, true);
    }
  }

  /**
   * Close rolled files in the background (on HDFS and OSS a close is an upload) while the
   * pipeline goes on; at most closeConcurrency at once. Each close lands in its part's
   * generation, whose checkpoint awaits it.
   */
  private async startCloses(rolled: InProgressPart[]): Promise<void> {
    for (const part of rolled) {
      // a free slot as soon as any close ends (not the oldest): uploads take uneven times
      while (this.closing.size >= this.closeConcurrency) await Promise.race(this.closing);
      this.throwIfCloseFailed();
      if (!part.closing) this.trackClose(part); // else a bound closed it already (rollNow)
    }
  }

  private trackClose(part: InProgressPart): void {
    part.closing = true;
    const gen = part.gen!;
    let sealed!: () => void;
    gen.seals.push(new Promise<void>((r) => (sealed = r)));
    const c: Promise<void> = this.close(part, sealed)
      .catch((e: unknown) => {
        this.closeFailure ??= e;
        this.wake();
      })
      .finally(() => {
        sealed();
        this.closing.delete(c);
      });
    this.closing.add(c);
    gen.closes.push(c);
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
    this.pendingMax = this.pendingCap;
    const rolled = this.rolled;
    this.rolled = [];
    this.due = [];
    const gen = this.gen;
    this.gen = new Generation();
    return async () => {
      await this.startCloses(rolled);
      await Promise.all(gen.seals);
      this.throwIfCloseFailed();
      const durable = Promise.all(gen.closes).then(() => this.throwIfCloseFailed());
      durable.catch(() => {}); // the checkpoint awaits it
      return { pending: gen.pending, activity: gen.activity, durable };
    };
  }

  /** A checkpoint with nothing written meanwhile: barrier and snapshot at once, every file closed. */
  async snapshotState(): Promise<{ pending: PendingPart[]; activity: Map<string, PartitionActivity> }> {
    const { pending, activity, durable } = await this.beginSnapshot()();
    await durable;
    return { pending, activity };
  }

  /** Abort every open part file (shutdown without a checkpoint, e.g. when fenced). */
  async abort(): Promise<void> {
    const parts = [...this.rolled, ...[...this.buckets.values()].flatMap((b) => (b.part ? [b.part] : []))];
    await Promise.allSettled(this.closing);
    for (const p of parts) await p.writer?.abort().catch(() => {});
    // closed since the last barrier, never to be published (files handed to a checkpoint are
    // its business: its record may already reference them)
    for (const p of this.gen.pending) await this.o.storage.abortPending(p.file).catch(() => {});
    this.gen = new Generation();
    this.rolled = [];
    this.due = [];
    this.buckets.clear();
    this.open.clear();
    this.openCount = 0;
    this.held = 0;
  }
}
