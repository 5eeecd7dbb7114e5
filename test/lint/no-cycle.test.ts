/** The lint config really forbids import cycles: a fixture with a two-file cycle must be flagged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

test('eslint reports a dependency cycle between two modules', { timeout: 120_000 }, async () => {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const eslint = new ESLint({ cwd, ignore: false });
  const results = await eslint.lintFiles(['test/fixtures/lint-cycle/a.ts', 'test/fixtures/lint-cycle/b.ts']);
  const rules = results.flatMap((r) => r.messages.map((m) => m.ruleId));
  assert.equal(rules.filter((r) => r === 'import-x/no-cycle').length, 2, JSON.stringify(results.map((r) => r.messages)));
});
