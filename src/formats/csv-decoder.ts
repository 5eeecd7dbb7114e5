/**
 * CSV records → rows, like Flink's `csv` format (Jackson's CsvParser underneath):
 * one record per line, no header, fields typed by the schema.
 *
 * A record is split by the fastest route that is correct for it: when it holds no quote and no
 * escape character, by `indexOf` of the delimiter; otherwise by a small state machine
 * (quoted fields, doubled quotes, escapes). An unquoted field equal to `nullLiteral` is NULL; a
 * quoted or escaped one never is, so `""` stays an empty string.
 */
import type { Row, RowValue } from '../api/types.ts';
import { RecordDecoder } from './codec.ts';
import type { ColumnType } from './column-types.ts';
import { DecodeError, quoteValue } from './errors.ts';
import type { CsvOptions } from './options.ts';
import { textParser, type TextParser } from './values.ts';

const NOT_A_CHAR = -1;

/** Jackson's CsvDecoder._unescape: a few letters stand for control characters, anything else for itself. */
function unescape(c: number): string {
  switch (c) {
    case 48: return '\0'; // 0
    case 110: return '\n'; // n
    case 114: return '\r'; // r
    case 116: return '\t'; // t
    default: return String.fromCharCode(c);
  }
}

function plural(n: number): string {
  return n === 1 ? '1 field' : `${n} fields`;
}

export class CsvDecoder extends RecordDecoder {
  readonly #names: string[];
  readonly #parsers: TextParser[];
  readonly #opts: CsvOptions;
  readonly #delim: number;
  readonly #quote: number;
  readonly #escape: number;
  /** Scratch for the state-machine path: field texts, and whether each was read verbatim (may be NULL). */
  readonly #texts: string[] = [];
  readonly #verbatim: boolean[] = [];

  protected readonly ignoreParseErrors: boolean;

  constructor(opts: CsvOptions, names: string[], types: ColumnType[]) {
    super();
    this.#opts = opts;
    this.ignoreParseErrors = opts.ignoreParseErrors;
    this.#names = names;
    this.#parsers = types.map((t) => textParser(t, 'ANY'));
    this.#delim = opts.delimiter.charCodeAt(0);
    this.#quote = opts.quote === '' ? NOT_A_CHAR : opts.quote.charCodeAt(0);
    this.#escape = opts.escape === '' ? NOT_A_CHAR : opts.escape.charCodeAt(0);
  }

  /** One record → a row, or null for a record that is not data (empty line, comment). Throws DecodeError. */
  decodeRecord(value: string): Row | null {
    let end = value.length;
    if (end > 0 && value.charCodeAt(end - 1) === 10) end--;
    if (end > 0 && value.charCodeAt(end - 1) === 13) end--;
    if (end === 0) return null;
    if (this.#opts.allowComments && value.charCodeAt(0) === 35) return null;
    const line = end === value.length ? value : value.slice(0, end);
    const { quote, escape } = this.#opts;
    if ((quote === '' || line.indexOf(quote) === -1) && (escape === '' || line.indexOf(escape) === -1)) {
      return this.#splitPlain(line);
    }
    return this.#convert(this.#splitQuoted(line));
  }

  /** The common case: no quote or escape character anywhere in the line. */
  #splitPlain(line: string): Row {
    const names = this.#names;
    const n = names.length;
    const delim = this.#opts.delimiter;
    const nullLiteral = this.#opts.nullLiteral;
    const row: RowValue[] = new Array<RowValue>(n);
    let start = 0;
    let f = 0;
    let extra = false;
    try {
      for (; f < n; f++) {
        let stop = line.indexOf(delim, start);
        if (f === n - 1) {
          if (stop !== -1) {
            extra = true;
            break;
          }
          stop = line.length;
        } else if (stop === -1) {
          throw this.#tooFew(f + 1);
        }
        const text = line.slice(start, stop);
        row[f] = text === nullLiteral ? null : this.#parsers[f](text);
        start = stop + 1;
      }
    } catch (e) {
      throw this.#withField(e, f);
    }
    if (extra) throw this.#tooMany(line.split(delim).length);
    return row;
  }

  /** Split a line with quotes or escapes into #texts/#verbatim; returns the field count. */
  #splitQuoted(line: string): number {
    const len = line.length;
    const d = this.#delim;
    const q = this.#quote;
    const esc = this.#escape;
    const texts = this.#texts;
    const verbatim = this.#verbatim;
    let count = 0;
    let p = 0;
    for (;;) {
      let text = '';
      let isVerbatim = true;
      if (p < len && line.charCodeAt(p) === q) {
        isVerbatim = false;
        let seg = ++p;
        for (;;) {
          if (p >= len) throw new DecodeError('quoted value is not closed before the end of the record', this.#nameAt(count));
          const c = line.charCodeAt(p);
          if (c === q) {
            if (line.charCodeAt(p + 1) === q) { // doubled quote stands for one quote
              text += line.slice(seg, p + 1);
              p += 2;
              seg = p;
              continue;
            }
            text += line.slice(seg, p);
            p++;
            break;
          }
          if (c === esc) {
            if (p + 1 >= len) throw new DecodeError('escape character at the end of the record', this.#nameAt(count));
            text += line.slice(seg, p) + unescape(line.charCodeAt(p + 1));
            p += 2;
            seg = p;
            continue;
          }
          p++;
        }
        // Like Jackson: blanks may follow the closing quote, anything else is an error.
        while (p < len && line.charCodeAt(p) !== d && (line.charCodeAt(p) === 32 || line.charCodeAt(p) === 9)) p++;
        if (p < len && line.charCodeAt(p) !== d) {
          throw new DecodeError(`unexpected ${quoteValue(line[p])} after the closing quote (expected the field delimiter)`, this.#nameAt(count));
        }
      } else {
        let seg = p;
        while (p < len) {
          const c = line.charCodeAt(p);
          if (c === d) break;
          if (c === esc) {
            if (p + 1 >= len) throw new DecodeError('escape character at the end of the record', this.#nameAt(count));
            text += line.slice(seg, p) + unescape(line.charCodeAt(p + 1));
            isVerbatim = false;
            p += 2;
            seg = p;
            continue;
          }
          p++;
        }
        text += line.slice(seg, p);
      }
      texts[count] = text;
      verbatim[count] = isVerbatim;
      count++;
      if (p >= len) return count;
      p++; // the delimiter; a delimiter at the very end starts one more, empty, field
    }
  }

  #convert(count: number): Row {
    const n = this.#names.length;
    if (count < n) throw this.#tooFew(count);
    if (count > n) throw this.#tooMany(count);
    const nullLiteral = this.#opts.nullLiteral;
    const row: RowValue[] = new Array<RowValue>(n);
    let f = 0;
    try {
      for (; f < n; f++) {
        const text = this.#texts[f];
        row[f] = this.#verbatim[f] && text === nullLiteral ? null : this.#parsers[f](text);
      }
    } catch (e) {
      throw this.#withField(e, f);
    }
    return row;
  }

  /** The column of the char at `at`: delimiters before it outside quotes, escaped chars skipped. */
  fieldAt(value: string, at: number): string | undefined {
    const d = this.#delim;
    const q = this.#quote;
    const esc = this.#escape;
    let field = 0;
    let quoted = false;
    for (let p = 0; p < at && p < value.length; p++) {
      const c = value.charCodeAt(p);
      if (c === esc) p++;
      else if (c === q) quoted = !quoted; // a doubled quote toggles twice
      else if (c === d && !quoted) field++;
    }
    return this.#nameAt(field);
  }

  #nameAt(i: number): string | undefined {
    return this.#names[i];
  }

  #withField(e: unknown, f: number): unknown {
    return e instanceof DecodeError && e.field === undefined && f < this.#names.length ? new DecodeError(e.reason, this.#names[f]) : e;
  }

  #tooFew(count: number): DecodeError {
    const n = this.#names.length;
    return new DecodeError(`missing: the record has ${plural(count)}, the schema ${n}`, this.#names[count]);
  }

  #tooMany(count: number): DecodeError {
    return new DecodeError(`the record has ${plural(count)} but the schema has ${this.#names.length} (${this.#names.join(', ')})`);
  }
}
