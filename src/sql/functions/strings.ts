/**
 * String functions with Flink's semantics. Positions and lengths count characters (code
 * points), 1-based, like Flink; the common all-BMP case takes a fast path on UTF-16 units.
 * Arguments are never null here: the generated code returns NULL before calling.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

function chars(s: string): string[] {
  return Array.from(s);
}

export function charLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** SUBSTRING(s, start[, length]): start 1-based; 0 acts as 1; negative counts from the end. */
export function substring(s: string, start: number, length?: number): string {
  const cs = SURROGATE.test(s) ? chars(s) : undefined;
  const len = cs ? cs.length : s.length;
  let from = start > 0 ? start - 1 : start < 0 ? len + start : 0;
  if (from < 0) from = 0;
  if (length !== undefined && length < 0) return '';
  const to = length === undefined ? len : Math.min(len, from + length);
  if (from >= to) return '';
  return cs ? cs.slice(from, to).join('') : s.slice(from, to);
}

/** Flink's TRIM/LTRIM/RTRIM remove spaces (U+0020) only. */
export function trim(s: string, chars = ' '): string {
  return rtrim(ltrim(s, chars), chars);
}

export function ltrim(s: string, chars = ' '): string {
  let i = 0;
  while (i < s.length && chars.includes(s[i])) i++;
  return s.slice(i);
}

export function rtrim(s: string, chars = ' '): string {
  let j = s.length;
  while (j > 0 && chars.includes(s[j - 1])) j--;
  return s.slice(0, j);
}

/** CONCAT_WS(sep, ...): NULL arguments are skipped (the separator is checked by the caller). */
export function concatWs(sep: string, ...parts: Array<string | null>): string {
  let out = '';
  let first = true;
  for (const p of parts) {
    if (p === null) continue;
    out += first ? p : sep + p;
    first = false;
  }
  return out;
}

export function replace(s: string, search: string, replacement: string): string {
  return search === '' ? s : s.split(search).join(replacement);
}

const regexCache = new Map<string, RegExp>();
/** Java regexes used by Flink are close to JS ones for the common subset; compiled once per pattern. */
export function regex(pattern: string, flags = 'gu'): RegExp {
  const key = `${flags}/${pattern}`;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(pattern, flags);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/** REGEXP_REPLACE(s, regex, replacement): every match; NULL on an invalid regex (Flink does the same). */
export function regexpReplace(s: string, pattern: string, replacement: string): string | null {
  let re: RegExp;
  try { re = regex(pattern); } catch { return null; }
  re.lastIndex = 0;
  return s.replace(re, replacement);
}

/** SPLIT_INDEX(s, delimiter, index): 0-based; NULL when out of range. */
export function splitIndex(s: string, delimiter: string, index: number): string | null {
  if (index < 0) return null;
  const parts = s.split(delimiter);
  return index < parts.length ? parts[index] : null;
}

/** POSITION(needle IN haystack): 1-based character position, 0 when absent. */
export function position(needle: string, haystack: string): number {
  const i = haystack.indexOf(needle);
  if (i <= 0) return i + 1;
  return SURROGATE.test(haystack) ? charLength(haystack.slice(0, i)) + 1 : i + 1;
}

function padding(pad: string, n: number): string {
  let out = '';
  while (charLength(out) < n) out += pad;
  return substring(out, 1, n);
}

/** LPAD(s, len, pad): result has exactly len characters (s is cut when longer); NULL for len < 0 or an empty pad. */
export function lpad(s: string, len: number, pad: string): string | null {
  if (len < 0 || (pad === '' && charLength(s) < len)) return null;
  const n = charLength(s);
  return n >= len ? substring(s, 1, len) : padding(pad, len - n) + s;
}

export function rpad(s: string, len: number, pad: string): string | null {
  if (len < 0 || (pad === '' && charLength(s) < len)) return null;
  const n = charLength(s);
  return n >= len ? substring(s, 1, len) : s + padding(pad, len - n);
}

const likeCache = new Map<string, RegExp>();
/** SQL LIKE: `%` any run, `_` one character, `\` escapes; compiled once per pattern. */
export function likeRegex(pattern: string): RegExp {
  let re = likeCache.get(pattern);
  if (!re) {
    let src = '^';
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i];
      if (ch === '\\' && i + 1 < pattern.length) src += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      else if (ch === '%') src += '.*';
      else if (ch === '_') src += '.';
      else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(`${src}$`, 'su');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(pattern, re);
  }
  return re;
}

export function like(s: string, pattern: string): boolean {
  return likeRegex(pattern).test(s);
}
