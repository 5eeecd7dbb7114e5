/**
 * Rows → JSON lines like Flink's `json` format: `{"uid":1,"name":"x"}` + '\n', fields in the
 * order given, NULL as null, BIGINT and DECIMAL as plain JSON numbers (exact), DOUBLE as Java
 * prints it (`1.0`), NaN/Infinity as strings (Jackson's default), DATE/TIMESTAMP as strings in
 * the `timestampFormat`.
 */
import type { Row, RowValue } from '../api/types.ts';
import type { Encoder } from './codec.ts';
import type { ColumnType } from './column-types.ts';
import type { JsonOptions } from './options.ts';
import { scalarFormatter, type Formatter } from './scalar-formatters.ts';
import { isoTimestamp } from './values.ts';

function quoted(v: RowValue): string {
  return JSON.stringify(`${v}`);
}

function jsonFormatter(t: ColumnType, name: string, opts: JsonOptions): Formatter {
  if (t.kind === 'DOUBLE' || t.kind === 'FLOAT') {
    const number = scalarFormatter(t, name) as Formatter;
    return (v) => {
      const n = Number(v);
      return n === n && n !== Infinity && n !== -Infinity ? number(n) : JSON.stringify(number(n));
    };
  }
  if (t.kind === 'TIMESTAMP' && opts.timestampFormat === 'ISO-8601') return (v) => JSON.stringify(isoTimestamp(`${v}`));
  return scalarFormatter(t, name) ?? quoted;
}

export class JsonEncoder implements Encoder {
  readonly #columns: number[];
  readonly #formatters: Formatter[];
  /** `{"uid":`, `,"name":` — keys are escaped once, here. */
  readonly #prefixes: string[];

  constructor(opts: JsonOptions, names: string[], types: ColumnType[], columns: number[]) {
    this.#columns = columns.slice();
    this.#formatters = columns.map((c) => jsonFormatter(types[c], names[c], opts));
    this.#prefixes = columns.map((c, j) => `${j === 0 ? '{' : ','}${JSON.stringify(names[c])}:`);
  }

  encode(row: Row): string {
    const columns = this.#columns;
    if (columns.length === 0) return '{}\n';
    let out = '';
    for (let j = 0; j < columns.length; j++) {
      const v = row[columns[j]];
      out += this.#prefixes[j] + (v === null || v === undefined ? 'null' : this.#formatters[j](v));
    }
    return out + '}\n';
  }
}
