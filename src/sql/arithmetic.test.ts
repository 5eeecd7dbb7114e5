import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformError } from './index.ts';
import { evaluate, typeOf } from './testing.ts';

test('MOD follows SQL/Flink (sign of the dividend); PMOD is never negative for a positive divisor', () => {
  assert.equal(evaluate('MOD(-7, 3)'), -1);
  assert.equal(evaluate('MOD(7, -3)'), 1);
  assert.equal(evaluate('MOD(-6, 3)'), 0);
  assert.ok(Object.is(evaluate('MOD(i, 3)', { i: -6 }), 0), 'no -0');
  assert.equal(evaluate('i % 3', { i: -7 }), -1);
  assert.equal(evaluate('PMOD(-7, 3)'), 2);
  assert.equal(evaluate('PMOD(7, 3)'), 1);
  assert.equal(evaluate('PMOD(-9, 3)'), 0);
  // Python: 7 % -3 == -2 and -7 % -3 == -1.
  assert.equal(evaluate('PMOD(7, -3)'), -2);
  assert.equal(evaluate('PMOD(-7, -3)'), -1);
  assert.equal(evaluate('PMOD(b, 3)', { b: -7n }), 2n);
  assert.equal(evaluate('MOD(b, 3)', { b: -7n }), -1n);
  assert.equal(evaluate('PMOD(d, 3)', { d: -7.5 }), 1.5);
  assert.equal(evaluate('MOD(NULL, 3)'), null);
  assert.equal(evaluate('PMOD(i, 3)', { i: null }), null);
});

test('INT arithmetic: INT/INT is INT and truncates; overflow wraps like Java int', () => {
  assert.equal(typeOf('i / j'), 'INT');
  assert.equal(evaluate('i / j', { i: 7, j: 2 }), 3);
  assert.equal(evaluate('i / j', { i: -7, j: 2 }), -3);
  assert.equal(evaluate('i + 1', { i: 2147483647 }), -2147483648);
  assert.equal(evaluate('i * 2', { i: 2147483647 }), -2);
  assert.equal(evaluate('i - 1', { i: -2147483648 }), 2147483647);
  assert.equal(evaluate('i / j', { i: -2147483648, j: -1 }), -2147483648);
  assert.equal(evaluate('-i', { i: -2147483648 }), -2147483648);
  assert.equal(evaluate('i + j', { i: 1, j: null }), null);
});

test('division by zero is a TransformError naming the expression', () => {
  for (const [expr, values] of [['i / j', { i: 1, j: 0 }], ['b / 0', { b: 5n }], ['MOD(i, j)', { i: 1, j: 0 }], ['m / 0', { m: '1.00' }]] as const) {
    assert.throws(() => evaluate(expr, values), (err: unknown) => {
      assert.ok(err instanceof TransformError, expr);
      assert.match(err.message, new RegExp(`division by zero in '${expr.replace(/[()/]/g, '\\$&')}'`));
      return true;
    });
  }
  // DOUBLE follows IEEE like Java/Flink.
  assert.equal(evaluate('d / 0', { d: 1 }), Infinity);
});

test('BIGINT arithmetic is exact and wraps at 64 bits; INT mixes in as BIGINT', () => {
  assert.equal(typeOf('b + i'), 'BIGINT');
  assert.equal(evaluate('b + i', { b: 9007199254740993n, i: 1 }), 9007199254740994n);
  assert.equal(evaluate('b * 2', { b: 9223372036854775807n }), -2n);
  assert.equal(evaluate('b / 2', { b: -7n }), -3n);
  assert.equal(evaluate('b = 5', { b: 5n }), true);
});

test('DOUBLE and mixed arithmetic', () => {
  assert.equal(typeOf('i + d'), 'DOUBLE');
  assert.equal(evaluate('i + d', { i: 1, d: 0.5 }), 1.5);
  assert.equal(evaluate('b * d', { b: 3n, d: 0.5 }), 1.5);
});

test('DECIMAL arithmetic is exact with Flink result types', () => {
  assert.equal(typeOf('m + m'), 'DECIMAL(11, 2)');
  assert.equal(evaluate('m + 0.01', { m: '0.10' }), '0.11');
  assert.equal(evaluate('m * m', { m: '1.10' }), '1.2100');
  assert.equal(typeOf('m * m'), 'DECIMAL(20, 4)');
  assert.equal(typeOf('m / 3'), 'DECIMAL(21, 13)');
  assert.equal(evaluate('m / 3', { m: '1.00' }), '0.3333333333333');
  assert.equal(evaluate('m + i', { m: '1.25', i: 2 }), '3.25');
  assert.equal(evaluate('-m', { m: '1.25' }), '-1.25');
  assert.equal(evaluate('m > 1.2', { m: '1.25' }), true);
  assert.equal(evaluate('m = 1.250', { m: '1.25' }), true);
  assert.equal(typeOf('m + d'), 'DOUBLE');
});

test('string concatenation with || and NULL', () => {
  assert.equal(evaluate("s || '!'", { s: 'hi' }), 'hi!');
  assert.equal(evaluate("s || '!'"), null);
});

test('comparisons, IN, BETWEEN, LIKE, IS [NOT] NULL with three-valued logic', () => {
  assert.equal(evaluate('i IN (1, 2, 3)', { i: 2 }), true);
  assert.equal(evaluate('i IN (1, 2, 3)', { i: 5 }), false);
  assert.equal(evaluate('i IN (1, 2, 3)'), null);
  assert.equal(evaluate('i IN (1, NULL)', { i: 5 }), null);
  assert.equal(evaluate('i IN (1, NULL)', { i: 1 }), true);
  assert.equal(evaluate('i NOT IN (1, 2)', { i: 5 }), true);
  assert.equal(evaluate("s IN ('a', 'b')", { s: 'b' }), true);
  assert.equal(evaluate('b IN (1, 2)', { b: 2n }), true);
  assert.equal(evaluate('i BETWEEN 1 AND 3', { i: 3 }), true);
  assert.equal(evaluate('i NOT BETWEEN 1 AND 3', { i: 4 }), true);
  assert.equal(evaluate('i BETWEEN j AND 3', { i: 2 }), null);
  assert.equal(evaluate('i BETWEEN j AND 3', { i: 5 }), false);
  assert.equal(evaluate("s LIKE 'a%c_'", { s: 'abbbcd' }), true);
  assert.equal(evaluate("s LIKE 'a%c_'", { s: 'abbbc' }), false);
  assert.equal(evaluate("s LIKE '50\\%'", { s: '50%' }), true);
  assert.equal(evaluate("s LIKE '50\\%'", { s: '500' }), false);
  assert.equal(evaluate("s NOT LIKE 'a.%'", { s: 'abc' }), true);
  assert.equal(evaluate('s IS NULL'), true);
  assert.equal(evaluate('s IS NOT NULL', { s: '' }), true);
  assert.equal(evaluate('i <> j', { i: 1, j: 2 }), true);
  assert.equal(evaluate('i != j', { i: 1, j: 1 }), false);
  assert.equal(evaluate("ts > '2024-01-01 00:00:00'", { ts: '2024-01-01 00:00:00.5' }), true);
  assert.equal(evaluate("ts = '2024-01-01 00:00:00'", { ts: '2024-01-01 00:00:00.000' }), true);
  assert.equal(evaluate("dt < DATE '2024-01-02'", { dt: '2024-01-01' }), true);
});

test('AND/OR/NOT truth tables with NULL', () => {
  const cases: Array<[boolean | null, boolean | null, boolean | null, boolean | null]> = [
    // a, b, a AND b, a OR b
    [true, null, null, true], [false, null, false, null], [null, null, null, null],
    [true, true, true, true], [true, false, false, true], [false, false, false, false],
  ];
  for (const [a, b, andR, orR] of cases) {
    assert.equal(evaluate(`flag AND (i = 1)`, { flag: a, i: b === null ? null : b ? 1 : 0 }), andR, `${a} AND ${b}`);
    assert.equal(evaluate(`flag OR (i = 1)`, { flag: a, i: b === null ? null : b ? 1 : 0 }), orR, `${a} OR ${b}`);
  }
  assert.equal(evaluate('NOT flag'), null);
  assert.equal(evaluate('NOT flag', { flag: false }), true);
});
