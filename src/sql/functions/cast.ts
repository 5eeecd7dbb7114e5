/**
 * CAST and TRY_CAST. `makeCast(from, to)` picks the conversion once, at compile time, and
 * returns a plain function the generated code calls per value (null handling is the caller's).
 *
 * Semantics (Flink's, which are Java's):
 * - Exact numeric → narrower integer wraps like a Java narrowing cast: CAST(3000000000 AS INT)
 *   = -1294967296. DOUBLE → integer truncates toward zero and saturates (Java `(int) d`),
 *   NaN → 0. DECIMAL → integer truncates, then wraps.
 * - STRING → number trims blanks; an integer target accepts a fraction and truncates it
 *   ('3.7' → 3); text that is not a number, or an integer out of the target's range, fails.
 * - → DECIMAL(p, s) rounds HALF_UP to s digits; more than p digits fails.
 * - → VARCHAR(n)/CHAR(n) cuts to n characters; STRING keeps all.
 * - BOOLEAN ↔ number: 1/0; STRING → BOOLEAN accepts true/false/t/f/yes/no/y/n/1/0.
 * - DOUBLE → STRING prints like Java's Double.toString (1.0, 1.0E-4), BOOLEAN as TRUE/FALSE.
 * A failing CAST throws EvaluationError (the query wraps it in TransformError); TRY_CAST
 * returns NULL instead.
 */
import { EvaluationError } from '../errors.ts';
import type { SqlType } from '../sql-types.ts';
import { formatDecimal, fits, parseDecimal, rescale } from './decimal.ts';
import { formatDate, formatTimestamp, parseDateTime } from './datetime.ts';

export type CastFn = (v: never) => string | number | bigint | boolean | null;

type AnyFn = (v: never) => string | number | bigint | boolean | null;

const INT_BITS: Record<string, number> = { TINYINT: 8, SMALLINT: 16, INT: 32 };
const INT_RANGE: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n], SMALLINT: [-32768n, 32767n], INT: [-2147483648n, 2147483647n], BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** Java `(long) d`: truncate, saturate, NaN → 0. */
function doubleToBigint(d: number): bigint {
  if (Number.isNaN(d)) return 0n;
  if (d >= 9223372036854775807) return 2n ** 63n - 1n;
  if (d <= -9223372036854775808) return -(2n ** 63n);
  return BigInt(Math.trunc(d));
}

/** Java `(int) d` then narrowing to the target width. */
function doubleToInt(d: number, bits: number): number {
  const i = Number.isNaN(d) ? 0 : d >= 2147483647 ? 2147483647 : d <= -2147483648 ? -2147483648 : Math.trunc(d) | 0;
  return bits === 32 ? i : (i << (32 - bits)) >> (32 - bits);
}

function wrapInt(v: bigint, bits: number): number {
  return Number(BigInt.asIntN(bits, v));
}

const INTEGER_TEXT = /^\s*[+-]?\d+(\.\d*)?\s*$/;
const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function truncDecimal(text: string): bigint {
  const v = parseDecimal(text);
  if (!v) throw new Error(`'${text}' is not a number`);
  return v.s === 0 ? v.u : v.u / 10n ** BigInt(v.s);
}

/** Java's Double.toString: shortest digits, `.0` for whole numbers, E notation outside [1e-3, 1e7). */
export function javaDoubleToString(d: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = d.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exp.replace('+', '')}`;
}

/** Java's Float.toString: the shortest text that reads back as the same float. */
export function javaFloatToString(f: number): string {
  if (!Number.isFinite(f) || f === 0) return javaDoubleToString(f);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return javaDoubleToString(candidate);
  }
  return javaDoubleToString(f);
}

const TRUE_TEXT = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_TEXT = new Set(['false', 'f', 'no', 'n', '0']);

function fail(problem: string): never {
  throw new Error(problem);
}

/** Builds the conversion; undefined when Flink does not allow the CAST at all. */
function conversion(from: SqlType, to: SqlType): AnyFn | undefined {
  const f = from.kind;
  const k = to.kind;
  if (f === 'NULL') return (v: null) => v;
  const intBits = INT_BITS[k];
  if (intBits !== undefined) {
    const [lo, hi] = INT_RANGE[k];
    switch (f) {
      case 'TINYINT': case 'SMALLINT': case 'INT':
        return intBits === 32 ? (v: number) => v : (v: number) => (v << (32 - intBits)) >> (32 - intBits);
      case 'BIGINT': return (v: bigint) => wrapInt(v, intBits);
      case 'FLOAT': case 'DOUBLE': return (v: number) => doubleToInt(v, intBits);
      case 'DECIMAL': return (v: string) => wrapInt(truncDecimal(v), intBits);
      case 'BOOLEAN': return (v: boolean) => (v ? 1 : 0);
      case 'STRING': return (v: string) => {
        if (!INTEGER_TEXT.test(v)) fail(`'${v}' is not a valid ${k}`);
        const n = truncDecimal(v);
        if (n < lo || n > hi) fail(`'${v.trim()}' is out of range for ${k}`);
        return Number(n);
      };
      default: return undefined;
    }
  }
  if (k === 'BIGINT') {
    switch (f) {
      case 'TINYINT': case 'SMALLINT': case 'INT': return (v: number) => BigInt(v);
      case 'BIGINT': return (v: bigint) => v;
      case 'FLOAT': case 'DOUBLE': return (v: number) => doubleToBigint(v);
      case 'DECIMAL': return (v: string) => BigInt.asIntN(64, truncDecimal(v));
      case 'BOOLEAN': return (v: boolean) => (v ? 1n : 0n);
      case 'STRING': return (v: string) => {
        if (!INTEGER_TEXT.test(v)) fail(`'${v}' is not a valid BIGINT`);
        const n = truncDecimal(v);
        if (n < INT_RANGE.BIGINT[0] || n > INT_RANGE.BIGINT[1]) fail(`'${v.trim()}' is out of range for BIGINT`);
        return n;
      };
      default: return undefined;
    }
  }
  if (k === 'FLOAT' || k === 'DOUBLE') {
    const round = k === 'FLOAT' ? Math.fround : (x: number) => x;
    switch (f) {
      case 'TINYINT': case 'SMALLINT': case 'INT': case 'FLOAT': case 'DOUBLE': return (v: number) => round(v);
      case 'BIGINT': return (v: bigint) => round(Number(v));
      case 'DECIMAL': return (v: string) => round(Number(v));
      case 'BOOLEAN': return (v: boolean) => (v ? 1 : 0);
      case 'STRING': return (v: string) => {
        const s = v.trim();
        if (s === 'NaN') return NaN;
        if (/^[+-]?Infinity$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
        if (!NUMBER_TEXT.test(s)) fail(`'${v}' is not a valid ${k}`);
        return round(Number(s));
      };
      default: return undefined;
    }
  }
  if (k === 'DECIMAL') {
    const p = to.precision ?? 10;
    const s = to.scale ?? 0;
    const make = (text: string, shown: string) => {
      const d = parseDecimal(text);
      if (!d) fail(`'${shown}' is not a valid DECIMAL`);
      const u = rescale(d, s);
      if (!fits(u, p)) fail(`${shown} does not fit DECIMAL(${p}, ${s})`);
      return formatDecimal(u, s);
    };
    switch (f) {
      case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': case 'DECIMAL':
        return (v: number | bigint | string) => make(String(v), String(v));
      case 'FLOAT': case 'DOUBLE': return (v: number) => {
        if (!Number.isFinite(v)) fail(`${v} cannot be a DECIMAL`);
        return make(String(v), javaDoubleToString(v));
      };
      case 'BOOLEAN': return (v: boolean) => make(v ? '1' : '0', String(v));
      case 'STRING': return (v: string) => make(v, v);
      default: return undefined;
    }
  }
  if (k === 'BOOLEAN') {
    switch (f) {
      case 'BOOLEAN': return (v: boolean) => v;
      case 'TINYINT': case 'SMALLINT': case 'INT': case 'FLOAT': case 'DOUBLE': return (v: number) => v !== 0;
      case 'BIGINT': return (v: bigint) => v !== 0n;
      case 'DECIMAL': return (v: string) => parseDecimal(v)?.u !== 0n;
      case 'STRING': return (v: string) => {
        const s = v.trim().toLowerCase();
        if (TRUE_TEXT.has(s)) return true;
        if (FALSE_TEXT.has(s)) return false;
        return fail(`'${v}' is not a valid BOOLEAN`);
      };
      default: return undefined;
    }
  }
  if (k === 'STRING') {
    const max = to.precision;
    const cut = max === undefined ? (x: string) => x : (x: string) => (x.length > max ? x.slice(0, max) : x);
    switch (f) {
      case 'STRING': case 'DECIMAL': case 'DATE': case 'TIMESTAMP': return (v: string) => cut(v);
      case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return (v: number | bigint) => cut(String(v));
      case 'DOUBLE': return (v: number) => cut(javaDoubleToString(v));
      case 'FLOAT': return (v: number) => cut(javaFloatToString(v));
      case 'BOOLEAN': return (v: boolean) => (v ? cut('TRUE') : cut('FALSE'));
      default: return undefined;
    }
  }
  if (k === 'DATE') {
    switch (f) {
      case 'DATE': return (v: string) => v;
      case 'TIMESTAMP': case 'STRING': return (v: string) => {
        const parts = parseDateTime(v);
        if (!parts) fail(`'${v}' is not a valid DATE`);
        return formatDate(parts);
      };
      default: return undefined;
    }
  }
  if (k === 'TIMESTAMP') {
    const precision = to.precision ?? 6;
    switch (f) {
      case 'DATE': return (v: string) => `${v} 00:00:00`;
      case 'TIMESTAMP': case 'STRING': return (v: string) => {
        const parts = parseDateTime(v);
        if (!parts) fail(`'${v}' is not a valid TIMESTAMP`);
        return formatTimestamp(parts, precision);
      };
      default: return undefined;
    }
  }
  return undefined;
}

export function castAllowed(from: SqlType, to: SqlType): boolean {
  return conversion(from, to) !== undefined;
}

/**
 * @param expr  SQL text of the CAST, for the error message
 * @param orNull  TRY_CAST: a failing conversion gives NULL
 */
export function makeCast(from: SqlType, to: SqlType, expr: string, orNull: boolean): CastFn {
  const convert = conversion(from, to);
  if (!convert) throw new Error(`CAST from ${from.kind} to ${to.kind} is not supported`);
  const fn = convert as (v: unknown) => string | number | bigint | boolean | null;
  if (orNull) {
    return ((v: unknown) => {
      try { return fn(v); } catch { return null; }
    }) as CastFn;
  }
  return ((v: unknown) => {
    try { return fn(v); } catch (err) { throw new EvaluationError((err as Error).message, expr); }
  }) as CastFn;
}
