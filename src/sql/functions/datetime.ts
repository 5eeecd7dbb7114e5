/**
 * DATE and TIMESTAMP values are carried as text: `YYYY-MM-DD` and
 * `YYYY-MM-DD HH:MM:SS[.fffffffff]` (canonical: fraction cut to the type's precision, trailing
 * zeros dropped). No time zones: Flink's TIMESTAMP has none either. Formats for DATE_FORMAT,
 * TO_DATE and TO_TIMESTAMP are Java DateTimeFormatter patterns (the letters listed in
 * PATTERN_LETTERS); a pattern is compiled once and cached.
 */
const TS_TEXT = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

export interface DateTimeParts {
  y: number; mo: number; d: number; h: number; mi: number; s: number;
  /** Fraction digits as written (no trailing-zero removal yet). */
  frac: string;
}

function checkParts(p: DateTimeParts): DateTimeParts | undefined {
  if (!validDate(p.y, p.mo, p.d) || p.h > 23 || p.mi > 59 || p.s > 59) return undefined;
  return p;
}

/** Reads `YYYY-MM-DD[ HH:MM[:SS[.f]]]` (also with `T`); undefined if it is not a valid date/time. */
export function parseDateTime(text: string): DateTimeParts | undefined {
  const m = TS_TEXT.exec(text);
  if (!m) return undefined;
  return checkParts({ y: +m[1], mo: +m[2], d: +m[3], h: +(m[4] ?? 0), mi: +(m[5] ?? 0), s: +(m[6] ?? 0), frac: m[7] ?? '' });
}

export function formatDate(p: DateTimeParts): string {
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}`;
}

export function formatTimestamp(p: DateTimeParts, precision: number): string {
  const frac = p.frac.slice(0, precision).replace(/0+$/, '');
  return `${formatDate(p)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${frac ? `.${frac}` : ''}`;
}

/** Canonical form of a TIMESTAMP value, so that equal instants compare equal as text. */
export function canonicalTimestamp(text: string): string {
  const p = parseDateTime(text);
  return p ? formatTimestamp(p, 9) : text;
}

export function timestampCompare(a: string, b: string): number {
  const x = canonicalTimestamp(a);
  const y = canonicalTimestamp(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// EXTRACT and its shorthands (YEAR(...), HOUR(...)): BIGINT like Flink.
function partsOf(text: string): DateTimeParts {
  const p = parseDateTime(text);
  if (!p) throw new Error(`'${text}' is not a DATE or TIMESTAMP value`);
  return p;
}

export type TimeUnit = 'YEAR' | 'QUARTER' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND' | 'DOW' | 'DOY';
export const TIME_UNITS: readonly TimeUnit[] = ['YEAR', 'QUARTER', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'DOW', 'DOY'];

export function extract(unit: TimeUnit, text: string): bigint {
  const p = partsOf(text);
  switch (unit) {
    case 'YEAR': return BigInt(p.y);
    case 'QUARTER': return BigInt(Math.floor((p.mo - 1) / 3) + 1);
    case 'MONTH': return BigInt(p.mo);
    case 'DAY': return BigInt(p.d);
    case 'HOUR': return BigInt(p.h);
    case 'MINUTE': return BigInt(p.mi);
    case 'SECOND': return BigInt(p.s);
    // SQL day of week: 1 = Sunday.
    case 'DOW': return BigInt(new Date(Date.UTC(p.y, p.mo - 1, p.d)).getUTCDay() + 1);
    case 'DOY': return BigInt((Date.UTC(p.y, p.mo - 1, p.d) - Date.UTC(p.y, 0, 1)) / 86_400_000 + 1);
  }
}

// ---- Java DateTimeFormatter patterns (the common letters) ----

const PATTERN_LETTERS = 'yMdHhmsSa';

type Piece = { literal: string } | { letter: string; width: number };

function compilePattern(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i];
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      const lit = end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
      pieces.push({ literal: lit === '' ? "'" : lit });
      i = end < 0 ? pattern.length : end + 1;
    } else if (PATTERN_LETTERS.includes(ch)) {
      let j = i;
      while (pattern[j] === ch) j++;
      pieces.push({ letter: ch, width: j - i });
      i = j;
    } else if (/[A-Za-z]/.test(ch)) {
      throw new Error(`pattern letter '${ch}' is not supported in '${pattern}' (supported: ${PATTERN_LETTERS})`);
    } else {
      pieces.push({ literal: ch });
      i++;
    }
  }
  return pieces;
}

const cache = new Map<string, Piece[]>();
function pieces(pattern: string): Piece[] {
  let p = cache.get(pattern);
  if (!p) {
    p = compilePattern(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, p);
  }
  return p;
}

export function formatWithPattern(p: DateTimeParts, pattern: string): string {
  let out = '';
  for (const piece of pieces(pattern)) {
    if ('literal' in piece) { out += piece.literal; continue; }
    const w = piece.width;
    switch (piece.letter) {
      case 'y': out += w === 2 ? pad(p.y % 100) : pad(p.y, w); break;
      case 'M': out += pad(p.mo, w); break;
      case 'd': out += pad(p.d, w); break;
      case 'H': out += pad(p.h, w); break;
      case 'h': out += pad(p.h % 12 === 0 ? 12 : p.h % 12, w); break;
      case 'm': out += pad(p.mi, w); break;
      case 's': out += pad(p.s, w); break;
      case 'S': out += p.frac.padEnd(w, '0').slice(0, w); break;
      case 'a': out += p.h < 12 ? 'AM' : 'PM'; break;
    }
  }
  return out;
}

const regexCache = new Map<string, { re: RegExp; letters: string[] }>();
function parserFor(pattern: string): { re: RegExp; letters: string[] } {
  let entry = regexCache.get(pattern);
  if (!entry) {
    const letters: string[] = [];
    let src = '^';
    for (const piece of pieces(pattern)) {
      if ('literal' in piece) { src += piece.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
      letters.push(piece.letter);
      src += piece.letter === 'a' ? '(AM|PM|am|pm)' : piece.letter === 'S' ? `(\\d{1,${piece.width}})` : piece.width === 1 ? '(\\d{1,2})' : `(\\d{${piece.width}})`;
    }
    entry = { re: new RegExp(`${src}$`), letters };
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, entry);
  }
  return entry;
}

/** Parses text with a Java-style pattern; undefined when it does not match or is not a valid date/time. */
export function parseWithPattern(text: string, pattern: string): DateTimeParts | undefined {
  const { re, letters } = parserFor(pattern);
  const m = re.exec(text.trim());
  if (!m) return undefined;
  const p: DateTimeParts = { y: 1970, mo: 1, d: 1, h: 0, mi: 0, s: 0, frac: '' };
  let pm: boolean | undefined;
  letters.forEach((letter, k) => {
    const v = m[k + 1];
    switch (letter) {
      case 'y': p.y = v.length === 2 ? 2000 + Number(v) : Number(v); break;
      case 'M': p.mo = Number(v); break;
      case 'd': p.d = Number(v); break;
      case 'H': case 'h': p.h = Number(v); break;
      case 'm': p.mi = Number(v); break;
      case 's': p.s = Number(v); break;
      case 'S': p.frac = v; break;
      case 'a': pm = v.toUpperCase() === 'PM'; break;
    }
  });
  if (pm !== undefined) p.h = (p.h % 12) + (pm ? 12 : 0);
  return checkParts(p);
}

/** DATE_FORMAT(ts, pattern): TIMESTAMP (or timestamp text) → text. */
export function dateFormat(value: string, pattern: string): string | null {
  const p = parseDateTime(value);
  return p ? formatWithPattern(p, pattern) : null;
}

/** TO_DATE(text[, pattern]): NULL when the text does not parse (Flink does the same). */
export function toDate(text: string, pattern?: string): string | null {
  const p = pattern === undefined ? parseDateTime(text) : parseWithPattern(text, pattern);
  return p ? formatDate(p) : null;
}

/** TO_TIMESTAMP(text[, pattern]) → TIMESTAMP(3); NULL when the text does not parse. */
export function toTimestamp(text: string, pattern?: string): string | null {
  const p = pattern === undefined ? parseWithPattern(text, 'yyyy-MM-dd HH:mm:ss') ?? parseDateTime(text) : parseWithPattern(text, pattern);
  return p ? formatTimestamp(p, 3) : null;
}
