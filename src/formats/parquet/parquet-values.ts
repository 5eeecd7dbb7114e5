/**
 * Row values (RowValue, api/types.ts) ⇄ the primitive values a Parquet column stores. DATE is
 * `yyyy-MM-dd` ⇄ days since 1970-01-01; TIMESTAMP is `yyyy-MM-dd HH:mm:ss[.fffffffff]` (a
 * local date-time, no zone) ⇄ an int64 count of the column's unit since the epoch, computed
 * as UTC so no zone of the writing machine leaks in; DECIMAL is its canonical text ⇄ the
 * unscaled bigint. Integer kinds and FLOAT/DOUBLE are numbers, BIGINT a bigint.
 */
import type { RowValue } from '../../api/types.ts';
import type { ColumnType } from '../column-types.ts';
import { timestampUnit } from './parquet-schema.ts';

const DAY_MS = 86_400_000;
const UNIT_DIGITS = { MILLIS: 3, MICROS: 6, NANOS: 9 } as const;

export type ToParquet = (v: RowValue) => unknown;
export type FromParquet = (v: unknown) => RowValue;

function daysOf(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function dateOf(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

function unscaled(v: RowValue, scale: number): bigint {
  let text = typeof v === 'number' ? v.toFixed(scale) : `${v}`;
  const neg = text.startsWith('-');
  if (neg) text = text.slice(1);
  const dot = text.indexOf('.');
  const int = dot < 0 ? text : text.slice(0, dot);
  const frac = (dot < 0 ? '' : text.slice(dot + 1)).padEnd(scale, '0').slice(0, scale);
  const u = BigInt(int + frac);
  return neg ? -u : u;
}

function decimalText(u: bigint, scale: number): string {
  const neg = u < 0n;
  const digits = (neg ? -u : u).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

function timestampCount(v: string, digits: number): bigint {
  const seconds = BigInt(Math.floor(Date.UTC(
    Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10)),
    Number(v.slice(11, 13)), Number(v.slice(14, 16)), Number(v.slice(17, 19) || '0'),
  ) / 1000));
  // Date.UTC maps years 0..99 to 19xx; timestamps are 4-digit years from the decoders
  const frac = v.length > 20 ? v.slice(20) : '';
  return seconds * 10n ** BigInt(digits) + BigInt((frac + '000000000').slice(0, digits));
}

function timestampText(count: bigint, digits: number, keep: number): string {
  const scale = 10n ** BigInt(digits);
  let seconds = count / scale;
  let frac = count % scale;
  if (frac < 0n) {
    frac += scale;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const f = frac.toString().padStart(digits, '0').slice(0, keep).replace(/0+$/, '');
  return f === '' ? base : `${base}.${f}`;
}

export function toParquet(t: ColumnType): ToParquet {
  switch (t.kind) {
    case 'BIGINT': return (v) => (typeof v === 'bigint' ? v : BigInt(v as number));
    case 'DATE': return (v) => daysOf(`${v}`);
    case 'DECIMAL': return (v) => unscaled(v, t.scale);
    case 'TIMESTAMP': {
      const digits = UNIT_DIGITS[timestampUnit(t)];
      return (v) => timestampCount(`${v}`, digits);
    }
    case 'STRING': return (v) => `${v}`;
    default: return (v) => v;
  }
}

/** What hyparquet reads (with `utf8` on, no conversion of dates or timestamps) → the RowValue of type `t`. */
export function fromParquet(t: ColumnType, unit: 'MILLIS' | 'MICROS' | 'NANOS'): FromParquet {
  switch (t.kind) {
    case 'BIGINT': return (v) => (typeof v === 'bigint' ? v : BigInt(v as number));
    case 'DATE': return (v) => dateOf(Number(v));
    case 'DECIMAL': return (v) => (typeof v === 'bigint' || typeof v === 'number' ? decimalText(BigInt(v), t.scale) : `${v as string}`);
    case 'TIMESTAMP': return (v) => timestampText(BigInt(v as bigint), UNIT_DIGITS[unit], t.fractionDigits);
    case 'STRING': return (v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : `${v as string}`);
    default: return (v) => (typeof v === 'bigint' ? Number(v) : (v as RowValue));
  }
}
