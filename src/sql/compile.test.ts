import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../api/types.ts';
import { compileQuery, TransformError } from './index.ts';
import { SCHEMA, row } from './testing.ts';

const UID_TO_PID = { name: 'uid_to_pid', params: [{ name: 'uid', type: 'INT' }], returns: 'INT', expression: 'PMOD(uid, 3)' };

test('seed Kafka job: SELECT uid, uid_to_pid(uid) AS pid matches Python uid % 3', () => {
  const q = compileQuery('SELECT uid, uid_to_pid(uid) AS pid FROM source', [{ name: 'uid', type: 'INT' }], [UID_TO_PID]);
  assert.deepEqual(q.outputSchema, [{ name: 'uid', type: 'INT' }, { name: 'pid', type: 'INT' }]);
  for (const uid of [0, 1, 2, 35, 100, -1, -7, -9]) {
    assert.deepEqual(q.apply([uid]), [uid, ((uid % 3) + 3) % 3], `uid ${uid}`);
  }
  assert.deepEqual(q.apply([null]), [null, null]);
});

test('seed Kafka job without alias names the column EXPR$1, like Flink', () => {
  const q = compileQuery('SELECT uid, uid_to_pid(uid) FROM source', [{ name: 'uid', type: 'INT' }], [UID_TO_PID]);
  assert.deepEqual(q.outputSchema.map((f) => f.name), ['uid', 'EXPR$1']);
});

test("seed file job: select('word, 1') is SELECT word, 1 AS ct → ct INT", () => {
  const q = compileQuery('SELECT word, 1 AS ct FROM source', [{ name: 'word', type: 'VARCHAR' }]);
  assert.deepEqual(q.outputSchema, [{ name: 'word', type: 'VARCHAR' }, { name: 'ct', type: 'INT' }]);
  const out: Row[] = [];
  assert.equal(q.applyBatch([['This'], ['is'], ['a'], ['demo']], out), 4);
  assert.deepEqual(out, [['This', 1], ['is', 1], ['a', 1], ['demo', 1]]);
});

test('SELECT * keeps every column in schema order, also beside other items', () => {
  const q = compileQuery('SELECT *, i + 1 AS nxt FROM source', SCHEMA);
  assert.deepEqual(q.outputSchema.map((f) => f.name), [...SCHEMA.map((f) => f.name), 'nxt']);
  assert.deepEqual(q.outputSchema.slice(0, SCHEMA.length), SCHEMA);
  const r = row({ i: 4, s: 'x' });
  assert.deepEqual(q.apply(r), [...r, 5]);
});

test('qualified columns and a table alias', () => {
  const q = compileQuery('SELECT s.i, source.j FROM source s', SCHEMA);
  assert.deepEqual(q.apply(row({ i: 1, j: 2 })), [1, 2]);
  const star = compileQuery('SELECT source.* FROM source', [{ name: 'a', type: 'INT' }]);
  assert.deepEqual(star.apply([3]), [3]);
});

test('literals: types and values', () => {
  const q = compileQuery(
    "SELECT 1 AS a, 3000000000 AS b, 1.50 AS c, 1e3 AS d, 'it''s' AS e, TRUE AS f, NULL AS g, DATE '2024-02-29' AS h, TIMESTAMP '2024-01-02 03:04:05.120' AS k FROM source",
    SCHEMA,
  );
  assert.deepEqual(q.outputSchema.map((f) => f.type), ['INT', 'BIGINT', 'DECIMAL(3, 2)', 'DOUBLE', 'STRING', 'BOOLEAN', 'NULL', 'DATE', 'TIMESTAMP(3)']);
  assert.deepEqual(q.apply(row({})), [1, 3000000000n, '1.50', 1000, "it's", true, null, '2024-02-29', '2024-01-02 03:04:05.12']);
});

test('WHERE keeps only TRUE rows (NULL drops the row); applyBatch compacts survivors', () => {
  const q = compileQuery('SELECT i FROM source WHERE i > 1', SCHEMA);
  assert.equal(q.apply(row({ i: 1 })), null);
  assert.equal(q.apply(row({ i: null })), null);
  const out: Row[] = [];
  const n = q.applyBatch([row({ i: 5 }), row({ i: 0 }), row({}), row({ i: 2 })], out);
  assert.equal(n, 2);
  assert.deepEqual(out.slice(0, n), [[5], [2]]);
});

test('WHERE with AND/OR/NOT follows SQL precedence (AND binds tighter than OR)', () => {
  // The parser alone groups `a OR b AND c` as `(a OR b) AND c`; parse.ts repairs it.
  const q = compileQuery('SELECT i FROM source WHERE i = 1 OR i = 2 AND j = 3', SCHEMA);
  assert.deepEqual(q.apply(row({ i: 1, j: 0 })), [1]);
  assert.equal(q.apply(row({ i: 2, j: 0 })), null);
  assert.deepEqual(q.apply(row({ i: 2, j: 3 })), [2]);
  const p = compileQuery('SELECT i FROM source WHERE (i = 1 OR i = 2) AND j = 3', SCHEMA);
  assert.equal(p.apply(row({ i: 1, j: 0 })), null);
  const n = compileQuery('SELECT i FROM source WHERE NOT i = 1 AND j = 3 OR s IS NULL AND i = 9', SCHEMA);
  assert.deepEqual(n.apply(row({ i: 2, j: 3, s: 'x' })), [2]);
  assert.deepEqual(n.apply(row({ i: 9, j: 0 })), [9]);
  assert.equal(n.apply(row({ i: 1, j: 3, s: 'x' })), null);
});

test('applyBatch reports the failing input row index and output column', () => {
  const q = compileQuery('SELECT i, 10 / j AS q FROM source', SCHEMA);
  const out: Row[] = [];
  assert.throws(() => q.applyBatch([row({ i: 1, j: 5 }), row({ i: 2, j: 2 }), row({ i: 3, j: 0 })], out), (err: unknown) => {
    assert.ok(err instanceof TransformError);
    assert.equal(err.rowIndex, 2);
    assert.equal(err.column, 'q');
    assert.match(err.message, /input row 2, column 'q': division by zero in '10 \/ j'/);
    return true;
  });
});

test('a failing WHERE is reported as the WHERE clause', () => {
  const q = compileQuery('SELECT i FROM source WHERE i / j > 1', SCHEMA);
  assert.throws(() => q.apply(row({ i: 1, j: 0 })), (err: unknown) => err instanceof TransformError && err.column === 'WHERE' && /WHERE clause: division by zero in 'i \/ j'/.test(err.message));
});

test('rows are not shared: the output is a new array', () => {
  const q = compileQuery('SELECT * FROM source', [{ name: 'a', type: 'INT' }]);
  const input = [1];
  const output = q.apply(input)!;
  assert.notEqual(output, input);
  assert.deepEqual(output, input);
});
