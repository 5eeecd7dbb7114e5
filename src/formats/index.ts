/**
 * The formats of Sluice: Flink's `csv` and `json`, as batch decoders (source side) and line
 * encoders (sink side). Options and schema are checked here, once, so a bad job fails at
 * start with an error naming the option, never half way through the data.
 */
import type { Field, Format } from '../api/types.ts';
import type { Decoder, Encoder } from './codec.ts';
import { parseSchema } from './column-types.ts';
import { CsvDecoder } from './csv-decoder.ts';
import { CsvEncoder } from './csv-encoder.ts';
import { FormatOptionsError } from './errors.ts';
import { JsonDecoder } from './json-decoder.ts';
import { JsonEncoder } from './json-encoder.ts';
import { compileCsvOptions, compileJsonOptions } from './options.ts';

export type { Decoder, Encoder } from './codec.ts';
export { DecodeError, EncodeError, FormatOptionsError } from './errors.ts';

function unknownFormat(format: Format): never {
  if (format.type === 'parquet') throw new FormatOptionsError('format.type', 'parquet is a bulk format: the sink writes it through createPartFormat (part-format.ts), not a line encoder');
  throw new FormatOptionsError('format.type', `must be csv, json or parquet, got ${JSON.stringify((format as { type?: unknown }).type)}`);
}

export function createDecoder(format: Format, schema: Field[]): Decoder {
  const types = parseSchema(schema);
  const names = schema.map((f) => f.name);
  if (format.type === 'csv') return new CsvDecoder(compileCsvOptions(format), names, types);
  if (format.type === 'json') return new JsonDecoder(compileJsonOptions(format), names, types);
  // The file source hands Parquet rows on as JSON lines of the job's schema (sources/files/parquet-input.ts).
  if (format.type === 'parquet') return new JsonDecoder(compileJsonOptions({ type: 'json' }), names, types);
  return unknownFormat(format);
}

/** `columns`: indexes into `schema` of the columns written to the file body, in output order. */
export function createEncoder(format: Format, schema: Field[], columns: number[]): Encoder {
  const types = parseSchema(schema);
  const names = schema.map((f) => f.name);
  columns.forEach((c, j) => {
    if (!Number.isInteger(c) || c < 0 || c >= schema.length) {
      throw new FormatOptionsError(`columns[${j}]`, `is ${c}, not a column of the ${schema.length}-column schema`);
    }
  });
  if (format.type === 'csv') return new CsvEncoder(compileCsvOptions(format), names, types, columns);
  if (format.type === 'json') return new JsonEncoder(compileJsonOptions(format), names, types, columns);
  return unknownFormat(format);
}
