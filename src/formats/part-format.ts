/**
 * How the file sink writes a format: a line encoder (CSV, JSON) with its header and stream
 * codec, or a bulk writer (Parquet), and the extension the part files get (`.gz`, `.zst`,
 * `.parquet`, after the sink's `partSuffix`), so Hadoop, Spark, Hive and DuckDB pick the codec
 * and format by name.
 */
import type { Field, Format } from '../api/types.ts';
import { FLINK_DEFAULTS as D } from '../api/flink-defaults.ts';
import { parseMemorySize } from '../api/memory-size.ts';
import type { Encoder } from './codec.ts';
import { parseSchema } from './column-types.ts';
import { EXTENSIONS, streamCodecOf, type StreamCodec } from './compression/index.ts';
import { FormatOptionsError } from './errors.ts';
import { createEncoder } from './index.ts';
import { ParquetWriterFactory, type BulkWriterFactory } from './parquet/parquet-bulk-writer.ts';

export interface PartFormat {
  /** Line formats: rows → lines. */
  encoder?: Encoder;
  /** Bulk formats: rows → row groups. */
  bulk?: BulkWriterFactory;
  header?: string;
  compression: StreamCodec | null;
  extension: string;
  /** Bulk formats: a part's buffered bytes written as a row group when they reach this. */
  flushThreshold?: number;
  /** Bulk formats: buffered row groups written out (largest first) when the sink's estimate passes this. */
  bufferLimit?: number;
}

/**
 * The sink's memory budget for buffered Parquet rows (the writer's estimate of their encoded
 * size; the JS arrays holding them take about 1.5-2x that). Row groups close at the smaller of
 * `rowGroupSize` and this, however many partitions are open. `npm run bench` (formats, seed
 * shape, 5M rows): 32 MiB held every row until the checkpoint, 686k records/s, 339 MB peak RSS;
 * 8 MiB: 1.01M records/s, 300 MB.
 */
export const PARQUET_MEMORY_BUDGET = 8 << 20;

const PARQUET_COMPRESSIONS = ['snappy', 'zstd', 'gzip', 'none'];

function size(value: number | string | undefined, fallback: string, option: string): number {
  try {
    return parseMemorySize(value ?? fallback, `format.${option}`);
  } catch (e) {
    throw new FormatOptionsError(`format.${option}`, (e as Error).message);
  }
}

/** `columns`: indexes into `schema` of the columns written to the file body (partition columns left out). */
export function createPartFormat(format: Format, schema: Field[], columns: number[]): PartFormat {
  if (format.type !== 'parquet') {
    const encoder = createEncoder(format, schema, columns);
    const compression = streamCodecOf(format);
    return { encoder, ...(encoder.header === undefined ? {} : { header: encoder.header }), compression, extension: compression === null ? '' : EXTENSIONS[compression] };
  }
  const compression = format.compression ?? D.parquetCompression;
  if (!PARQUET_COMPRESSIONS.includes(compression)) {
    throw new FormatOptionsError('format.compression', `must be snappy, zstd, gzip or none for parquet, got ${JSON.stringify(compression)}`);
  }
  const types = parseSchema(schema);
  const rowGroup = size(format.rowGroupSize, D.parquetRowGroupSize, 'rowGroupSize');
  const bulk = new ParquetWriterFactory(schema.map((f) => f.name), types, columns, {
    compression,
    pageSizeBytes: size(format.pageSize, D.parquetPageSize, 'pageSize'),
    dictionary: format.dictionary ?? true,
    utcTimezone: format.utcTimezone ?? false,
  });
  return { bulk, compression: null, extension: '.parquet', flushThreshold: Math.min(rowGroup, PARQUET_MEMORY_BUDGET), bufferLimit: PARQUET_MEMORY_BUDGET };
}
