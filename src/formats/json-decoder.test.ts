import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Field, JsonFormat, Row } from '../api/types.ts';
import { createDecoder, DecodeError, FormatOptionsError } from './index.ts';

const schema: Field[] = [{ name: 'uid', type: 'INT' }, { name: 'name', type: 'STRING' }];

function decode(values: string[], format: Partial<JsonFormat> = {}, fields: Field[] = schema) {
  const decoder = createDecoder({ type: 'json', ...format }, fields);
  const rows: Row[] = [];
  const errors: Array<[number, DecodeError]> = [];
  const n = decoder.decodeBatch(values, rows, (i, e) => { errors.push([i, e]); });
  assert.equal(n, rows.length);
  return { rows, errors, skipped: decoder.skippedRecords };
}

function messages(values: string[], fields: Field[] = schema, format: Partial<JsonFormat> = {}): string[] {
  return decode(values, format, fields).errors.map(([, e]) => e.message);
}

test('fields are picked by name, in schema order; unknown fields (even nested) ignored; missing → NULL', () => {
  const { rows, errors } = decode([
    '{"uid": 42}',
    '{"name":"x","uid":1}',
    ' { "extra" : {"deep": [1, {"a": null}]}, "uid" : -7 , "name" : "y" } ',
    '{}',
    '{"uid": null, "name": null}',
  ]);
  assert.deepEqual(errors, []);
  assert.deepEqual(rows, [[42, null], [1, 'x'], [-7, 'y'], [null, null], [null, null]]);
});

test('strings with escapes and unicode (CJK, emoji, escaped surrogate pairs)', () => {
  const { rows } = decode(['{"uid":1,"name":"a\\"b\\\\c\\n\\u00e9"}', '{"uid":2,"name":"你好😀"}', '{"uid":3,"name":"\\ud83d\\ude00"}', '{"u\\u0069d":4}']);
  assert.deepEqual(rows, [[1, 'a"b\\c\né'], [2, '你好😀'], [3, '😀'], [4, null]]);
});

test('duplicate keys: the last one wins, on both paths', () => {
  assert.deepEqual(decode(['{"uid":1,"uid":2}', '{"uid":1,"name":"\\n","uid":2}']).rows, [[2, null], [2, '\n']]);
});

test('BIGINT stays exact above 2^53 on the fast path and through JSON.parse', () => {
  const fields: Field[] = [{ name: 'id', type: 'BIGINT' }, { name: 'n', type: 'STRING' }];
  const { rows, errors } = decode([
    '{"id": 9007199254740993}',
    '{"id": -9223372036854775808, "n": "\\t"}',
    '{"id": "9223372036854775807"}',
    '{"id": 1e3}',
    '{"id": 123, "n": 12345678901234567890}',
  ], {}, fields);
  assert.deepEqual(errors, []);
  assert.deepEqual(rows, [[9007199254740993n, null], [-9223372036854775808n, '\t'], [9223372036854775807n, null], [1000n, null], [123n, '12345678901234567890']]);
  assert.deepEqual(messages(['{"id": 9223372036854775808}', '{"id": 1.5}'], fields), [
    "field 'id': '9223372036854775808' is out of range for BIGINT",
    "field 'id': '1.5' is not an integer (BIGINT)",
  ]);
});

test('coercions like Flink json: numeric strings, integral numbers, nested values as JSON text for STRING', () => {
  const fields: Field[] = [
    { name: 'i', type: 'INT' }, { name: 'd', type: 'DOUBLE' }, { name: 'dec', type: 'DECIMAL(10, 2)' }, { name: 'b', type: 'BOOLEAN' },
    { name: 's', type: 'STRING' }, { name: 'f', type: 'FLOAT' },
  ];
  const { rows, errors } = decode([
    '{"i": " 42 ", "d": "1.5", "dec": "3.14159", "b": "TRUE", "s": 42.50, "f": "0.1"}',
    '{"i": 42.0, "d": 1e2, "dec": 12345678.999, "b": false, "s": {"a": [1, 2.50]}, "f": 3}',
    '{"i": -0, "d": -0, "dec": -0.001, "b": true, "s": true, "f": -1.5e-3}',
    '{"d": "NaN", "s": [1,"x"]}',
  ], {}, fields);
  assert.deepEqual(errors, []);
  assert.deepEqual(rows, [
    [42, 1.5, '3.14', true, '42.50', Math.fround(0.1)],
    [42, 100, '12345679.00', false, '{"a":[1,2.50]}', 3],
    [0, -0, '0.00', true, 'true', Math.fround(-1.5e-3)],
    [null, NaN, null, null, '[1,"x"]', null],
  ]);
  assert.ok(Object.is(rows[2][1], -0));
});

test('type errors name the field and what was wrong', () => {
  const fields: Field[] = [
    { name: 'i', type: 'INT' }, { name: 'b', type: 'BOOLEAN' }, { name: 'day', type: 'DATE' }, { name: 'dec', type: 'DECIMAL(3, 1)' },
  ];
  assert.deepEqual(messages([
    '{"i": "abc"}', '{"i": 2147483648}', '{"i": 1.5}', '{"i": true}', '{"i": {"x": 1}}', '{"i": [1]}',
    '{"b": 1}', '{"b": "yes"}', '{"day": "2021-02-30"}', '{"day": 20210101}', '{"dec": 100}', '{"i": 99999999999999999999}',
  ], fields), [
    "field 'i': 'abc' is not an INT",
    "field 'i': '2147483648' is out of range for INT",
    "field 'i': '1.5' is not an integer (INT)",
    "field 'i': true is not an INT",
    "field 'i': a JSON object is not an INT",
    "field 'i': a JSON array is not an INT",
    "field 'b': the number 1 is not a BOOLEAN",
    "field 'b': 'yes' is not a BOOLEAN (expected true or false)",
    "field 'day': '2021-02-30' is not a DATE (expected yyyy-MM-dd)",
    "field 'day': the number 20210101 is not a DATE",
    "field 'dec': '100' is out of range for DECIMAL(3, 1)",
    "field 'i': '99999999999999999999' is out of range for INT",
  ]);
});

test('records that are not a JSON object are errors without a field', () => {
  const errors = decode(['{"uid": 1', '[1]', '42', '"x"', 'null', '{"uid": 01}', '{"uid": 1} x', "{'uid': 1}"]).errors;
  assert.equal(errors.length, 8);
  for (const [, e] of errors) {
    assert.equal(e.field, undefined);
    assert.match(e.message, /^(invalid JSON: |the record is not a JSON object)/);
  }
});

test('empty records (Kafka tombstones, blank lines) are skipped, not errors', () => {
  assert.deepEqual(decode(['', '  ', '\n', '{"uid":1}']), { rows: [[1, null]], errors: [], skipped: 0 });
});

test('failOnMissingField: a missing field is an error naming it; a JSON null is not missing', () => {
  const { rows, errors } = decode(['{"uid": 1}', '{"uid": 1, "name": null}'], { failOnMissingField: true });
  assert.deepEqual(rows, [[1, null]]);
  assert.deepEqual(errors.map(([i, e]) => [i, e.field, e.message]), [[0, 'name', "field 'name': is missing from the record (failOnMissingField is set)"]]);
});

test('ignoreParseErrors: bad records skipped and counted; both it and failOnMissingField is refused', () => {
  const { rows, errors, skipped } = decode(['{"uid": 1}', 'nope', '{"uid": "x"}', '{"uid": 4}'], { ignoreParseErrors: true });
  assert.deepEqual(rows, [[1, null], [4, null]]);
  assert.deepEqual(errors, []);
  assert.equal(skipped, 2);
  assert.throws(() => createDecoder({ type: 'json', failOnMissingField: true, ignoreParseErrors: true }, schema),
    (e: unknown) => e instanceof FormatOptionsError && /ignoreParseErrors and format\.failOnMissingField cannot both be true/.test(e.message));
});

test('timestampFormat: SQL by default, ISO-8601 when asked; the row always holds the canonical SQL text', () => {
  const fields: Field[] = [{ name: 'ts', type: 'TIMESTAMP(3)' }];
  assert.deepEqual(decode(['{"ts": "2020-12-30 12:13:14.123456"}'], {}, fields).rows, [['2020-12-30 12:13:14.123']]);
  assert.match(messages(['{"ts": "2020-12-30T12:13:14"}'], fields)[0], /^field 'ts': '2020-12-30T12:13:14' is not a TIMESTAMP\(3\) \(expected yyyy-MM-dd HH:mm:ss/);
  assert.deepEqual(decode(['{"ts": "2020-12-30T12:13:14.5"}'], { timestampFormat: 'ISO-8601' }, fields).rows, [['2020-12-30 12:13:14.5']]);
});

test('wide schemas look keys up through a map and decode the same', () => {
  const fields: Field[] = Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, type: 'INT' }));
  const { rows } = decode(['{"c19": 19, "c0": 0, "zz": 1, "c7": 7}'], {}, fields);
  const expected = Array.from({ length: 20 }, () => null as number | null);
  expected[0] = 0; expected[7] = 7; expected[19] = 19;
  assert.deepEqual(rows, [expected]);
});

test('raw control characters: rejected inside strings (keys too), allowed as whitespace between tokens', () => {
  const { rows, errors } = decode(['{"uid":\t1,\r\n "name": "a b"}', '{"uid": 2, "name": "a\tb"}', '{"ui\u0001d": 3}', '{"uid": 4, "name": "x\u001fy"}']);
  assert.deepEqual(rows, [[1, 'a b']]);
  assert.deepEqual(errors.map(([i, e]) => [i, e.field]), [[1, undefined], [2, undefined], [3, undefined]]);
  for (const [, e] of errors) assert.match(e.message, /^invalid JSON: /);
});

test('a batch whose source vouches for no control characters decodes exactly as one without', () => {
  const values = ['{"uid": 1, "name": "plain"}', '{"name": "é日本🚀", "uid": -7}', '{"uid": 3, "other": "x", "name": null}', '{"uid": 4, "name": "q\\"uote"}'];
  const decoder = createDecoder({ type: 'json' }, schema);
  const vouched: Row[] = [];
  const checked: Row[] = [];
  decoder.decodeBatch(values, vouched, (i, e) => assert.fail(`record ${i}: ${e.message}`), true);
  decoder.decodeBatch(values, checked, (i, e) => assert.fail(`record ${i}: ${e.message}`), false);
  assert.deepEqual(vouched, [[1, 'plain'], [-7, 'é日本🚀'], [3, null], [4, 'q"uote']]);
  assert.deepEqual(vouched, checked);
});
