/**
 * Rows → one Parquet part file, Flink's BulkWriter roles: `addElement` buffers a row column by
 * column, `flush` encodes the buffered rows as one row group and hands back its bytes (to be
 * written to storage at once), `finish` adds the footer. The file sink calls `flush` when the
 * part's buffered bytes reach the row group size or the sink's memory budget is spent, so row
 * groups are bounded in memory however many partitions are open.
 *
 * `bufferedBytes` estimates the row group's encoded, uncompressed size: 4 or 8 bytes per
 * number, a string's UTF-16 length (≈ UTF-8 bytes for most text) plus its 4-byte length, 1 per
 * boolean, plus 1 per value for the definition level. The sink rolls by it (Flink's bulk
 * formats roll by the in-progress size the same way).
 */
import type { Row } from '../../api/types.ts';
import type { ColumnType } from '../column-types.ts';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { CompressionCodec, SchemaElement } from 'hyparquet';
import { constants, gzipSync, zstdCompressSync } from 'node:zlib';
import { schemaElement } from './parquet-schema.ts';
import { toParquet, type ToParquet } from './parquet-values.ts';

export interface BulkWriter {
  /** Buffer one row; returns the bytes this added to `bufferedBytes`. */
  addElement(row: Row): number;
  readonly bufferedBytes: number;
  /** The buffered rows as encoded bytes (a row group), ready for storage; may be empty. */
  flush(): Uint8Array;
  /** The rest and the file's footer: the file is complete after these bytes. */
  finish(): Uint8Array;
}

export interface BulkWriterFactory {
  create(): BulkWriter;
}

export interface ParquetWriterOptions {
  compression: 'snappy' | 'zstd' | 'gzip' | 'none';
  pageSizeBytes: number;
  dictionary: boolean;
  utcTimezone: boolean;
}

const CODECS: Record<ParquetWriterOptions['compression'], CompressionCodec> = { snappy: 'SNAPPY', zstd: 'ZSTD', gzip: 'GZIP', none: 'UNCOMPRESSED' };

/** Node's zlib for the page codecs beyond the library's built-in snappy (zstd level 3, gzip level 6: Parquet-MR's defaults). */
const COMPRESSORS = {
  ZSTD: (b: Uint8Array) => new Uint8Array(zstdCompressSync(b, { params: { [constants.ZSTD_c_compressionLevel]: 3 } })),
  GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)),
};

/** Kinds whose row value (a number or boolean) is the stored value. */
const AS_IS = new Set<ColumnType['kind']>(['TINYINT', 'SMALLINT', 'INT', 'FLOAT', 'DOUBLE', 'BOOLEAN']);

const WIDTH: Partial<Record<ColumnType['kind'], number>> = { TINYINT: 4, SMALLINT: 4, INT: 4, DATE: 4, FLOAT: 4, BIGINT: 8, DOUBLE: 8, TIMESTAMP: 8, BOOLEAN: 1 };

/** Flink's ParquetWriterFactory for one sink: the body columns' schema, compiled once. */
export class ParquetWriterFactory implements BulkWriterFactory {
  readonly schema: SchemaElement[];
  readonly names: string[];
  readonly types: ColumnType[];
  /** Per column: the conversion to the stored value, or null where the row value is stored as it is (numbers, booleans). */
  readonly convert: Array<ToParquet | null>;
  /** Per column: estimated bytes of a value with its definition level, or 0 for strings (5 + length). */
  readonly widths: number[];
  readonly columns: number[];
  readonly opts: ParquetWriterOptions;

  constructor(names: string[], types: ColumnType[], columns: number[], opts: ParquetWriterOptions) {
    this.columns = columns.slice();
    this.names = columns.map((c) => names[c]!);
    this.types = columns.map((c) => types[c]!);
    this.convert = this.types.map((t) => (AS_IS.has(t.kind) ? null : toParquet(t)));
    this.widths = this.types.map((t) => (t.kind === 'STRING' ? 0 : t.kind === 'DECIMAL' ? 17 : 1 + WIDTH[t.kind]!));
    this.opts = opts;
    this.schema = [{ name: 'root', num_children: columns.length } as SchemaElement, ...this.types.map((t, j) => schemaElement(this.names[j]!, t, opts.utcTimezone))];
  }

  create(): BulkWriter {
    return new ParquetBulkWriter(this);
  }
}

class ParquetBulkWriter implements BulkWriter {
  readonly #f: ParquetWriterFactory;
  readonly #out = new ByteWriter();
  readonly #pw: ParquetWriter;
  #data: unknown[][];
  bufferedBytes = 0;

  constructor(f: ParquetWriterFactory) {
    this.#f = f;
    this.#pw = new ParquetWriter({ writer: this.#out, schema: f.schema, codec: CODECS[f.opts.compression], compressors: COMPRESSORS, createdBy: 'sluice' });
    this.#data = f.columns.map(() => []);
  }

  addElement(row: Row): number {
    const { columns, convert, widths } = this.#f;
    const data = this.#data;
    let n = 0;
    for (let j = 0; j < columns.length; j++) {
      const v = row[columns[j]!];
      if (v === null || v === undefined) {
        data[j]!.push(null);
        n += 1;
        continue;
      }
      const c = convert[j];
      data[j]!.push(c === null ? v : c!(v));
      const w = widths[j]!;
      n += w > 0 ? w : 5 + (v as string).length;
    }
    this.bufferedBytes += n;
    return n;
  }

  /** The bytes the writer produced since the last take; its buffer starts over (`offset` keeps counting the file). */
  #take(): Uint8Array {
    const bytes = this.#out.getBytes().slice();
    this.#out.index = 0;
    return bytes;
  }

  flush(): Uint8Array {
    const rows = this.#data[0]?.length ?? 0;
    if (rows > 0) {
      const { names, opts } = this.#f;
      this.#pw.write({
        columnData: names.map((name, j) => ({ name, data: this.#data[j]!, encoding: opts.dictionary ? undefined : 'PLAIN' })),
        rowGroupSize: rows,
        pageSize: opts.pageSizeBytes,
      });
      this.#data = this.#f.columns.map(() => []);
    }
    this.bufferedBytes = 0;
    return this.#take();
  }

  finish(): Uint8Array {
    const last = this.flush();
    this.#pw.finish();
    const footer = this.#take();
    if (last.length === 0) return footer;
    const all = new Uint8Array(last.length + footer.length);
    all.set(last, 0);
    all.set(footer, last.length);
    return all;
  }
}
