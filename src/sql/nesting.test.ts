import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, SqlError } from './index.ts';
import { MAX_NESTING } from './nesting.ts';

const schema = [{ name: 'uid', type: 'INT' }];
const chain = (n: number, op = '+', term = 'uid'): string => Array.from({ length: n }, () => term).join(` ${op} `);

function refused(query: string, functions: Parameters<typeof compileQuery>[2] = []): SqlError {
  try {
    compileQuery(query, schema, functions);
  } catch (e) {
    assert.ok(e instanceof SqlError, `${(e as Error).name}: ${(e as Error).message}`);
    return e;
  }
  assert.fail('the query compiled');
}

test('a flat chain of 10,000 terms is refused naming where it starts, not a stack overflow', () => {
  const e = refused(`SELECT ${chain(10_000)} AS s FROM source`);
  assert.equal(e.message, `SELECT item 1 nests 10000 levels deep, more than the ${MAX_NESTING} supported (each operator of a chain like a + b + c is one level) ` +
    'at line 1, column 8 (split it, e.g. into named functions or shorter expressions)');
  // the longest query the schema allows (65536 chars), of the same shape
  const longest = `SELECT ${'uid+'.repeat(16_370)}uid FROM source`;
  assert.ok(longest.length <= 65536);
  assert.match(refused(longest).message, /SELECT item 1 nests 16371 levels deep/);
});

test('chains up to the limit compile and compute; the position names the item or the WHERE', () => {
  const q = compileQuery(`SELECT ${chain(MAX_NESTING)} AS s FROM source WHERE ${chain(MAX_NESTING / 2 - 1, 'AND', 'uid > 0')}`, schema);
  assert.deepEqual(q.apply([2]), [2 * MAX_NESTING]);
  assert.equal(q.apply([0]), null);
  const or = compileQuery(`SELECT uid FROM source WHERE ${chain(MAX_NESTING - 1, 'OR', 'uid = 7')}`, schema);
  assert.deepEqual(or.apply([7]), [7]);

  assert.match(refused(`SELECT uid,\n  ${chain(MAX_NESTING + 1)} AS s FROM source`).message, /^SELECT item 2 nests 251 levels deep.* at line 2, column 3 /);
  assert.match(refused(`SELECT uid FROM source WHERE ${chain(400, 'AND', 'uid > 0')}`).message, /^the WHERE condition nests \d+ levels deep.* at line 1, column 30 /);
});

test('parentheses nested too deep are refused at the one that goes too deep, before parsing', () => {
  const e = refused(`SELECT ${'('.repeat(300)}uid${')'.repeat(300)} FROM source`);
  assert.equal(e.message, `parentheses nested more than ${MAX_NESTING} deep at line 1, column ${8 + MAX_NESTING} (split the expression, e.g. into named functions)`);
});

test('a named function body is held to the same limit, and named in the error', () => {
  const e = refused('SELECT f(uid) FROM source', [{ name: 'f', params: [{ name: 'x', type: 'INT' }], returns: 'INT', expression: chain(1000, '+', 'x') }]);
  assert.match(e.message, /^the expression nests 1000 levels deep.* at line 1, column 1 in function 'f'/);
});
