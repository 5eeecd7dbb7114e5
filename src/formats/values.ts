/**
 * Text ⇄ value conversions shared by the CSV and JSON formats, following the `RowValue`
 * conventions of `api/types.ts` and the parsing rules of Flink's formats (which call Java's
 * `Integer.parseInt(text.trim())`, `new BigDecimal(text)`, `Double.parseDouble`...), made strict
 * where Flink is silently lossy (see README.md "Differences from Flink").
 *
 * Parsers throw a `DecodeError` without a field; the decoders add the column name.
 */
import type { RowValue } from '../api/types.ts';
import type { ColumnType } from './column-types.ts';
import { DecodeError, quoteValue } from './errors.ts';

const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

/** Java's String.trim(): drop chars <= U+0020 at both ends (what Flink applies before parsing numbers). */
export function javaTrim(s: string): string {
  const len = s.length;
  if (len === 0 || (s.charCodeAt(0) > 32 && s.charCodeAt(len - 1) > 32)) return s;
  let a = 0;
  let b = len;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return s.slice(a, b);
}

function notA(text: string, t: ColumnType, expected = ''): DecodeError {
  return new DecodeError(`${quoteValue(text)} is not ${t.kind === 'INT' ? 'an' : 'a'} ${t.name}${expected}`);
}

function outOfRange(text: string, t: ColumnType): DecodeError {
  return new DecodeError(`${quoteValue(text)} is out of range for ${t.name}`);
}

/** TINYINT/SMALLINT/INT from text: optional sign and decimal digits only (Integer.parseInt), range-checked. */
export function parseIntegerText(text: string, t: ColumnType): number {
  const s = javaTrim(text);
  const len = s.length;
  let i = 0;
  let neg = false;
  if (len > 0) {
    const c = s.charCodeAt(0);
    if (c === 45) { neg = true; i = 1; } else if (c === 43) i = 1;
  }
  if (i === len) throw notA(text, t);
  let acc = 0;
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw notA(text, t);
    acc = acc * 10 + d; // past 2^53 it loses digits, but it is then far out of range anyway
  }
  const v = neg ? -acc : acc;
  if (v < t.min || v > t.max) throw outOfRange(text, t);
  return v === 0 ? 0 : v;
}

/** BIGINT from text, exact (Long.parseLong). */
export function parseBigintText(text: string, t: ColumnType): bigint {
  const s = javaTrim(text);
  const len = s.length;
  let i = s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43 ? 1 : 0;
  if (i === len) throw notA(text, t);
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw notA(text, t);
  }
  const v = BigInt(s);
  if (v < BIGINT_MIN || v > BIGINT_MAX) throw outOfRange(text, t);
  return v;
}

const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:NaN|Infinity)$/;

/** DOUBLE from text: decimal or exponent notation, NaN, Infinity (Double.parseDouble without hex or d/f suffixes). */
export function parseDoubleText(text: string, t: ColumnType): number {
  const s = javaTrim(text);
  if (!DOUBLE_RE.test(s)) throw notA(text, t);
  const v = s.endsWith('NaN') ? NaN : Number(s);
  return t.kind === 'FLOAT' ? Math.fround(v) : v;
}

/** BOOLEAN from text: true/false in any case. (Flink's Boolean.parseBoolean turns any other text into false; we refuse it.) */
export function parseBooleanText(text: string, t: ColumnType): boolean {
  const s = javaTrim(text);
  if (s.length === 4 && s.toLowerCase() === 'true') return true;
  if (s.length === 5 && s.toLowerCase() === 'false') return false;
  throw notA(text, t, ' (expected true or false)');
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** DECIMAL(p, s) from text (BigDecimal syntax): rounded HALF_UP to the scale like Flink's DecimalData, an error when it has too many digits (Flink would give NULL). */
export function parseDecimalText(text: string, t: ColumnType): string {
  const s = javaTrim(text);
  const m = DECIMAL_RE.exec(s);
  if (!m || m[2].length + (m[3]?.length ?? 0) === 0) throw notA(text, t);
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  return normaliseDecimal(m[1] === '-', m[2], m[3] ?? '', exp, t, text);
}

/**
 * Canonical text of sign × 0.<intDigits><fracDigits> shifted: value = digits × 10^(exp - fracDigits.length).
 * 1. Drop leading zeros; the decimal point sits `point` digits into what is left.
 * 2. Keep `point + scale` digits, rounding HALF_UP on the next one.
 * 3. Refuse more than `precision` digits; print with exactly `scale` fraction digits.
 */
function normaliseDecimal(neg: boolean, intDigits: string, fracDigits: string, exp: number, t: ColumnType, text: string): string {
  let digits = intDigits + fracDigits;
  let point = intDigits.length + exp;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  let unscaled: string;
  if (lead === digits.length) {
    unscaled = '0';
  } else {
    digits = digits.slice(lead);
    point -= lead;
    if (point > t.precision - t.scale) throw outOfRange(text, t);
    const keep = point + t.scale;
    if (keep < 0) {
      unscaled = '0';
    } else if (keep >= digits.length) {
      unscaled = digits + '0'.repeat(keep - digits.length);
    } else {
      unscaled = keep === 0 ? '0' : digits.slice(0, keep);
      if (digits.charCodeAt(keep) >= 53) unscaled = incrementDigits(unscaled);
    }
    let z = 0;
    while (z < unscaled.length - 1 && unscaled.charCodeAt(z) === 48) z++;
    if (z > 0) unscaled = unscaled.slice(z);
    if (unscaled.length > t.precision) throw outOfRange(text, t);
  }
  const sign = neg && unscaled !== '0' ? '-' : '';
  if (t.scale === 0) return sign + unscaled;
  const padded = unscaled.length <= t.scale ? '0'.repeat(t.scale + 1 - unscaled.length) + unscaled : unscaled;
  const cut = padded.length - t.scale;
  return `${sign}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

function incrementDigits(d: string): string {
  let i = d.length - 1;
  while (i >= 0 && d.charCodeAt(i) === 57) i--;
  if (i < 0) return '1' + '0'.repeat(d.length);
  return d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1) + '0'.repeat(d.length - i - 1);
}

/** Integral JSON number for an integer column: `42`, `42.0`, `4.2e1` are all 42 (Flink's canConvertToInt), `42.5` is not. */
export function integerFromNumberText(raw: string, t: ColumnType): number {
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new DecodeError(`${quoteValue(raw)} is not an integer (${t.name})`);
  if (v < t.min || v > t.max) throw outOfRange(raw, t);
  return v === 0 ? 0 : v;
}

/** BIGINT from a JSON number, exact even above 2^53 (the raw text is used, never a double). */
export function bigintFromNumberText(raw: string, t: ColumnType): bigint {
  let i = raw.charCodeAt(0) === 45 ? 1 : 0;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) break;
  }
  if (i === raw.length) {
    const v = BigInt(raw);
    if (v < BIGINT_MIN || v > BIGINT_MAX) throw outOfRange(raw, t);
    return v;
  }
  // 1e3 or 42.0: exact through the decimal path with scale 0, refusing any fraction.
  const whole = parseDecimalText(raw, { ...t, kind: 'DECIMAL', precision: 38, scale: 9 });
  const dot = whole.indexOf('.');
  if (!/^0+$/.test(whole.slice(dot + 1))) throw new DecodeError(`${quoteValue(raw)} is not an integer (${t.name})`);
  const v = BigInt(whole.slice(0, dot));
  if (v < BIGINT_MIN || v > BIGINT_MAX) throw outOfRange(raw, t);
  return v;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** `YYYY-MM-DD` at `from` is a real calendar day (proleptic Gregorian, like ISO_LOCAL_DATE with its strict resolver). */
function validDateAt(s: string, from: number): boolean {
  if (s.length < from + 10 || s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 7) !== 45) return false;
  const y = digitsAt(s, from, 4);
  const m = digitsAt(s, from + 5, 2);
  const d = digitsAt(s, from + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  return d <= DAYS_IN_MONTH[m] + (leap ? 1 : 0);
}

/** DATE from text: exactly `yyyy-MM-dd`, a day that exists (2021-02-30 is refused). */
export function parseDateText(text: string, t: ColumnType): string {
  const s = javaTrim(text);
  if (s.length !== 10 || !validDateAt(s, 0)) throw notA(text, t, ' (expected yyyy-MM-dd)');
  return s;
}

/** Which date/time separator a TIMESTAMP may use: JSON follows `timestampFormat`; CSV accepts both. */
export type TimestampStyle = 'SQL' | 'ISO-8601' | 'ANY';

/**
 * TIMESTAMP from text: `yyyy-MM-dd HH:mm[:ss[.f{1,9}]]` (or with `T`), as Flink's ISO_LOCAL_TIME-based
 * formats read it. Returns the canonical `yyyy-MM-dd HH:mm:ss[.fff]`: fraction cut to the type's
 * precision, trailing zeros dropped (how Flink prints timestamps).
 */
export function parseTimestampText(text: string, t: ColumnType, style: TimestampStyle): string {
  const s = javaTrim(text);
  const sep = s.charCodeAt(10);
  const sepOk = style === 'ANY' ? sep === 32 || sep === 84 : sep === (style === 'SQL' ? 32 : 84);
  const len = s.length;
  if (len < 16 || !sepOk || !validDateAt(s, 0) || s.charCodeAt(13) !== 58) throw badTimestamp(text, t, style);
  const hh = digitsAt(s, 11, 2);
  const mm = digitsAt(s, 14, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) throw badTimestamp(text, t, style);
  let ss = '00';
  let fraction = '';
  if (len > 16) {
    const sec = digitsAt(s, 17, 2);
    if (s.charCodeAt(16) !== 58 || len < 19 || sec < 0 || sec > 59) throw badTimestamp(text, t, style);
    ss = s.slice(17, 19);
    if (len > 19) {
      if (s.charCodeAt(19) !== 46 || len === 20 || len > 29 || digitsAt(s, 20, len - 20) < 0) throw badTimestamp(text, t, style);
      fraction = s.slice(20, 20 + t.fractionDigits);
      let end = fraction.length;
      while (end > 0 && fraction.charCodeAt(end - 1) === 48) end--;
      fraction = end === 0 ? '' : '.' + fraction.slice(0, end);
    }
  }
  return `${s.slice(0, 10)} ${s.slice(11, 16)}:${ss}${fraction}`;
}

function badTimestamp(text: string, t: ColumnType, style: TimestampStyle): DecodeError {
  const pattern = style === 'SQL' ? 'yyyy-MM-dd HH:mm:ss[.fffffffff]' : style === 'ISO-8601' ? "yyyy-MM-dd'T'HH:mm:ss[.fffffffff]" : "yyyy-MM-dd[' '|'T']HH:mm:ss[.fffffffff]";
  return notA(text, t, ` (expected ${pattern})`);
}

/** The text parser of one column: raw field text → row value (text is never the null literal here). */
export type TextParser = (text: string) => RowValue;

/** Build the text parser for a column once; CSV uses it for every field, JSON for string values. */
export function textParser(t: ColumnType, style: TimestampStyle): TextParser {
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': return (s) => parseIntegerText(s, t);
    case 'BIGINT': return (s) => parseBigintText(s, t);
    case 'FLOAT': case 'DOUBLE': return (s) => parseDoubleText(s, t);
    case 'DECIMAL': return (s) => parseDecimalText(s, t);
    case 'BOOLEAN': return (s) => parseBooleanText(s, t);
    case 'DATE': return (s) => parseDateText(s, t);
    case 'TIMESTAMP': return (s) => parseTimestampText(s, t, style);
    case 'STRING': return (s) => s;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

/**
 * Java's `Double.toString` (JDK 19+, shortest digits — the same digits as JavaScript's):
 * `1.0`, `-0.0`, `123.456`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`. This is what Flink's CSV and
 * JSON formats print for DOUBLE, so files diff cleanly against Flink output.
 */
export function formatJavaDouble(v: number): string {
  if (Number.isInteger(v) && v < 1e7 && v > -1e7) return v === 0 && 1 / v < 0 ? '-0.0' : `${v}.0`;
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return javaStyle(v, Math.abs(v).toExponential());
}

/**
 * Java prints at least two significant digits (`d.d`), and when the shortest decimal has one
 * digit it picks the closest two-digit one instead: Double.MIN_VALUE is `4.9E-324`, not `5.0E-324`.
 */
function javaDigits(a: number, shortest: string): string {
  return shortest.indexOf('e') === 1 ? a.toExponential(1) : shortest;
}

/** Java's `Float.toString` for a value already rounded to float32: the shortest digits that read back as the same float. */
export function formatJavaFloat(v: number): string {
  if (v !== v || v === Infinity || v === -Infinity || v === 0) return formatJavaDouble(v);
  const f = Math.fround(v);
  const a = Math.abs(f);
  for (let p = 1; p < 10; p++) {
    const e = a.toExponential(p - 1);
    if (Math.fround(Number(e)) === a) return javaStyle(f, e);
  }
  return javaStyle(f, a.toExponential(8));
}

/** Lay out `d.ddde±x` digits the way Java does: plain for 1e-3 <= |v| < 1e7, else `d.dddE<x>`. */
function javaStyle(v: number, shortest: string): string {
  const exponential = javaDigits(Math.abs(v), shortest);
  const ePos = exponential.indexOf('e');
  let digits = exponential.slice(0, ePos).replace('.', '');
  if (digits.length > 1 && digits.endsWith('0')) digits = digits.slice(0, -1);
  const exp = Number(exponential.slice(ePos + 1));
  const sign = v < 0 ? '-' : '';
  if (exp >= -3 && exp < 7) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits + '0'.repeat(exp + 1 - digits.length);
    const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
    return `${sign}${intPart}.${frac}`;
  }
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${exp}`;
}

/** Canonical `yyyy-MM-dd HH:mm:ss[.fff]` → ISO-8601 `yyyy-MM-ddTHH:mm:ss[.fff]` (Flink json's ISO_LOCAL_DATE_TIME output). */
export function isoTimestamp(canonical: string): string {
  return canonical.length > 10 && canonical.charCodeAt(10) === 32 ? `${canonical.slice(0, 10)}T${canonical.slice(11)}` : canonical;
}
