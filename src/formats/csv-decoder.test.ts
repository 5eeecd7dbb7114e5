import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CsvFormat, Field, Row } from '../api/types.ts';
import { createDecoder, DecodeError, FormatOptionsError } from './index.ts';

const schema: Field[] = [{ name: 'uid', type: 'INT' }, { name: 'name', type: 'STRING' }];

/** Decode lines; returns rows and the errors reported through onError. */
function decode(lines: string[], format: Partial<CsvFormat> = {}, fields: Field[] = schema) {
  const decoder = createDecoder({ type: 'csv', ...format }, fields);
  const rows: Row[] = [];
  const errors: Array<[number, DecodeError]> = [];
  const n = decoder.decodeBatch(lines, rows, (i, e) => { errors.push([i, e]); });
  assert.equal(n, rows.length);
  return { rows, errors, skipped: decoder.skippedRecords };
}

test('plain fields, typed by the schema', () => {
  assert.deepEqual(decode(['1,alice', '-2,bob']).rows, [[1, 'alice'], [-2, 'bob']]);
});

test('quoted fields: delimiters, doubled quotes, blanks after the closing quote, quotes inside unquoted text', () => {
  const { rows, errors } = decode(['1,"a,b"', '2,"say ""hi"""', '3,""', '4,"x" ', '5,ab"c', '6,"multi\nline"']);
  assert.deepEqual(errors, []);
  assert.deepEqual(rows, [[1, 'a,b'], [2, 'say "hi"'], [3, ''], [4, 'x'], [5, 'ab"c'], [6, 'multi\nline']]);
});

test('other delimiters and quote characters, including tab and the two-character \\t', () => {
  assert.deepEqual(decode(['1\t"a\tb"'], { fieldDelimiter: '\t' }).rows, [[1, 'a\tb']]);
  assert.deepEqual(decode(['1\tx'], { fieldDelimiter: '\\t' }).rows, [[1, 'x']]);
  assert.deepEqual(decode(["1;'a;b'"], { fieldDelimiter: ';', quoteCharacter: "'" }).rows, [[1, 'a;b']]);
  assert.deepEqual(decode(['1|"a"'], { fieldDelimiter: '|', disableQuoteCharacter: true }).rows, [[1, '"a"']]);
});

test('escape character: in quoted and unquoted fields, \\n \\t \\r \\0 mapped like Jackson', () => {
  const { rows } = decode(['1,a\\,b', '2,"q\\"q"', '3,l1\\nl2\\tt\\\\', '4,\\N'], { escapeCharacter: '\\' });
  assert.deepEqual(rows, [[1, 'a,b'], [2, 'q"q'], [3, 'l1\nl2\tt\\'], [4, 'N']]);
  const bad = decode(['1,abc\\'], { escapeCharacter: '\\' });
  assert.match(bad.errors[0][1].message, /^field 'name': escape character at the end of the record$/);
});

test('NULL: an empty unquoted field by default; nullLiteral when set; quoted text is never NULL', () => {
  assert.deepEqual(decode([',', '1,""']).rows, [[null, null], [1, '']]);
  const { rows, errors } = decode(['NULL,NULL', '1,"NULL"', '2,'], { nullLiteral: 'NULL' });
  assert.deepEqual(rows, [[null, null], [1, 'NULL'], [2, '']]);
  assert.deepEqual(errors, []);
  // With a nullLiteral set, an empty INT is not NULL but bad data, as in Flink.
  assert.match(decode([',x'], { nullLiteral: 'NULL' }).errors[0][1].message, /^field 'uid': '' is not an INT$/);
});

test('line ends: trailing \\n, \\r\\n and \\r are dropped; empty records are skipped, not errors', () => {
  const { rows, errors } = decode(['1,a\r\n', '2,b\r', '3,c\n', '', '\r\n']);
  assert.deepEqual(rows, [[1, 'a'], [2, 'b'], [3, 'c']]);
  assert.deepEqual(errors, []);
});

test('allowComments: lines starting with # are skipped; without it they are data', () => {
  assert.deepEqual(decode(['# header', '#1,a', '1,a'], { allowComments: true }), { rows: [[1, 'a']], errors: [], skipped: 0 });
  const off = decode(['# a,b', '1,a']);
  assert.deepEqual(off.rows, [[1, 'a']]);
  assert.equal(off.errors.length, 1);
  assert.equal(off.errors[0][0], 0);
  assert.match(off.errors[0][1].message, /^field 'uid': '# a' is not an INT$/);
});

test('bad records name the field and the reason, and the good ones around them survive', () => {
  const { rows, errors } = decode(['1,a', 'abc,b', '3', '4,d,extra', '"5,e', '"6"x,f', '7,g']);
  assert.deepEqual(rows, [[1, 'a'], [7, 'g']]);
  assert.deepEqual(errors.map(([i, e]) => [i, e.field, e.message]), [
    [1, 'uid', "field 'uid': 'abc' is not an INT"],
    [2, 'name', "field 'name': missing: the record has 1 field, the schema 2"],
    [3, undefined, 'the record has 3 fields but the schema has 2 (uid, name)'],
    [4, 'uid', "field 'uid': quoted value is not closed before the end of the record"],
    [5, 'uid', "field 'uid': unexpected 'x' after the closing quote (expected the field delimiter)"],
  ]);
  assert.ok(errors.every(([, e]) => e instanceof DecodeError));
});

test('onError that throws aborts the batch', () => {
  const decoder = createDecoder({ type: 'csv' }, schema);
  const rows: Row[] = [];
  assert.throws(() => decoder.decodeBatch(['1,a', 'x,b', '3,c'], rows, (_i, e) => { throw e; }), /field 'uid'/);
  assert.deepEqual(rows, [[1, 'a']]);
});

test('ignoreParseErrors: bad records are skipped and counted, onError is not called', () => {
  const { rows, errors, skipped } = decode(['1,a', 'x,b', '3', '4,d', ''], { ignoreParseErrors: true });
  assert.deepEqual(rows, [[1, 'a'], [4, 'd']]);
  assert.deepEqual(errors, []);
  assert.equal(skipped, 2);
});

test('every type from CSV text, with surrounding blanks ignored for non-strings', () => {
  const fields: Field[] = [
    { name: 'b', type: 'BOOLEAN' }, { name: 't', type: 'TINYINT' }, { name: 'big', type: 'BIGINT' }, { name: 'f', type: 'FLOAT' },
    { name: 'd', type: 'DOUBLE' }, { name: 'dec', type: 'DECIMAL(6, 3)' }, { name: 'day', type: 'DATE' }, { name: 'ts', type: 'TIMESTAMP(3)' },
    { name: 's', type: 'VARCHAR(3)' },
  ];
  const { rows, errors } = decode([' TRUE ,-128, 9223372036854775807,0.1,1e-3,-1.23456,2024-02-29,2024-02-29T23:59:59.99999, x '], {}, fields);
  assert.deepEqual(errors, []);
  assert.deepEqual(rows, [[true, -128, 9223372036854775807n, Math.fround(0.1), 0.001, '-1.235', '2024-02-29', '2024-02-29 23:59:59.999', ' x ']]);
  const bad = decode(['true,1,1,1,1,1,2021-02-30,2021-01-01 00:00:00,s'], {}, fields);
  assert.equal(bad.errors[0][1].message, "field 'day': '2021-02-30' is not a DATE (expected yyyy-MM-dd)");
});

test('unicode text: CJK, emoji, combining marks pass through unchanged', () => {
  const { rows } = decode(['1,你好，世界', '2,"😀,👍🏽"', '3,e\u0301']);
  assert.deepEqual(rows, [[1, '你好，世界'], [2, '😀,👍🏽'], [3, 'e\u0301']]);
});

test('bad options are refused when the decoder is created, naming the option', () => {
  const bad: Array<[Partial<CsvFormat>, RegExp]> = [
    [{ fieldDelimiter: ';;' }, /^format\.fieldDelimiter must be a single character/],
    [{ fieldDelimiter: '\n' }, /^format\.fieldDelimiter cannot be a line break/],
    [{ quoteCharacter: ',' }, /^format\.quoteCharacter must differ from fieldDelimiter/],
    [{ escapeCharacter: '"' }, /^format\.escapeCharacter must differ/],
    [{ disableQuoteCharacter: true, quoteCharacter: "'" }, /^format\.quoteCharacter cannot be set together with disableQuoteCharacter/],
  ];
  for (const [format, message] of bad) {
    assert.throws(() => createDecoder({ type: 'csv', ...format }, schema), (e: unknown) => e instanceof FormatOptionsError && message.test(e.message));
  }
  assert.throws(() => createDecoder({ type: 'csv' }, [{ name: 'a', type: 'INT' }, { name: 'a', type: 'INT' }]), /schema\[1\]\.name 'a' appears twice/);
});
