import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, typeOf } from './testing.ts';

test('CASE WHEN (searched and simple), IF, COALESCE, NULLIF', () => {
  const c = "CASE WHEN i > 10 THEN 'big' WHEN i > 0 THEN 'small' ELSE 'none' END";
  assert.equal(evaluate(c, { i: 11 }), 'big');
  assert.equal(evaluate(c, { i: 1 }), 'small');
  assert.equal(evaluate(c, { i: null }), 'none', 'a NULL condition does not select its branch');
  assert.equal(evaluate("CASE i WHEN 1 THEN 'one' END", { i: 2 }), null);
  assert.equal(evaluate("CASE i WHEN 1 THEN 'one' END", { i: 1 }), 'one');
  assert.equal(typeOf('CASE WHEN flag THEN 1 ELSE b END'), 'BIGINT');
  assert.equal(evaluate('CASE WHEN flag THEN 1 ELSE b END', { flag: true }), 1n);
  assert.equal(evaluate('IF(i > 1, 1, 2)', { i: 5 }), 1);
  assert.equal(evaluate('IF(i > 1, 1, 2)'), 2);
  assert.equal(evaluate("COALESCE(s, 'x')"), 'x');
  assert.equal(evaluate("COALESCE(s, 'x')", { s: 'a' }), 'a');
  assert.equal(evaluate('COALESCE(i, j, 7)', { j: 3 }), 3);
  assert.equal(evaluate('NULLIF(i, 0)', { i: 0 }), null);
  assert.equal(evaluate('NULLIF(i, 0)', { i: 4 }), 4);
});

test('numeric functions', () => {
  assert.equal(evaluate('ABS(i)', { i: -3 }), 3);
  assert.equal(evaluate('ABS(b)', { b: -3n }), 3n);
  assert.equal(evaluate('ABS(m)', { m: '-1.50' }), '1.50');
  assert.equal(evaluate('FLOOR(d)', { d: -1.5 }), -2);
  assert.equal(evaluate('CEIL(d)', { d: -1.5 }), -1);
  assert.equal(evaluate('FLOOR(m)', { m: '-1.50' }), '-2');
  assert.equal(evaluate('CEIL(m)', { m: '1.01' }), '2');
  assert.equal(typeOf('CEIL(m)'), 'DECIMAL(9, 0)');
  assert.equal(evaluate('ROUND(d, 2)', { d: 2.675 }), 2.68, 'HALF_UP on the decimal value');
  assert.equal(evaluate('ROUND(d)', { d: -2.5 }), -3);
  assert.equal(evaluate('ROUND(m, 1)', { m: '1.25' }), '1.3');
  assert.equal(evaluate('ROUND(i, -2)', { i: 1250 }), 1300);
  assert.equal(evaluate('POWER(i, 2)', { i: 3 }), 9);
  assert.equal(evaluate('SQRT(d)', { d: 16 }), 4);
  assert.equal(evaluate('SQRT(d)'), null);
});

test('string functions', () => {
  assert.equal(evaluate('UPPER(s)', { s: 'aBc' }), 'ABC');
  assert.equal(evaluate('LOWER(s)', { s: 'aBc' }), 'abc');
  assert.equal(evaluate('TRIM(s)', { s: '  a b  ' }), 'a b');
  assert.equal(evaluate('LTRIM(s)', { s: '  a  ' }), 'a  ');
  assert.equal(evaluate('RTRIM(s)', { s: '  a  ' }), '  a');
  assert.equal(evaluate("TRIM(BOTH 'x' FROM s)", { s: 'xxaxx' }), 'a');
  assert.equal(evaluate("TRIM(LEADING 'x' FROM s)", { s: 'xxaxx' }), 'axx');
  assert.equal(evaluate('CHAR_LENGTH(s)', { s: 'h€llo😀' }), 6);
  assert.equal(evaluate('SUBSTRING(s, 2, 3)', { s: 'abcdef' }), 'bcd');
  assert.equal(evaluate('SUBSTR(s, 3)', { s: 'abcdef' }), 'cdef');
  assert.equal(evaluate('SUBSTRING(s, -2)', { s: 'abcdef' }), 'ef');
  assert.equal(evaluate('SUBSTRING(s FROM 2 FOR 2)', { s: 'abcdef' }), 'bc');
  assert.equal(evaluate("CONCAT(s, '-', s)", { s: 'a' }), 'a-a');
  assert.equal(evaluate("CONCAT(s, 'x')"), null);
  assert.equal(evaluate("CONCAT_WS('-', s, 'b', s)", { s: 'a' }), 'a-b-a');
  assert.equal(evaluate("CONCAT_WS('-', 'a', s, 'c')"), 'a-c', 'NULL parts are skipped');
  assert.equal(evaluate("REPLACE(s, 'a', 'xy')", { s: 'banana' }), 'bxynxynxy');
  assert.equal(evaluate("REGEXP_REPLACE(s, '[0-9]+', '#')", { s: 'a1b22c' }), 'a#b#c');
  assert.equal(evaluate("SPLIT_INDEX(s, ',', 1)", { s: 'a,b,c' }), 'b');
  assert.equal(evaluate("SPLIT_INDEX(s, ',', 5)", { s: 'a,b,c' }), null);
  assert.equal(evaluate("POSITION('c' IN s)", { s: 'abc' }), 3);
  assert.equal(evaluate("POSITION('z' IN s)", { s: 'abc' }), 0);
  assert.equal(evaluate("LPAD(s, 5, '0')", { s: '42' }), '00042');
  assert.equal(evaluate("RPAD(s, 5, 'ab')", { s: 'x' }), 'xabab');
  assert.equal(evaluate("LPAD(s, 2, '0')", { s: 'abcd' }), 'ab');
  assert.equal(evaluate('HASH_CODE(s)', { s: 'hello' }), 99162322, "Java's \"hello\".hashCode()");
  assert.equal(evaluate('HASH_CODE(b)', { b: 1n << 32n }), 1);
  assert.equal(evaluate('HASH_CODE(i)', { i: 7 }), 7);
});

test('date and time functions', () => {
  const ts = '2024-03-05 07:08:09.123';
  assert.equal(evaluate("DATE_FORMAT(ts, 'yyyy/MM/dd HH:mm:ss.SSS')", { ts }), '2024/03/05 07:08:09.123');
  assert.equal(evaluate("DATE_FORMAT(s, 'yyyyMMdd')", { s: '2024-03-05 01:02:03' }), '20240305');
  assert.equal(evaluate("TO_DATE(s)", { s: '2024-03-05' }), '2024-03-05');
  assert.equal(evaluate("TO_DATE(s, 'dd/MM/yyyy')", { s: '05/03/2024' }), '2024-03-05');
  assert.equal(evaluate("TO_DATE(s)", { s: '2024-02-30' }), null);
  assert.equal(typeOf('TO_TIMESTAMP(s)'), 'TIMESTAMP(3)');
  assert.equal(evaluate('TO_TIMESTAMP(s)', { s: '2024-03-05 07:08:09' }), '2024-03-05 07:08:09');
  assert.equal(evaluate("TO_TIMESTAMP(s, 'yyyyMMddHHmm')", { s: '202403050708' }), '2024-03-05 07:08:00');
  assert.equal(evaluate('TO_TIMESTAMP(s)', { s: 'nope' }), null);
  assert.equal(typeOf('EXTRACT(YEAR FROM ts)'), 'BIGINT');
  assert.equal(evaluate('EXTRACT(YEAR FROM ts)', { ts }), 2024n);
  assert.equal(evaluate('EXTRACT(MONTH FROM dt)', { dt: '2024-12-01' }), 12n);
  assert.equal(evaluate('YEAR(dt)', { dt: '1999-12-31' }), 1999n);
  assert.equal(evaluate('MONTH(ts)', { ts }), 3n);
  assert.equal(evaluate('DAYOFMONTH(ts)', { ts }), 5n);
  assert.equal(evaluate('HOUR(ts)', { ts }), 7n);
  assert.equal(evaluate('MINUTE(ts)', { ts }), 8n);
  assert.equal(evaluate('YEAR(ts)'), null);
  assert.equal(evaluate('YEAR(ts) = 2024', { ts }), true);
});

test('NULL in → NULL out for strict functions', () => {
  for (const expr of ['UPPER(s)', 'ABS(i)', 'SUBSTRING(s, 1, 2)', 'CHAR_LENGTH(s)', 'HASH_CODE(s)', "DATE_FORMAT(ts, 'yyyy')", 'i + 1', 'CAST(s AS INT)', 'MOD(i, 2)']) {
    assert.equal(evaluate(expr), null, expr);
  }
});
