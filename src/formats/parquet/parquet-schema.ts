/**
 * Sluice column types → Parquet schema elements, as Flink's ParquetSchemaConverter maps them:
 * TINYINT/SMALLINT/INT → INT32 with the signed int logical type of that width, BIGINT → INT64,
 * FLOAT, DOUBLE, DECIMAL(p, s) → DECIMAL on INT32 (p ≤ 9), INT64 (p ≤ 18) or the smallest
 * FIXED_LEN_BYTE_ARRAY, BOOLEAN, STRING/VARCHAR/CHAR → BYTE_ARRAY UTF8, DATE → INT32 DATE.
 * TIMESTAMP(p) → INT64 TIMESTAMP in MILLIS (p ≤ 3), MICROS (p ≤ 6) or NANOS: Flink's
 * `parquet.write.int64.timestamp` layout (its default is the deprecated INT96, which the
 * Parquet spec and Spark/DuckDB/Trino read as legacy; see docs/flink-options.md).
 * Every column is OPTIONAL: NULL is a value of every SQL type.
 */
import type { SchemaElement } from 'hyparquet';
import type { ColumnType } from '../column-types.ts';

export type TimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';

export function timestampUnit(t: ColumnType): TimeUnit {
  return t.fractionDigits <= 3 ? 'MILLIS' : t.fractionDigits <= 6 ? 'MICROS' : 'NANOS';
}

/** Bytes a two's complement unscaled value of `precision` digits needs (Flink's computeMinBytesForDecimalPrecision). */
export function decimalBytes(precision: number): number {
  let n = 1;
  while (2 ** (8 * n - 1) < 10 ** precision) n++;
  return n;
}

export function schemaElement(name: string, t: ColumnType, utc: boolean): SchemaElement {
  const e = { name, repetition_type: 'OPTIONAL' } as SchemaElement;
  // The int logical type as its ConvertedType (INT_8 ≡ IntType(8, signed) in the Parquet spec):
  // the library's LogicalType INTEGER encoding is refused by DuckDB (TProtocolException), the
  // converted type is read as TINYINT/SMALLINT/INTEGER by DuckDB, Spark and pyarrow alike.
  const int = (ctype: SchemaElement['converted_type']): SchemaElement => ({ ...e, type: 'INT32', converted_type: ctype });
  switch (t.kind) {
    case 'TINYINT': return int('INT_8');
    case 'SMALLINT': return int('INT_16');
    case 'INT': return int('INT_32');
    case 'BIGINT': return { ...e, type: 'INT64' };
    case 'FLOAT': return { ...e, type: 'FLOAT' };
    case 'DOUBLE': return { ...e, type: 'DOUBLE' };
    case 'BOOLEAN': return { ...e, type: 'BOOLEAN' };
    case 'STRING': return { ...e, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'DATE': return { ...e, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'DECIMAL': {
      const d = { ...e, converted_type: 'DECIMAL', precision: t.precision, scale: t.scale, logical_type: { type: 'DECIMAL', precision: t.precision, scale: t.scale } } as SchemaElement;
      if (t.precision <= 9) return { ...d, type: 'INT32' };
      if (t.precision <= 18) return { ...d, type: 'INT64' };
      return { ...d, type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalBytes(t.precision) };
    }
    case 'TIMESTAMP': {
      const unit = timestampUnit(t);
      const ctype = unit === 'MILLIS' ? 'TIMESTAMP_MILLIS' : unit === 'MICROS' ? 'TIMESTAMP_MICROS' : undefined;
      return { ...e, type: 'INT64', ...(ctype && utc ? { converted_type: ctype } : {}), logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit } } as SchemaElement;
    }
  }
}
