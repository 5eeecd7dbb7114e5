/**
 * Bounded file source: a file or a directory (every visible file below it, sorted by path), on
 * any Storage. Runner i of N reads the files whose sorted index j has j % N == i.
 *
 * Position (file-position.ts): the files read to the end, the current file and the byte offset
 * and line of its next unread record, and where to resume files other runners left half-read.
 * Reading resumes with a ranged read at the offset, so a restore never re-reads a record, and a
 * parallelism change (mergePositions) neither re-reads nor skips a file.
 */
import type { FileVersion, Storage } from '../../storage/types.ts';
import type { RawBatch, SourceMetrics, SplitAssignment, SplitReader } from '../types.ts';
import { SluiceError } from '../../errors.ts';
import { isUtf8 } from 'node:buffer';
import type { Field } from '../../api/types.ts';
import { hasControlBytes } from '../../formats/control-bytes.ts';
import { codecOfPath, decompressedStream } from '../../formats/compression/index.ts';
import { invalidUtf8Lines, invalidUtf8Of, type InvalidUtf8 } from '../../formats/invalid-utf8.ts';
import { ParquetInput } from './parquet-input.ts';
import { checkInputs, isV2, mergeFilePositions, resolvePosition, type FilePosition, type FilePositionV2, type ResumeAt } from './file-position.ts';

export type { FilePosition } from './file-position.ts';

interface Cursor extends ResumeAt {
  file: string | null;
}

const NL = 10;

function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/** Every visible file at or below `root`, sorted, with its version (size, mtime, ETag). */
export async function listInputs(storage: Storage, root: string): Promise<Map<string, FileVersion>> {
  const st = await storage.stat(root);
  if (st === null) throw new SluiceError(`spec.source.files.path: ${root} does not exist`);
  const found: Array<[string, FileVersion]> = [];
  const version = (v: FileVersion): FileVersion => ({ size: v.size, ...(v.modifiedMs !== undefined ? { modifiedMs: v.modifiedMs } : {}), ...(v.etag !== undefined ? { etag: v.etag } : {}) });
  if (!st.isDirectory) found.push([root, version(st)]);
  const walk = async (dir: string): Promise<void> => {
    for (const e of await storage.list(dir)) {
      if (isHidden(e.name)) continue;
      if (e.isDirectory) await walk(e.path);
      else found.push([e.path, version(e)]);
    }
  };
  if (st.isDirectory) await walk(root);
  return new Map(found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Every visible file at or below `root`, sorted. */
export async function listInputFiles(storage: Storage, root: string): Promise<string[]> {
  return [...(await listInputs(storage, root)).keys()];
}

/**
 * What the reader knows of the format. `header`: each file's first line is a header, handed to
 * this check (which throws naming the file and column) and skipped. `parquet`: the files are
 * Parquet, read with this schema (parquet-input.ts); the position's `offset` then counts rows.
 * Inputs named `.gz` / `.zst` are decompressed whatever the format says; there `offset`
 * counts decompressed bytes (compression/decompressed-stream.ts: how they resume).
 */
export interface FileSourceOptions {
  header?: (line: string, file: string) => void;
  parquet?: Field[];
}

interface LineBlock {
  lines: string[];
  next: number;
  ascii: boolean;
  /** No line holds a byte below 0x20 (RawBatch.noControlChars). */
  noControlChars: boolean;
  /** Parquet rows: the position's offset counts rows, not bytes. */
  rows?: boolean;
  /** Lines that are not UTF-8, by index in `lines` (RawBatch.invalidUtf8). */
  invalid: Map<number, InvalidUtf8> | null;
}

/** The UTF-8 byte order mark. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export class FileSplitReader implements SplitReader {
  private readonly storage: Storage;
  private readonly root: string;
  private readonly split: SplitAssignment;
  private files: string[] = [];
  private fileIdx = 0;
  private pos: Cursor = { file: null, offset: 0, line: 1 };
  /** Files read to the end, by this runner or (carried) by any other. */
  private done = new Set<string>();
  /** Half-read files: where to resume them (this runner's, when it reaches them; others', carried). */
  private partial = new Map<string, ResumeAt>();
  /** Every input file's version as read (position `inputs`). */
  private readonly versions = new Map<string, FileVersion>();
  private iter: AsyncIterator<Uint8Array> | null = null;
  private carry: Buffer = Buffer.alloc(0);
  private block: LineBlock | null = null;
  private eofOfFile = false;
  /** The stream began at byte 0 and no byte has been looked at yet: a BOM may come. */
  private atFileStart = false;
  private totalBytes = 0;
  private doneBytes = 0;
  private readonly opts: FileSourceOptions;
  private parquet: ParquetInput | null = null;
  /** Stored sizes, for the lag metric: a compressed or Parquet file counts as read when it is done (its position is not in stored bytes). */
  private readonly sizes = new Map<string, number>();

  constructor(storage: Storage, root: string, split: SplitAssignment, options: FileSourceOptions = {}) {
    this.storage = storage;
    this.root = root;
    this.split = split;
    this.opts = options;
  }

  async open(restored: unknown): Promise<void> {
    const versions = await listInputs(this.storage, this.root);
    checkInputs(restored as FilePosition | undefined, versions, (f) => this.isPlain(f));
    const all = [...versions.keys()];
    this.files = all.filter((_, j) => j % this.split.parallelism === this.split.index);
    ({ done: this.done, partial: this.partial } = resolvePosition(restored as FilePosition | undefined, this.files, all));
    // versions as read: carried for files read before (by any runner), as listed now for the rest
    const carried = restored !== undefined && isV2(restored as FilePosition) ? ((restored as FilePositionV2).inputs ?? {}) : {};
    for (const [f, v] of versions) this.versions.set(f, carried[f] ?? v);
    for (const f of this.files) {
      const size = versions.get(f)?.size ?? 0;
      this.sizes.set(f, size);
      this.totalBytes += size;
      if (this.done.has(f)) this.doneBytes += size;
      else if (this.isPlain(f)) this.doneBytes += this.partial.get(f)?.offset ?? 0;
    }
    this.fileIdx = -1;
    this.advanceFile();
  }

  mergePositions(positions: unknown[]): FilePosition {
    return mergeFilePositions(positions);
  }

  /** The next rows of a Parquet file, as one block of lines; false at its end. */
  private async nextRows(schema: Field[]): Promise<boolean> {
    this.parquet ??= await ParquetInput.open(this.storage, this.pos.file!, schema, this.pos.offset);
    const lines = await this.parquet.next();
    if (lines === null) {
      this.eofOfFile = true;
      return false;
    }
    this.block = { lines, next: 0, ascii: false, noControlChars: false, rows: true, invalid: null };
    return true;
  }

  private async nextChunk(): Promise<boolean> {
    if (this.opts.parquet !== undefined) return this.nextRows(this.opts.parquet);
    if (this.iter === null) {
      const file = this.pos.file!;
      const codec = codecOfPath(file);
      const bytes = codec === null ? this.storage.readStream(file, this.pos.offset) : decompressedStream(this.storage.readStream(file, 0), codec, this.pos.offset, file);
      this.atFileStart = this.pos.offset === 0;
      this.iter = bytes[Symbol.asyncIterator]();
    }
    const r = await this.iter.next();
    if (r.done) {
      this.eofOfFile = true;
      if (this.carry.length > 0) {
        // last line without a trailing newline
        const last = this.carry;
        const text = last.toString('utf8');
        const bad = isUtf8(last) ? null : invalidUtf8Of(last, 0, last.length);
        this.block = {
          lines: [text], next: 0, ascii: bad === null && text.length === last.length,
          noControlChars: !hasControlBytes(last, 0, last.length), invalid: bad === null ? null : new Map([[0, bad]]),
        };
        this.carry = Buffer.alloc(0);
        return true;
      }
      return false;
    }
    // A view, not a copy: each input byte is copied only by the UTF-8 decode below.
    let buf = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    if (this.atFileStart) {
      const seen = this.carry.length === 0 ? buf : Buffer.concat([this.carry, buf]);
      if (seen.length < BOM.length && BOM.subarray(0, seen.length).equals(seen)) {
        this.carry = seen; // too short to tell yet
        return this.nextChunk();
      }
      this.atFileStart = false;
      this.carry = Buffer.alloc(0);
      buf = seen;
      if (buf.subarray(0, BOM.length).equals(BOM)) {
        // A byte order mark is not data (Excel and Notepad write one): skipped, and counted in
        // the offset so a restore resumes at the same byte.
        buf = buf.subarray(BOM.length);
        this.pos.offset += BOM.length;
        this.doneBytes += BOM.length;
      }
    }
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      this.carry = Buffer.concat([this.carry, buf]);
      return this.nextChunk();
    }
    // The line the previous chunk began is finished by this chunk's first line; only that
    // short piece is joined, never the whole chunk.
    const first = this.carry.length === 0 ? -1 : buf.indexOf(NL);
    const head = first < 0 ? null : Buffer.concat([this.carry, buf.subarray(0, first)]);
    const text = buf.toString('utf8', first + 1, last);
    let ascii = text.length === last - first - 1;
    let lines: string[];
    if (head === null) {
      lines = text.split('\n');
    } else {
      const headText = head.toString('utf8');
      ascii &&= headText.length === head.length;
      lines = first === last ? [headText] : text.split('\n');
      if (first !== last) lines.unshift(headText);
    }
    // one pass over the bytes, four at a time, spares the decoder a check per record
    const noControlChars = !hasControlBytes(buf, first + 1, last) && (head === null || !hasControlBytes(head, 0, head.length));
    // One native pass (simdutf) says whether the bytes are UTF-8; only if not are the bad lines found.
    let invalid: Map<number, InvalidUtf8> | null = null;
    const headBad = head === null || isUtf8(head) ? null : invalidUtf8Of(head, 0, head.length);
    if (headBad !== null) invalid = new Map([[0, headBad]]);
    if (first !== last && !isUtf8(buf.subarray(first + 1, last))) {
      invalid ??= new Map();
      const shift = head === null ? 0 : 1;
      for (const [i, bad] of invalidUtf8Lines(buf, first + 1, last)) invalid.set(i + shift, bad);
    }
    if (invalid !== null) ascii = false; // each bad byte became one char: the lengths prove nothing
    this.carry = Buffer.from(buf.subarray(last + 1));
    this.block = { lines, next: 0, ascii, noControlChars, invalid };
    return true;
  }

  /** Does the position in `file` count its stored bytes (not rows or decompressed bytes)? */
  private isPlain(file: string): boolean {
    return this.opts.parquet === undefined && codecOfPath(file) === null;
  }

  /** The current file is read (if any): on to the next of this runner's files not done yet. */
  private advanceFile(): void {
    if (this.pos.file !== null) {
      if (!this.isPlain(this.pos.file)) this.doneBytes += this.sizes.get(this.pos.file) ?? 0;
      this.done.add(this.pos.file);
      this.partial.delete(this.pos.file);
    }
    do this.fileIdx++;
    while (this.fileIdx < this.files.length && this.done.has(this.files[this.fileIdx]!));
    this.iter = null;
    this.parquet = null;
    this.eofOfFile = false;
    this.carry = Buffer.alloc(0);
    const file = this.files[this.fileIdx] ?? null;
    const at = file === null ? undefined : this.partial.get(file);
    this.pos = { file, offset: at?.offset ?? 0, line: at?.line ?? 1 };
  }

  async poll(maxRecords: number): Promise<RawBatch | null> {
    for (;;) {
      if (this.fileIdx >= this.files.length) return null;
      const b = this.block;
      if (b !== null && b.next < b.lines.length && this.pos.line === 1 && this.opts.header !== undefined) {
        // the file's header line: checked, counted in the position, never a record
        const header = b.lines[b.next++]!;
        this.opts.header(header, this.pos.file!);
        const bytes = Buffer.byteLength(header) + 1;
        this.pos.offset += bytes;
        this.pos.line += 1;
        if (this.isPlain(this.pos.file!)) this.doneBytes += bytes;
        continue;
      }
      if (b !== null && b.next < b.lines.length) {
        const end = Math.min(b.lines.length, b.next + maxRecords);
        const values = b.next === 0 && end === b.lines.length ? b.lines : b.lines.slice(b.next, end);
        let bytes = 0;
        if (b.rows === true) bytes = values.length;
        else if (b.ascii) for (const v of values) bytes += v.length + 1;
        else for (const v of values) bytes += Buffer.byteLength(v) + 1;
        let invalidUtf8: Map<number, InvalidUtf8> | undefined;
        if (b.invalid !== null) {
          for (const [k, bad] of b.invalid) {
            if (k < b.next || k >= end) continue;
            (invalidUtf8 ??= new Map()).set(k - b.next, bad);
            // the offset counts bytes as read, not the U+FFFD the decode put in their place
            bytes += bad.rawBytes - Buffer.byteLength(b.lines[k]!);
          }
        }
        b.next = end;
        const file = this.pos.file!;
        const firstLine = this.pos.line;
        this.pos.offset += bytes;
        this.pos.line += values.length;
        if (this.isPlain(file)) this.doneBytes += bytes;
        if (b.next >= b.lines.length) this.block = null;
        const batch: RawBatch = { values, describe: (i: number) => `file ${file} line ${firstLine + i}`, noControlChars: b.noControlChars };
        if (invalidUtf8 !== undefined) batch.invalidUtf8 = invalidUtf8;
        return batch;
      }
      this.block = null;
      if (this.eofOfFile || !(await this.nextChunk())) {
        this.advanceFile();
      }
    }
  }

  position(): FilePositionV2 {
    // A last line without newline was counted one byte long; clamp is harmless because the
    // next read starts at EOF either way.
    const partial: Record<string, ResumeAt> = {};
    for (const [f, at] of this.partial) if (f !== this.pos.file) partial[f] = at;
    const done = [...this.done].sort();
    const inputs: Record<string, FileVersion> = {};
    for (const f of [...done, ...Object.keys(partial), ...(this.pos.file === null ? [] : [this.pos.file])]) {
      const v = this.versions.get(f);
      if (v !== undefined) inputs[f] = v;
    }
    return { version: 3, done, partial, ...this.pos, inputs };
  }

  async notifyCheckpointComplete(): Promise<void> {}

  metrics(): SourceMetrics {
    return {
      lag: undefined,
      splits: [{ id: this.pos.file ?? '(done)', position: `line ${this.pos.line}`, lag: this.totalBytes - this.doneBytes }],
    };
  }

  async close(): Promise<void> {
    await this.iter?.return?.();
  }
}
