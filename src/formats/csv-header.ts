/**
 * `format.header: true` on a CSV source: each file's first line names the columns. It is read
 * with the format's own quoting rules and must name the schema's columns, in order; otherwise
 * the job fails naming the file and the first column that differs (reading by position under
 * the wrong names would load every value into the wrong column).
 */
import type { CsvFormat, Field } from '../api/types.ts';
import { JobFailedError } from '../errors.ts';
import { parseColumnType } from './column-types.ts';
import { CsvDecoder } from './csv-decoder.ts';
import { DecodeError } from './errors.ts';
import { compileCsvOptions } from './options.ts';

export function csvHeaderCheck(format: CsvFormat, schema: Field[]): (line: string, file: string) => void {
  const names = schema.map((f) => f.name);
  const asText = names.map((name, i) => parseColumnType({ name, type: 'STRING' }, i));
  // a header may hold a name equal to the null literal; read it as text, never NULL
  const decoder = new CsvDecoder({ ...compileCsvOptions(format), nullLiteral: '\u0000', ignoreParseErrors: false, allowComments: false }, names, asText);
  return (line, file) => {
    const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line; // a byte order mark is not part of the first name
    let got: string[];
    try {
      got = (decoder.decodeRecord(text) ?? []).map((v) => `${v}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // more or fewer fields than the schema: split plainly to say which
      got = text.split(compileCsvOptions(format).delimiter);
    }
    for (let i = 0; i < Math.max(got.length, names.length); i++) {
      if (got[i] === names[i]) continue;
      const where = `file ${file} line 1 (format.header): column ${i + 1}`;
      if (i >= got.length) throw new JobFailedError(`${where} '${names[i]}' of the schema is missing from the header (${got.length} names)`);
      if (i >= names.length) throw new JobFailedError(`${where} is '${got[i]}', but the schema has only ${names.length} columns`);
      throw new JobFailedError(`${where} is '${got[i]}', the schema's column ${i + 1} is '${names[i]}'`);
    }
  };
}
