/**
 * JSON records → rows, like Flink's `json` format: one JSON object per record, fields picked
 * by schema name, unknown fields ignored, a missing field NULL (or an error with
 * failOnMissingField), values coerced the way Flink's JsonToRowDataConverters do.
 *
 * Two paths, one result:
 * - fast: a hand-written scanner for flat objects (the usual Kafka message). It reads numbers
 *   straight from the text (so BIGINT above 2^53 stays exact) and builds nothing but the row.
 * - exact: anything else (escapes, nested values, invalid JSON) goes through JSON.parse with a
 *   reviver that keeps every number's source text (JSON.rawJSON), for the same exactness and
 *   for V8's syntax error messages. The fast path gives up (FALLBACK) rather than guess.
 */
import type { Row, RowValue } from '../api/types.ts';
import { RecordDecoder } from './codec.ts';
import type { ColumnType } from './column-types.ts';
import { DecodeError, quoteValue } from './errors.ts';
import type { JsonOptions } from './options.ts';
import {
  bigintFromNumberText, integerFromNumberText, parseDecimalText, textParser, type TextParser,
} from './values.ts';

/** What `JSON.parse` offers on Node ≥ 21 that lib.es2023 does not declare: the source text of primitives. */
interface RawJson { readonly rawJSON: string }
interface JsonWithSource {
  parse(text: string, reviver: (key: string, value: unknown, context: { source?: string }) => unknown): unknown;
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
}
const J = JSON as unknown as JsonWithSource;

/** Keep each number as its source text: `12345678901234567890` must not become a double. */
function keepNumberSource(_key: string, value: unknown, context: { source?: string }): unknown {
  return typeof value === 'number' && context.source !== undefined ? J.rawJSON(context.source) : value;
}

// Column kinds as small integers: the scanner switches on them per value.
const K_INTEGER = 0; // TINYINT, SMALLINT, INT
const K_BIGINT = 1;
const K_FLOAT = 2;
const K_DOUBLE = 3;
const K_DECIMAL = 4;
const K_BOOLEAN = 5;
const K_STRING = 6;
const K_TEMPORAL = 7; // DATE, TIMESTAMP: only from strings

function kindCode(t: ColumnType): number {
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': return K_INTEGER;
    case 'BIGINT': return K_BIGINT;
    case 'FLOAT': return K_FLOAT;
    case 'DOUBLE': return K_DOUBLE;
    case 'DECIMAL': return K_DECIMAL;
    case 'BOOLEAN': return K_BOOLEAN;
    case 'STRING': return K_STRING;
    case 'DATE': case 'TIMESTAMP': return K_TEMPORAL;
  }
}

const DONE = 0;
const FALLBACK = 1;
const EMPTY = 2;

// raw control characters are exactly what JSON strings may not hold
const CONTROL_CHAR = /[\u0000-\u001f]/;

/** Integers with at most this many digits are accumulated exactly in a double while scanning. */
const SAFE_DIGITS = 15;

/** Above this many columns, keys are found through a Map instead of comparing each name. */
const LINEAR_LOOKUP_MAX = 12;

export class JsonDecoder extends RecordDecoder {
  readonly #opts: JsonOptions;
  readonly #names: string[];
  readonly #types: ColumnType[];
  readonly #kinds: number[];
  readonly #parsers: TextParser[];
  readonly #index: Map<string, number> | null;
  /** Column being converted, so a value error can be reported with its field name. */
  #current = -1;

  protected readonly ignoreParseErrors: boolean;

  constructor(opts: JsonOptions, names: string[], types: ColumnType[]) {
    super();
    this.#opts = opts;
    this.ignoreParseErrors = opts.ignoreParseErrors;
    this.#names = names;
    this.#types = types;
    this.#kinds = types.map(kindCode);
    this.#parsers = types.map((t) => textParser(t, opts.timestampFormat));
    this.#index = names.length > LINEAR_LOOKUP_MAX ? new Map(names.map((n, i) => [n, i])) : null;
  }

  /** One record → a row, or null for an empty record (a Kafka tombstone, a blank line). Throws DecodeError. */
  decodeRecord(value: string, noControlChars = false): Row | null {
    const n = this.#names.length;
    // Holes (undefined) mark fields not seen yet; JSON null becomes null.
    let row: RowValue[] = new Array<RowValue>(n);
    this.#current = -1;
    try {
      const r = this.#scan(value, row, noControlChars);
      if (r === EMPTY) return null;
      if (r === FALLBACK) {
        row = new Array<RowValue>(n);
        this.#current = -1;
        this.#parseExact(value, row);
      }
    } catch (e) {
      if (e instanceof DecodeError && e.field === undefined && this.#current >= 0) {
        throw new DecodeError(e.reason, this.#names[this.#current]);
      }
      throw e;
    }
    for (let f = 0; f < n; f++) {
      if (row[f] === undefined) {
        if (this.#opts.failOnMissingField) throw new DecodeError('is missing from the record (failOnMissingField is set)', this.#names[f]);
        row[f] = null;
      }
    }
    return row;
  }

  /** The column named by the key at v[start, start + len), or -1; `hint` is the column tried first. */
  #fieldAt(v: string, start: number, len: number, hint: number): number {
    if (this.#index !== null) return this.#index.get(v.slice(start, start + len)) ?? -1;
    const names = this.#names;
    // Records usually list fields in schema order: try the column after the previous key first.
    // (A short slice and === beat comparing in place: startsWith and char loops are slower.)
    const key = v.slice(start, start + len);
    if (hint < names.length && names[hint] === key) return hint;
    for (let f = 0; f < names.length; f++) {
      if (names[f] === key) return f;
    }
    return -1;
  }

  /** The fast path. Returns FALLBACK as soon as the record is anything but a flat object of plain values. */
  #scan(v: string, row: RowValue[], noControlChars: boolean): number {
    const len = v.length;
    let p = 0;
    let c = v.charCodeAt(0);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
    if (p >= len) return EMPTY;
    if (c !== 123) return FALLBACK;
    // Native scans of the whole record instead of checks per string: an escape anywhere (inside
    // a string, the only place JSON allows one) goes to the exact parser, and so does a raw
    // control character, unless it is whitespace between tokens (then strings are checked one
    // by one). A source that vouches for its bytes (noControlChars) spares the second scan.
    if (v.indexOf('\\', p) >= 0) return FALLBACK;
    const controls = !noControlChars && CONTROL_CHAR.test(v);
    let hint = 0;
    c = v.charCodeAt(++p);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
    if (c === 125) {
      c = v.charCodeAt(++p);
    } else {
      for (;;) {
        // key
        if (c !== 34) return FALLBACK;
        const ks = ++p;
        p = v.indexOf('"', ks);
        if (p < 0 || (controls && CONTROL_CHAR.test(v.slice(ks, p)))) return FALLBACK;
        const f = this.#fieldAt(v, ks, p - ks, hint);
        hint = f + 1;
        c = v.charCodeAt(++p);
        while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
        if (c !== 58) return FALLBACK;
        c = v.charCodeAt(++p);
        while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
        // value
        if (c === 34) {
          const vs = ++p;
          // The closing quote, found natively (no escapes: see above); a raw control character
          // inside sends the record to the exact parser, which rejects it as JSON does.
          p = v.indexOf('"', vs);
          if (p < 0 || (controls && CONTROL_CHAR.test(v.slice(vs, p)))) return FALLBACK;
          if (f >= 0) {
            this.#current = f;
            row[f] = this.#kinds[f] === K_STRING ? v.slice(vs, p) : this.#parsers[f](v.slice(vs, p));
          }
          c = v.charCodeAt(++p);
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          const ns = p;
          let neg = false;
          if (c === 45) {
            neg = true;
            c = v.charCodeAt(++p);
          }
          let acc = 0;
          let digits = 0;
          if (c === 48) {
            digits = 1;
            c = v.charCodeAt(++p);
          } else if (c >= 49 && c <= 57) {
            do {
              acc = acc * 10 + (c - 48);
              digits++;
              c = v.charCodeAt(++p);
            } while (c >= 48 && c <= 57);
          } else {
            return FALLBACK;
          }
          let plain = true;
          if (c === 46) {
            plain = false;
            c = v.charCodeAt(++p);
            if (!(c >= 48 && c <= 57)) return FALLBACK;
            do c = v.charCodeAt(++p); while (c >= 48 && c <= 57);
          }
          if (c === 101 || c === 69) {
            plain = false;
            c = v.charCodeAt(++p);
            if (c === 43 || c === 45) c = v.charCodeAt(++p);
            if (!(c >= 48 && c <= 57)) return FALLBACK;
            do c = v.charCodeAt(++p); while (c >= 48 && c <= 57);
          }
          if (f >= 0) {
            this.#current = f;
            row[f] = plain && digits <= SAFE_DIGITS ? this.#fromSmallInteger(f, neg ? -acc : acc, v, ns, p) : this.#fromNumberText(f, v.slice(ns, p));
          }
        } else if (c === 116 || c === 102) {
          const b = c === 116;
          if (!v.startsWith(b ? 'true' : 'false', p)) return FALLBACK;
          p += b ? 4 : 5;
          if (f >= 0) {
            this.#current = f;
            row[f] = this.#fromBoolean(f, b);
          }
          c = v.charCodeAt(p);
        } else if (c === 110) {
          if (!v.startsWith('null', p)) return FALLBACK;
          p += 4;
          if (f >= 0) row[f] = null;
          c = v.charCodeAt(p);
        } else {
          return FALLBACK; // nested object/array, or not JSON: the exact path decides
        }
        while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
        if (c === 44) {
          c = v.charCodeAt(++p);
          while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
          continue;
        }
        if (c !== 125) return FALLBACK;
        c = v.charCodeAt(++p);
        break;
      }
    }
    while (c === 32 || c === 10 || c === 13 || c === 9) c = v.charCodeAt(++p);
    return p >= len ? DONE : FALLBACK;
  }

  /**
   * The top-level key whose value holds the char at `at`: a scan over strings (escapes skipped)
   * and nesting depth. Undefined when the char is in a key or outside any value.
   */
  fieldAt(v: string, at: number): string | undefined {
    let depth = 0;
    let key: string | undefined;
    for (let p = 0; p < v.length && p <= at; p++) {
      const c = v.charCodeAt(p);
      if (c === 34) {
        const s = p;
        for (p++; p < v.length && v.charCodeAt(p) !== 34; p++) if (v.charCodeAt(p) === 92) p++;
        let q = p + 1;
        while (q < v.length && (v.charCodeAt(q) === 32 || v.charCodeAt(q) === 9)) q++;
        const isKey = depth === 1 && v.charCodeAt(q) === 58;
        if (at > s && at < p) return isKey ? undefined : key;
        if (isKey) key = v.slice(s + 1, p);
      } else if (c === 123 || c === 91) {
        depth++;
      } else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) key = undefined;
      }
    }
    return depth >= 1 ? key : undefined;
  }

  /** The exact path: JSON.parse keeping number source text. */
  #parseExact(v: string, row: RowValue[]): void {
    let root: unknown;
    try {
      root = J.parse(v, keepNumberSource);
    } catch (e) {
      throw new DecodeError(`invalid JSON: ${(e as Error).message}`);
    }
    if (root === null || typeof root !== 'object' || Array.isArray(root) || J.isRawJSON(root)) {
      throw new DecodeError(`the record is not a JSON object: ${quoteValue(v.trim())}`);
    }
    const obj = root as Record<string, unknown>;
    const names = this.#names;
    for (let f = 0; f < names.length; f++) {
      if (!Object.hasOwn(obj, names[f])) continue;
      const x = obj[names[f]];
      this.#current = f;
      if (x === null) row[f] = null;
      else if (typeof x === 'string') row[f] = this.#kinds[f] === K_STRING ? x : this.#parsers[f](x);
      else if (typeof x === 'boolean') row[f] = this.#fromBoolean(f, x);
      else if (J.isRawJSON(x)) row[f] = this.#fromNumberText(f, x.rawJSON);
      else if (this.#kinds[f] === K_STRING) row[f] = JSON.stringify(x); // like Flink: a nested value as its JSON text
      else throw new DecodeError(`a JSON ${Array.isArray(x) ? 'array' : 'object'} is not ${this.#article(f)}`);
    }
  }

  /** A JSON integer of at most 15 digits, already accumulated exactly while scanning. */
  #fromSmallInteger(f: number, n: number, v: string, start: number, end: number): RowValue {
    switch (this.#kinds[f]) {
      case K_INTEGER: {
        const t = this.#types[f];
        if (n < t.min || n > t.max) throw new DecodeError(`${quoteValue(v.slice(start, end))} is out of range for ${t.name}`);
        return n === 0 ? 0 : n;
      }
      case K_BIGINT: return BigInt(n);
      case K_DOUBLE: return n; // exact below 2^53; -0 stays -0
      case K_FLOAT: return Math.fround(n);
      default: return this.#fromNumberText(f, v.slice(start, end));
    }
  }

  /** Any JSON number, from its source text. Strings are accepted for STRING (Flink prints the node's text). */
  #fromNumberText(f: number, raw: string): RowValue {
    const t = this.#types[f];
    switch (this.#kinds[f]) {
      case K_INTEGER: return integerFromNumberText(raw, t);
      case K_BIGINT: return bigintFromNumberText(raw, t);
      case K_DOUBLE: return Number(raw);
      case K_FLOAT: return Math.fround(Number(raw));
      case K_DECIMAL: return parseDecimalText(raw, t);
      case K_STRING: return raw;
      default: throw new DecodeError(`the number ${raw} is not ${this.#article(f)}`);
    }
  }

  #fromBoolean(f: number, b: boolean): RowValue {
    const k = this.#kinds[f];
    if (k === K_BOOLEAN) return b;
    if (k === K_STRING) return b ? 'true' : 'false';
    throw new DecodeError(`${b} is not ${this.#article(f)}`);
  }

  #article(f: number): string {
    const name = this.#types[f].name;
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  }
}
