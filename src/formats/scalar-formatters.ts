/**
 * Formatting of numbers and booleans, the same in CSV and JSON output (Jackson writes them the
 * same way in both): integers as digits, DOUBLE/FLOAT as Java's toString, DECIMAL plain.
 */
import type { RowValue } from '../api/types.ts';
import type { ColumnType } from './column-types.ts';
import { DecodeError, EncodeError } from './errors.ts';
import { formatJavaDouble, formatJavaFloat, parseDecimalText } from './values.ts';

export type Formatter = (v: RowValue) => string;

/** Integral text of an integer column's value (bigint, or a number from arithmetic). */
export function formatInteger(v: RowValue): string {
  if (typeof v === 'number' && !Number.isSafeInteger(v) && Number.isInteger(v)) return BigInt(v).toString();
  return `${v}`;
}

/** DECIMAL values are canonical text already; a number (from arithmetic) is laid out plain at the column's scale. */
export function decimalFormatter(t: ColumnType, name: string): Formatter {
  return (v) => {
    if (typeof v === 'string') return v;
    try {
      return parseDecimalText(typeof v === 'number' ? v.toPrecision(17) : `${v}`, t);
    } catch (e) {
      if (e instanceof DecodeError) throw new EncodeError(e.reason, name);
      throw e;
    }
  };
}

/** Number/boolean formatters shared with the JSON encoder; null for kinds written as text. */
export function scalarFormatter(t: ColumnType, name: string): Formatter | null {
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return formatInteger;
    case 'DOUBLE': return (v) => formatJavaDouble(Number(v));
    case 'FLOAT': return (v) => formatJavaFloat(Number(v));
    case 'DECIMAL': return decimalFormatter(t, name);
    case 'BOOLEAN': return (v) => (v ? 'true' : 'false');
    default: return null;
  }
}
