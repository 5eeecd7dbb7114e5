import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CsvFormat, Field, JsonFormat, Row } from '../api/types.ts';
import { createEncoder, EncodeError, FormatOptionsError } from './index.ts';

const schema: Field[] = [{ name: 'uid', type: 'INT' }, { name: 'name', type: 'STRING' }];

function csv(rows: Row[], format: Partial<CsvFormat> = {}, fields: Field[] = schema, columns = fields.map((_, i) => i)): string {
  const encoder = createEncoder({ type: 'csv', ...format }, fields, columns);
  return rows.map((r) => encoder.encode(r)).join('');
}

function json(rows: Row[], format: Partial<JsonFormat> = {}, fields: Field[] = schema, columns = fields.map((_, i) => i)): string {
  const encoder = createEncoder({ type: 'json', ...format }, fields, columns);
  return rows.map((r) => encoder.encode(r)).join('');
}

test('csv: fields joined by the delimiter, one line per row, only the given columns in the given order', () => {
  assert.equal(csv([[1, 'alice'], [2, 'bob']]), '1,alice\n2,bob\n');
  assert.equal(csv([[1, 'alice']], {}, schema, [1, 0]), 'alice,1\n');
  assert.equal(csv([[1, 'alice']], {}, schema, [0]), '1\n');
});

test("csv quoting mirrors Flink's Jackson defaults: delimiter, quote, line breaks, blanks, punctuation, long values", () => {
  const cases: Array<[string, string]> = [
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['hello world', '"hello world"'],
    [' lead', '" lead"'],
    ['a+b', '"a+b"'],
    ['abc-DEF_123.xyz', 'abc-DEF_123.xyz'],
    ['x'.repeat(24), 'x'.repeat(24)],
    ['x'.repeat(25), `"${'x'.repeat(25)}"`],
    ['你好😀', '你好😀'],
    ['#tag', '"#tag"'],
    ['', '""'],
  ];
  for (const [value, written] of cases) assert.equal(csv([[1, value]]), `1,${written}\n`, JSON.stringify(value));
});

test('csv NULL is the nullLiteral; text equal to the nullLiteral is quoted so it reads back as text', () => {
  assert.equal(csv([[null, null]]), ',\n');
  assert.equal(csv([[null, 'NULL'], [1, '']], { nullLiteral: 'NULL' }), 'NULL,"NULL"\n1,\n');
});

test('csv with another delimiter computes the safe characters from it (tab: a comma needs no quotes)', () => {
  assert.equal(csv([[1, 'a,b'], [2, 'a b'], [3, 'a\tb']], { fieldDelimiter: '\t' }), '1\ta,b\n2\t"a b"\n3\t"a\tb"\n');
  assert.equal(csv([[1, "it's"]], { fieldDelimiter: ';', quoteCharacter: "'" }), "1;'it''s'\n");
});

test('csv escape character: quote and escape doubled, line breaks escaped so the record stays on one line', () => {
  assert.equal(csv([[1, 'a"b\\c\nd\re']], { escapeCharacter: '\\' }), '1,"a""b\\\\c\\nd\\re"\n');
  assert.equal(csv([[1, 'plain\\']], { escapeCharacter: '\\' }), '1,"plain\\\\"\n');
});

test('csv with quoting disabled: escapes when it can, refuses values it cannot write', () => {
  assert.equal(csv([[1, 'a b"c']], { disableQuoteCharacter: true }), '1,a b"c\n');
  assert.equal(csv([[1, 'a,b\nc'], [2, 'NULL']], { disableQuoteCharacter: true, escapeCharacter: '\\', nullLiteral: 'NULL' }), '1,a\\,b\\nc\n2,\\NULL\n');
  assert.throws(() => csv([[1, 'a,b']], { disableQuoteCharacter: true }),
    (e: unknown) => e instanceof EncodeError && e.field === 'name' && /^field 'name': value contains the field delimiter/.test(e.message));
});

const allTypes: Field[] = [
  { name: 'i', type: 'INT' }, { name: 'big', type: 'BIGINT' }, { name: 'd', type: 'DOUBLE' }, { name: 'f', type: 'FLOAT' },
  { name: 'dec', type: 'DECIMAL(10, 2)' }, { name: 'b', type: 'BOOLEAN' }, { name: 'day', type: 'DATE' }, { name: 'ts', type: 'TIMESTAMP(3)' },
];
const typedRow: Row = [-2147483648, 9223372036854775807n, 1, Math.fround(0.1), '-12.50', true, '2024-02-29', '2024-02-29 23:59:59.5'];

test('csv values of every type, as Flink prints them', () => {
  assert.equal(csv([typedRow], {}, allTypes), '-2147483648,9223372036854775807,1.0,0.1,-12.50,true,2024-02-29,"2024-02-29 23:59:59.5"\n');
  assert.equal(csv([[1, 2n ** 60n, 1e21, NaN, 3.14159, false, null, null]], {}, allTypes), '1,1152921504606846976,1.0E21,NaN,3.14,false,,\n');
});

test('json: keys in the given column order, values typed, NULL as null', () => {
  assert.equal(json([[1, 'x']]), '{"uid":1,"name":"x"}\n');
  assert.equal(json([[1, null]], {}, schema, [1, 0]), '{"name":null,"uid":1}\n');
  assert.equal(json([[1, 'x']], {}, schema, []), '{}\n');
  assert.equal(json([[1, 'q"\\\n你😀']]), '{"uid":1,"name":"q\\"\\\\\\n你😀"}\n');
  assert.equal(json([[1]], {}, [{ name: 'we"ird', type: 'INT' }]), '{"we\\"ird":1}\n');
});

test('json values of every type: BIGINT and DECIMAL as exact numbers, DOUBLE as Java prints it, timestamps per timestampFormat', () => {
  assert.equal(json([typedRow], {}, allTypes),
    '{"i":-2147483648,"big":9223372036854775807,"d":1.0,"f":0.1,"dec":-12.50,"b":true,"day":"2024-02-29","ts":"2024-02-29 23:59:59.5"}\n');
  assert.equal(json([[0, 0n, NaN, -Infinity, '0.00', false, null, '2024-01-01 00:00:00']], { timestampFormat: 'ISO-8601' }, allTypes),
    '{"i":0,"big":0,"d":"NaN","f":"-Infinity","dec":0.00,"b":false,"day":null,"ts":"2024-01-01T00:00:00"}\n');
  // A DECIMAL computed as a number is written at the column's scale.
  assert.equal(json([[0, 0n, 0, 0, 1 / 3, true, null, null]], {}, allTypes, [4]), '{"dec":0.33}\n');
});

test('createEncoder refuses columns outside the schema', () => {
  assert.throws(() => createEncoder({ type: 'csv' }, schema, [0, 2]), (e: unknown) => e instanceof FormatOptionsError && e.option === 'columns[1]');
});
