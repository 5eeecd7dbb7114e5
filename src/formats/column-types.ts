/**
 * Column types as the formats see them: the schema's `type` text (`INT`, `DECIMAL(10, 2)`,
 * `TIMESTAMP(3)`, `VARCHAR(20)`) resolved once, when a decoder or encoder is created, so the
 * per-record code only switches on a small kind.
 */
import type { Field } from '../api/types.ts';
import { FormatOptionsError } from './errors.ts';

export type ColumnKind =
  | 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT'
  | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'BOOLEAN' | 'STRING' | 'DATE' | 'TIMESTAMP';

export interface ColumnType {
  kind: ColumnKind;
  /** How the type reads in messages: `INT`, `DECIMAL(5, 2)`, `TIMESTAMP(3)`. */
  name: string;
  /** DECIMAL: total digits (Flink's default 10). */
  precision: number;
  /** DECIMAL: digits after the point (default 0). */
  scale: number;
  /** TIMESTAMP: fraction digits kept. 9 when the type has no precision (keep what the data has, like Flink's TimestampData). */
  fractionDigits: number;
  /** Integer kinds: inclusive range as numbers (BIGINT uses bigint bounds in values.ts). */
  min: number;
  max: number;
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
};

/** Type names as written in schemas, to the kind the formats handle. */
const KIND_OF: Record<string, ColumnKind> = {
  TINYINT: 'TINYINT', SMALLINT: 'SMALLINT', INT: 'INT', INTEGER: 'INT', BIGINT: 'BIGINT',
  FLOAT: 'FLOAT', DOUBLE: 'DOUBLE', DECIMAL: 'DECIMAL',
  BOOLEAN: 'BOOLEAN', STRING: 'STRING', VARCHAR: 'STRING', CHAR: 'STRING',
  DATE: 'DATE', TIMESTAMP: 'TIMESTAMP',
};

const TYPE_RE = /^\s*([A-Za-z]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/;

/** Resolve `schema[index].type`; the error names that field of the IngestJob. */
export function parseColumnType(field: Field, index: number): ColumnType {
  const where = `schema[${index}].type`;
  const m = TYPE_RE.exec(field.type);
  const kind = m ? KIND_OF[m[1].toUpperCase()] : undefined;
  if (!m || kind === undefined) {
    throw new FormatOptionsError(where, `'${field.type}' of field '${field.name}' is not a supported type (${Object.keys(KIND_OF).join(', ')})`);
  }
  const p = m[2] === undefined ? undefined : Number(m[2]);
  const s = m[3] === undefined ? undefined : Number(m[3]);
  const t: ColumnType = { kind, name: kind, precision: 0, scale: 0, fractionDigits: 9, min: 0, max: 0 };
  const range = INTEGER_RANGES[kind];
  if (range) [t.min, t.max] = range;
  if (kind === 'DECIMAL') {
    t.precision = p ?? 10;
    t.scale = s ?? 0;
    if (t.precision < 1 || t.precision > 38 || t.scale > t.precision) {
      throw new FormatOptionsError(where, `'${field.type}' of field '${field.name}': DECIMAL needs 1 <= precision <= 38 and 0 <= scale <= precision`);
    }
    t.name = `DECIMAL(${t.precision}, ${t.scale})`;
  } else if (kind === 'TIMESTAMP') {
    if (p !== undefined) {
      if (p > 9 || s !== undefined) throw new FormatOptionsError(where, `'${field.type}' of field '${field.name}': TIMESTAMP precision must be 0..9`);
      t.fractionDigits = p;
      t.name = `TIMESTAMP(${p})`;
    }
  } else if (s !== undefined || (p !== undefined && kind !== 'STRING')) {
    // VARCHAR(n)/CHAR(n) carry a length the formats do not enforce (Flink's formats do not either).
    throw new FormatOptionsError(where, `'${field.type}' of field '${field.name}': ${kind} takes no precision`);
  }
  return t;
}

/** Resolve a whole schema, rejecting duplicate column names (a JSON key or CSV header could not tell them apart). */
export function parseSchema(schema: Field[]): ColumnType[] {
  const seen = new Set<string>();
  return schema.map((f, i) => {
    if (typeof f.name !== 'string' || f.name === '') throw new FormatOptionsError(`schema[${i}].name`, 'must be a non-empty string');
    if (seen.has(f.name)) throw new FormatOptionsError(`schema[${i}].name`, `'${f.name}' appears twice`);
    seen.add(f.name);
    return parseColumnType(f, i);
  });
}
