import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Field } from '../api/types.ts';
import { compileQuery, SqlError } from './index.ts';
import { SCHEMA } from './testing.ts';

const UID: Field[] = [{ name: 'uid', type: 'INT' }];

function rejects(query: string, message: string | RegExp, schema: Field[] = UID, line?: number, column?: number): void {
  assert.throws(() => compileQuery(query, schema), (err: unknown) => {
    assert.ok(err instanceof SqlError, `expected SqlError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    if (line !== undefined) assert.equal(err.line, line);
    if (column !== undefined) assert.equal(err.column, column);
    return true;
  });
}

test('unknown column names the column, its position and the known columns', () => {
  rejects('SELECT uidd FROM source', "unknown column 'uidd' at line 1, column 8 (columns: uid)", UID, 1, 8);
  rejects('SELECT uid,\n  uid + Uid AS x FROM source', "unknown column 'Uid' at line 2, column 9 (columns: uid; did you mean 'uid'?)", UID, 2, 9);
  rejects('SELECT uid FROM source WHERE source > 1', "unknown column 'source' at line 1, column 30 (columns: uid)");
  rejects('SELECT uid AS a, a FROM source', "unknown column 'a' at line 1, column 18 (columns: uid)");
});

test('unknown function and wrong arity name the function and position', () => {
  rejects('SELECT uid, nope(uid) FROM source', "unknown function 'nope' at line 1, column 13 (see src/sql/README.md for the built-in functions)");
  rejects('SELECT MOD(uid) FROM source', 'wrong number of arguments for MOD: expected 2, got 1 at line 1, column 8');
  rejects('SELECT SUBSTRING(uid) FROM source', /^wrong number of arguments for SUBSTRING: expected 2 to 3, got 1 at line 1, column 8$/);
});

test('type mismatches are compile-time errors with positions', () => {
  rejects("SELECT uid + 'x' FROM source", "type mismatch: operator '+' needs numeric operands, got INT and STRING at line 1, column 8");
  rejects("SELECT uid FROM source WHERE uid = 'x'", "type mismatch: cannot compare INT with STRING using '=' at line 1, column 30");
  rejects('SELECT uid FROM source WHERE uid', 'type mismatch: WHERE needs a BOOLEAN condition, got INT at line 1, column 30');
  rejects('SELECT UPPER(uid) FROM source', 'type mismatch: argument 1 of UPPER must be a STRING, got INT at line 1, column 8');
  rejects("SELECT uid || 'x' FROM source", /^type mismatch: operator '\|\|' needs STRING operands, got INT for uid at line 1, column 8/);
  rejects('SELECT CAST(dt AS INT) FROM source', 'cannot CAST DATE to INT at line 1, column 8', SCHEMA);
  rejects("SELECT CAST('abc' AS INT) FROM source", "'abc' is not a valid INT in 'CAST('abc' AS INT)' at line 1, column 8");
  rejects("SELECT ts FROM source WHERE ts > 'yesterday'", "'yesterday' is not a valid TIMESTAMP in 'ts > 'yesterday'' at line 1, column 29", SCHEMA);
});

test('syntax errors carry the parser position', () => {
  rejects('SELECT uid FROM source WHERE', /^syntax error: unexpected end of input at line 1, column 29$/);
  rejects('SELECT uid,, FROM source', /^syntax error: unexpected ',' at line 1, column 12$/);
});

test('only a single SELECT ... FROM source is supported', () => {
  rejects('SELECT uid FROM mySource', "unknown table 'mySource' at line 1, column 17 (a transform reads the table 'source')");
  rejects('SELECT uid FROM source GROUP BY uid', /^GROUP BY is not supported: a transform is a single SELECT \.\.\. FROM source \[WHERE \.\.\.\] at line 1, column 24$/);
  rejects('SELECT uid FROM source JOIN other ON uid = x', /^JOIN is not supported.* at line 1, column 24$/);
  rejects('SELECT uid FROM (SELECT uid FROM source)', /^a subquery in FROM is not supported/);
  rejects('SELECT uid FROM source WHERE uid IN (SELECT 1)', /^subqueries are not supported at line 1, column 30$/);
  rejects('SELECT uid FROM source UNION SELECT uid FROM source', /^UNION is not supported/);
  rejects('SELECT DISTINCT uid FROM source', /^DISTINCT is not supported/);
  rejects('SELECT uid FROM source ORDER BY uid', /^ORDER BY is not supported/);
  rejects('SELECT uid FROM source; SELECT uid FROM source', 'expected one SELECT statement, got 2');
  rejects('SELECT COUNT(*) FROM source', /^aggregate function COUNT is not supported/);
  rejects('INSERT INTO t SELECT uid FROM source', /^INSERT is not supported/);
  rejects('SELECT x.uid FROM source', /^unknown table 'x' at line 1, column 8/);
});

test('duplicate output names and bad schema types are rejected', () => {
  rejects('SELECT uid, uid FROM source', "duplicate output column 'uid' at line 1, column 13 (rename one with AS)");
  rejects('SELECT a FROM source', /^source\.schema\[0\] \(a\): type 'INTT' is not supported$/, [{ name: 'a', type: 'INTT' }]);
});
