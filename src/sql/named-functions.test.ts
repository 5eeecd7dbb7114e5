import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionDef } from '../api/types.ts';
import { compileQuery, SqlError } from './index.ts';

const SCHEMA = [{ name: 'uid', type: 'INT' }, { name: 'name', type: 'STRING' }];

function fn(name: string, params: Array<[string, string]>, returns: string, expression: string): FunctionDef {
  return { name, params: params.map(([n, type]) => ({ name: n, type })), returns, expression };
}

function rejects(defs: FunctionDef[], query: string, message: string | RegExp): void {
  assert.throws(() => compileQuery(query, SCHEMA, defs), (err: unknown) => {
    assert.ok(err instanceof SqlError, String(err));
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('a function may call earlier functions; names are case-insensitive', () => {
  const defs = [
    fn('uid_to_pid', [['uid', 'INT']], 'INT', 'PMOD(uid, 3)'),
    fn('bucket', [['uid', 'INT'], ['prefix', 'STRING']], 'STRING', "prefix || '-' || CAST(UID_TO_PID(uid) AS STRING)"),
  ];
  const q = compileQuery("SELECT bucket(uid, name) AS b FROM source", SCHEMA, defs);
  assert.deepEqual(q.outputSchema, [{ name: 'b', type: 'STRING' }]);
  assert.deepEqual(q.apply([-7, 'p']), ['p-2']);
});

test('the result is CAST to returns; arguments convert to the parameter types', () => {
  const defs = [
    fn('half', [['x', 'DOUBLE']], 'INT', 'x / 2'),
    fn('wide', [['x', 'BIGINT']], 'BIGINT', 'x * 2'),
    fn('dflt', [['s', 'STRING']], 'STRING', "COALESCE(s, 'none')"),
  ];
  const q = compileQuery('SELECT half(uid) AS h, wide(uid) AS w, dflt(name) AS d FROM source', SCHEMA, defs);
  assert.deepEqual(q.outputSchema.map((f) => f.type), ['INT', 'BIGINT', 'STRING']);
  assert.deepEqual(q.apply([7, null]), [3, 14n, 'none'], 'a NULL argument reaches the body (COALESCE decides)');
  assert.deepEqual(q.apply([null, 'x']), [null, null, 'x']);
});

test('recursion and calls to later functions are errors', () => {
  rejects([fn('f', [['x', 'INT']], 'INT', 'f(x) + 1')], 'SELECT f(uid) FROM source',
    "function 'f' calls itself: recursion is not supported at line 1, column 1 in function 'f'");
  rejects([fn('f', [['x', 'INT']], 'INT', 'g(x)'), fn('g', [['x', 'INT']], 'INT', 'f(x)')], 'SELECT f(uid) FROM source',
    "function 'g' is defined after 'f': a function may only call functions defined before it at line 1, column 1 in function 'f'");
});

test('errors inside a function body name the function and the position in its expression', () => {
  rejects([fn('f', [['uid', 'INT']], 'INT', 'MOD(uidd, 3)')], 'SELECT f(uid) FROM source',
    "unknown column 'uidd' at line 1, column 5 in function 'f' (params: uid)");
  rejects([fn('f', [['uid', 'INT']], 'INT', 'MOD(uid, 3')], 'SELECT f(uid) FROM source', /^syntax error: .* in function 'f'$/);
  rejects([fn('f', [['u', 'INT']], 'DATE', 'u + 1')], 'SELECT f(uid) FROM source',
    "type mismatch: the expression is INT, which cannot be CAST to the declared returns DATE in function 'f'");
  rejects([fn('f', [['s', 'STRING']], 'INT', 's + 1')], 'SELECT f(name) FROM source',
    "type mismatch: operator '+' needs numeric operands, got STRING and INT at line 1, column 1 in function 'f'");
});

test('call-site checks: arity and argument types', () => {
  const defs = [fn('uid_to_pid', [['uid', 'INT']], 'INT', 'PMOD(uid, 3)')];
  rejects(defs, 'SELECT uid_to_pid(uid, 1) FROM source', 'wrong number of arguments for uid_to_pid: expected 1, got 2 at line 1, column 8 (uid_to_pid(uid INT))');
  rejects(defs, 'SELECT uid_to_pid(name) FROM source', "type mismatch: argument 'uid' of uid_to_pid is INT, got STRING at line 1, column 19 (use CAST)");
  rejects(defs, 'SELECT pid(uid) FROM source', "unknown function 'pid' at line 1, column 8 (functions defined in transform.functions: uid_to_pid)");
});

test('definition errors name the field', () => {
  rejects([fn('MOD', [['x', 'INT']], 'INT', 'x')], 'SELECT uid FROM source', "transform.functions[0]: function 'MOD' has the name of a built-in function");
  rejects([fn('f', [['x', 'INTEGR']], 'INT', 'x')], 'SELECT uid FROM source', "transform.functions[0].params[0].type 'INTEGR' is not a supported type");
  rejects([fn('f', [], 'INT', '1'), fn('F', [], 'INT', '2')], 'SELECT uid FROM source', "transform.functions[1]: function 'F' is defined twice");
  rejects([fn('f', [], 'WHAT', '1')], 'SELECT uid FROM source', "transform.functions[0].returns 'WHAT' is not a supported type");
});
