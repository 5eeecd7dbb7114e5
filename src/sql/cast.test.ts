import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformError } from './index.ts';
import { evaluate, typeOf } from './testing.ts';

function castFails(expr: string, values: Record<string, string | number | bigint | boolean | null>, message: RegExp): void {
  assert.throws(() => evaluate(expr, values), (err: unknown) => {
    assert.ok(err instanceof TransformError, `${expr}: ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

test('CAST between numbers: narrowing wraps like Java, DOUBLE truncates and saturates', () => {
  assert.equal(evaluate('CAST(b AS INT)', { b: 3000000000n }), -1294967296);
  assert.equal(evaluate('CAST(i AS TINYINT)', { i: 200 }), -56);
  assert.equal(evaluate('CAST(d AS INT)', { d: -3.9 }), -3);
  assert.equal(evaluate('CAST(d AS INT)', { d: 1e20 }), 2147483647);
  assert.equal(evaluate('CAST(d AS BIGINT)', { d: 1e30 }), 9223372036854775807n);
  assert.equal(evaluate('CAST(m AS INT)', { m: '-12.99' }), -12);
  assert.equal(evaluate('CAST(i AS BIGINT)', { i: 5 }), 5n);
  assert.equal(evaluate('CAST(b AS DOUBLE)', { b: 5n }), 5);
  assert.equal(evaluate('CAST(flag AS INT)', { flag: true }), 1);
});

test('CAST from STRING: trims, accepts a fraction for integers, fails on bad text and overflow', () => {
  assert.equal(evaluate('CAST(s AS INT)', { s: ' 42 ' }), 42);
  assert.equal(evaluate('CAST(s AS INT)', { s: '3.7' }), 3);
  assert.equal(evaluate('CAST(s AS BIGINT)', { s: '-9223372036854775808' }), -9223372036854775808n);
  assert.equal(evaluate('CAST(s AS DOUBLE)', { s: '1.5e3' }), 1500);
  castFails('CAST(s AS INT)', { s: 'abc' }, /'abc' is not a valid INT in 'CAST\(s AS INT\)'/);
  castFails('CAST(s AS INT)', { s: '2147483648' }, /'2147483648' is out of range for INT/);
  castFails('CAST(s AS BIGINT)', { s: '9223372036854775808' }, /out of range for BIGINT/);
  castFails('CAST(s AS DOUBLE)', { s: '1.2.3' }, /not a valid DOUBLE/);
  castFails('CAST(s AS BOOLEAN)', { s: 'maybe' }, /not a valid BOOLEAN/);
  castFails('CAST(s AS DATE)', { s: '2023-02-29' }, /not a valid DATE/);
  castFails('CAST(s AS TIMESTAMP)', { s: '2023-01-01 25:00:00' }, /not a valid TIMESTAMP/);
  assert.equal(evaluate('CAST(s AS BOOLEAN)', { s: 'TRUE' }), true);
  assert.equal(evaluate('CAST(s AS DATE)', { s: '2024-2-9' }), '2024-02-09');
  assert.equal(evaluate('CAST(s AS TIMESTAMP(3))', { s: '2024-01-02T03:04:05.123456' }), '2024-01-02 03:04:05.123');
});

test('TRY_CAST gives NULL where CAST fails', () => {
  assert.equal(evaluate('TRY_CAST(s AS INT)', { s: 'abc' }), null);
  assert.equal(evaluate('TRY_CAST(s AS INT)', { s: '2147483648' }), null);
  assert.equal(evaluate('TRY_CAST(s AS DECIMAL(3, 1))', { s: '123.4' }), null);
  assert.equal(evaluate('TRY_CAST(s AS DATE)', { s: 'x' }), null);
  assert.equal(evaluate('TRY_CAST(s AS INT)', { s: '12' }), 12);
});

test('CAST to DECIMAL: HALF_UP to the scale, precision overflow fails', () => {
  assert.equal(typeOf('CAST(s AS DECIMAL(5, 2))'), 'DECIMAL(5, 2)');
  assert.equal(evaluate('CAST(s AS DECIMAL(5, 2))', { s: '1.005' }), '1.01');
  assert.equal(evaluate('CAST(s AS DECIMAL(5, 2))', { s: '-1.005' }), '-1.01');
  assert.equal(evaluate('CAST(s AS DECIMAL(5, 2))', { s: '7' }), '7.00');
  assert.equal(evaluate('CAST(d AS DECIMAL(10, 3))', { d: 0.1 }), '0.100');
  assert.equal(evaluate('CAST(i AS DECIMAL(12, 2))', { i: 5 }), '5.00');
  assert.equal(evaluate('CAST(s AS DECIMAL(38, 0))', { s: '12345678901234567890123456789012345678' }), '12345678901234567890123456789012345678');
  castFails('CAST(s AS DECIMAL(5, 2))', { s: '1234.5' }, /1234\.5 does not fit DECIMAL\(5, 2\)/);
  castFails('CAST(d AS DECIMAL(5, 2))', { d: NaN }, /NaN cannot be a DECIMAL/);
  assert.equal(evaluate('CAST(m AS DECIMAL(4, 1))', { m: '123.45' }), '123.5');
});

test('CAST to STRING: Java spellings for DOUBLE and BOOLEAN; VARCHAR(n) cuts', () => {
  assert.equal(evaluate('CAST(d AS STRING)', { d: 1 }), '1.0');
  assert.equal(evaluate('CAST(d AS STRING)', { d: 0.0001 }), '1.0E-4');
  assert.equal(evaluate('CAST(d AS STRING)', { d: 1.5e10 }), '1.5E10');
  assert.equal(evaluate('CAST(i AS STRING)', { i: -5 }), '-5');
  assert.equal(evaluate('CAST(b AS STRING)', { b: 12345678901234567890n - 10000000000000000000n }), '2345678901234567890');
  assert.equal(evaluate('CAST(flag AS STRING)', { flag: false }), 'FALSE');
  assert.equal(evaluate('CAST(s AS VARCHAR(3))', { s: 'abcdef' }), 'abc');
  assert.equal(evaluate('CAST(m AS STRING)', { m: '1.50' }), '1.50');
  assert.equal(evaluate('CAST(ts AS DATE)', { ts: '2024-01-02 03:04:05' }), '2024-01-02');
  assert.equal(evaluate('CAST(dt AS TIMESTAMP)', { dt: '2024-01-02' }), '2024-01-02 00:00:00');
});

test('CAST of NULL is NULL of the target type', () => {
  assert.equal(evaluate('CAST(NULL AS INT)'), null);
  assert.equal(typeOf('CAST(NULL AS INT)'), 'INT');
  assert.equal(evaluate('CAST(s AS INT)'), null);
});
