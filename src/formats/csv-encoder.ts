/**
 * Rows → CSV lines, byte for byte what Flink's `csv` format writes (Jackson's CsvGenerator with
 * Flink's defaults), except where that output could not be read back (see README.md).
 *
 * Quoting follows Jackson's default "loose" check, so files diff cleanly against Flink's: a
 * text value is quoted when it is longer than 24 chars, or holds any char below
 * max(delimiter, quote) + 1 (with ',' and '"': space and most ASCII punctuation), or the escape
 * character. On top of that a value equal to `nullLiteral` (e.g. the empty string) or starting
 * with '#' is quoted, so it reads back as text and not as NULL or a comment.
 * Numbers, booleans and DECIMAL are never quoted.
 */
import type { Row } from '../api/types.ts';
import type { Encoder } from './codec.ts';
import type { ColumnType } from './column-types.ts';
import { EncodeError } from './errors.ts';
import type { CsvOptions } from './options.ts';
import { scalarFormatter, type Formatter } from './scalar-formatters.ts';

/** Jackson's CsvEncoder.MAX_QUOTE_CHECK: longer values are always quoted. */
const MAX_QUOTE_CHECK = 24;

export class CsvEncoder implements Encoder {
  readonly #columns: number[];
  readonly #formatters: Formatter[];
  readonly #delimiter: string;
  readonly #nullLiteral: string;
  /** `format.header`: the body's column names, quoted like text values (as Jackson writes a header). */
  readonly header?: string;

  constructor(opts: CsvOptions, names: string[], types: ColumnType[], columns: number[]) {
    this.#columns = columns.slice();
    this.#delimiter = opts.delimiter;
    this.#nullLiteral = opts.nullLiteral;
    this.#formatters = columns.map((c) => scalarFormatter(types[c], names[c]) ?? textFormatter(opts, names[c]));
    if (opts.header) this.header = columns.map((c) => textFormatter(opts, names[c]!)(names[c]!)).join(opts.delimiter) + '\n';
  }

  encode(row: Row): string {
    const columns = this.#columns;
    const formatters = this.#formatters;
    let line = '';
    for (let j = 0; j < columns.length; j++) {
      const v = row[columns[j]];
      const text = v === null || v === undefined ? this.#nullLiteral : formatters[j](v);
      line = j === 0 ? text : line + this.#delimiter + text;
    }
    return line + '\n';
  }
}

/** How text values (STRING, DATE, TIMESTAMP) are written: quoted/escaped as described above. */
function textFormatter(opts: CsvOptions, name: string): Formatter {
  const { delimiter, quote, escape, nullLiteral } = opts;
  if (quote === '') return unquotedFormatter(opts, name);
  const minSafe = Math.max(delimiter.charCodeAt(0), quote.charCodeAt(0)) + 1;
  const esc = escape === '' ? -1 : escape.charCodeAt(0);
  const needsQuotes = (s: string): boolean => {
    const len = s.length;
    if (len > MAX_QUOTE_CHECK || s === nullLiteral || s.charCodeAt(0) === 35) return true;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < minSafe || c === esc) return true;
    }
    return false;
  };
  const doubled = quote + quote;
  return (v) => {
    const s = `${v}`;
    if (!needsQuotes(s)) return s;
    // replaceAll costs ~3x a search even when nothing matches (the usual case): search first
    if (esc < 0) return quote + (s.includes(quote) ? s.replaceAll(quote, doubled) : s) + quote;
    // Jackson doubles both quote and escape chars; line breaks become \n / \r so the record stays on one line
    // (Jackson itself leaves them raw; its reader maps the escapes back, as ours does).
    let out = quote;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === quote || c === escape) out += c + c;
      else if (c === '\n') out += escape + 'n';
      else if (c === '\r') out += escape + 'r';
      else out += c;
    }
    return out + quote;
  };
}

/**
 * Quoting disabled: Flink would write the value raw and corrupt the line. We escape the
 * delimiter, line breaks and the escape char with the escape character, or refuse the value
 * when no escape character is set.
 */
function unquotedFormatter(opts: CsvOptions, name: string): Formatter {
  const { delimiter, escape, nullLiteral } = opts;
  return (v) => {
    const s = `${v}`;
    const special = s.includes(delimiter) || s.includes('\n') || s.includes('\r') || (escape !== '' && s.includes(escape));
    if (escape === '') {
      if (special) throw new EncodeError(`value contains the field delimiter or a line break, but disableQuoteCharacter is set and no escapeCharacter`, name);
      return s;
    }
    if (!special && (s !== nullLiteral || s === '')) return s;
    let out = s === nullLiteral ? escape : ''; // an escaped first char keeps text that equals nullLiteral from reading back as NULL
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === delimiter || c === escape) out += escape + c;
      else if (c === '\n') out += escape + 'n';
      else if (c === '\r') out += escape + 'r';
      else out += c;
    }
    return out;
  };
}
