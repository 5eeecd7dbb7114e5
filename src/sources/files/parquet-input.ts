/**
 * Reading one Parquet input file for the files source, with the job's schema: columns are
 * found by name and their Parquet types checked against the schema's (a column missing or of
 * another type fails naming the file and the column), and rows are read a row group (at most
 * CHUNK_ROWS rows) at a time, by ranged reads of the storage, from any row: the source's
 * position in a Parquet file is the number of rows read, and a resume reads only the row
 * groups from that row on.
 *
 * Rows go on to the pipeline as JSON lines of the job's schema (the job's decoder for a
 * Parquet source is the JSON decoder, which checks ranges such as TINYINT and DECIMAL(p, s)
 * again): values keep their exact form (BIGINT, DECIMAL and TIMESTAMP never pass through a
 * double).
 */
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { Field } from '../../api/types.ts';
import { JobFailedError } from '../../errors.ts';
import { parseSchema, type ColumnType } from '../../formats/column-types.ts';
import { JsonEncoder } from '../../formats/json-encoder.ts';
import { compileJsonOptions } from '../../formats/options.ts';
import { fromParquet, type FromParquet } from '../../formats/parquet/parquet-values.ts';
import type { Storage } from '../../storage/types.ts';

/** Rows turned into lines per read: bounds the memory of one step whatever the row group size. */
const CHUNK_ROWS = 65_536;

/** Timestamps and dates as their stored counts: converted exactly (parquet-values.ts), never through a Date. */
const PARSERS = { timestampFromMilliseconds: (v: bigint) => v, timestampFromMicroseconds: (v: bigint) => v, timestampFromNanoseconds: (v: bigint) => v, dateFromDays: (v: number) => v };

const COMPRESSORS = {
  ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)),
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
};

/** A Storage file as hyparquet's random-access buffer: each slice is one ranged read. */
function storageBuffer(storage: Storage, path: string, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      const out = new Uint8Array(end - start);
      let at = 0;
      for await (const chunk of storage.readStream(path, start)) {
        const n = Math.min(chunk.length, out.length - at);
        out.set(chunk.subarray(0, n), at);
        at += n;
        if (at >= out.length) break;
      }
      if (at < out.length) throw new JobFailedError(`file ${path}: ended at byte ${start + at}, expected ${end} (changed while read?)`);
      return out.buffer;
    },
  };
}

function describe(e: SchemaElement): string {
  const l = e.logical_type;
  const ann = l?.type === 'INTEGER' ? `INT(${l.bitWidth})` : l?.type ?? e.converted_type;
  return ann === undefined ? String(e.type) : `${e.type} ${ann}`;
}

/** Does the file's column hold values of the schema's type? */
function compatible(e: SchemaElement, t: ColumnType): boolean {
  const l = e.logical_type?.type;
  const c = e.converted_type;
  const plainInt = (l === undefined || l === 'INTEGER') && (c === undefined || c.startsWith('INT_'));
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': return e.type === 'INT32' && plainInt;
    case 'BIGINT': return (e.type === 'INT64' || e.type === 'INT32') && plainInt;
    case 'FLOAT': case 'DOUBLE': return e.type === 'FLOAT' || e.type === 'DOUBLE';
    case 'BOOLEAN': return e.type === 'BOOLEAN';
    case 'STRING': return e.type === 'BYTE_ARRAY' && (l === 'STRING' || c === 'UTF8' || l === 'ENUM' || c === 'ENUM' || l === 'JSON' || c === 'JSON');
    case 'DATE': return e.type === 'INT32' && (l === 'DATE' || c === 'DATE');
    case 'DECIMAL': return c === 'DECIMAL' || l === 'DECIMAL';
    case 'TIMESTAMP': return e.type === 'INT96' || (e.type === 'INT64' && (l === 'TIMESTAMP' || c === 'TIMESTAMP_MILLIS' || c === 'TIMESTAMP_MICROS'));
  }
}

function unitOf(e: SchemaElement): 'MILLIS' | 'MICROS' | 'NANOS' {
  if (e.type === 'INT96') return 'NANOS';
  if (e.logical_type?.type === 'TIMESTAMP') return e.logical_type.unit;
  return e.converted_type === 'TIMESTAMP_MICROS' ? 'MICROS' : 'MILLIS';
}

/** A DECIMAL's unscaled value as stored: INT32/INT64 numbers, or big-endian two's complement bytes. */
function unscaledOf(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  const b = v as Uint8Array;
  let u = 0n;
  for (const byte of b) u = (u << 8n) | BigInt(byte);
  return b.length > 0 && b[0]! & 0x80 ? u - (1n << BigInt(8 * b.length)) : u;
}

export class ParquetInput {
  readonly #file: string;
  readonly #buffer: AsyncBuffer;
  readonly #metadata: FileMetaData;
  readonly #names: string[];
  readonly #convert: FromParquet[];
  readonly #encoder: JsonEncoder;
  readonly #rows: number;
  #next: number;

  private constructor(file: string, buffer: AsyncBuffer, metadata: FileMetaData, names: string[], convert: FromParquet[], encoder: JsonEncoder, start: number) {
    this.#file = file;
    this.#buffer = buffer;
    this.#metadata = metadata;
    this.#names = names;
    this.#convert = convert;
    this.#encoder = encoder;
    this.#rows = Number(metadata.num_rows);
    this.#next = start;
  }

  /** Open `file` to read from row `start` (the restored position), checking its columns against `schema`. */
  static async open(storage: Storage, file: string, schema: Field[], start: number): Promise<ParquetInput> {
    const size = (await storage.stat(file))?.size;
    if (size === undefined) throw new JobFailedError(`file ${file}: does not exist any more`);
    const buffer = storageBuffer(storage, file, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (e) {
      throw new JobFailedError(`file ${file}: not a readable Parquet file (${(e as Error).message})`);
    }
    const types = parseSchema(schema);
    const leaves = new Map(metadata.schema.slice(1).map((e) => [e.name, e]));
    const convert = schema.map((f, i) => {
      const e = leaves.get(f.name);
      const t = types[i]!;
      if (e === undefined) throw new JobFailedError(`file ${file}: has no column '${f.name}' of the source schema (its columns: ${[...leaves.keys()].join(', ')})`);
      if (e.num_children !== undefined && e.num_children > 0) throw new JobFailedError(`file ${file}: column '${f.name}' is a nested group; the schema says ${t.name}`);
      if (!compatible(e, t)) throw new JobFailedError(`file ${file}: column '${f.name}' is ${describe(e)} in the file; the schema says ${t.name}`);
      if (t.kind === 'DECIMAL') {
        // read the unscaled values raw: the library would scale them through a double
        delete e.converted_type;
        delete e.logical_type;
        return (v: unknown) => fromParquet(t, 'MILLIS')(unscaledOf(v)) as never;
      }
      return fromParquet(t, unitOf(e));
    });
    const all = schema.map((_, i) => i);
    const encoder = new JsonEncoder(compileJsonOptions({ type: 'json' }), schema.map((f) => f.name), types, all);
    return new ParquetInput(file, buffer, metadata, schema.map((f) => f.name), convert, encoder, start);
  }

  /** The next rows (at most one row group, at most CHUNK_ROWS) as JSON lines, or null at the end. */
  async next(): Promise<string[] | null> {
    if (this.#next >= this.#rows) return null;
    let groupEnd = 0;
    for (const g of this.#metadata.row_groups) {
      groupEnd += Number(g.num_rows);
      if (groupEnd > this.#next) break;
    }
    const rowEnd = Math.min(groupEnd, this.#next + CHUNK_ROWS);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: this.#buffer, metadata: this.#metadata, columns: this.#names, rowStart: this.#next, rowEnd, compressors: COMPRESSORS, parsers: PARSERS });
    } catch (e) {
      if (e instanceof JobFailedError) throw e;
      throw new JobFailedError(`file ${this.#file}: rows ${this.#next}..${rowEnd}: cannot be read (${(e as Error).message})`);
    }
    this.#next = rowEnd;
    const names = this.#names;
    const convert = this.#convert;
    const row = new Array(names.length);
    return rows.map((r) => {
      for (let j = 0; j < names.length; j++) {
        const v = r[names[j]!];
        row[j] = v === null || v === undefined ? null : convert[j]!(v);
      }
      return this.#encoder.encode(row).slice(0, -1);
    });
  }
}
