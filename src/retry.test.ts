import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, compileRetry, withRetry } from './retry.ts';

test('waits grow as full jitter under a doubling, capped bound', () => {
  const p = compileRetry({ initialDelayMs: 100, maxDelayMs: 1000 });
  assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a, () => 0.999)), [99, 199, 399, 799, 999]);
  assert.equal(backoffDelay(p, 3, () => 0), 0);
});

test('retries only what shouldRetry allows, then throws the last error', async () => {
  const waits: number[] = [];
  const p = compileRetry({ retries: 3, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
  let calls = 0;
  await assert.rejects(withRetry(p, () => true, async () => { calls++; throw new Error(`try ${calls}`); }), /try 4/);
  assert.equal(calls, 4);
  assert.deepEqual(waits, [50, 100, 200]);
  calls = 0;
  await assert.rejects(withRetry(p, () => false, async () => { calls++; throw new Error('fatal'); }), /fatal/);
  assert.equal(calls, 1, 'a programmer error is never retried');
  assert.equal(await withRetry(p, () => true, async (a) => (a < 2 ? Promise.reject(new Error('x')) : 'ok')), 'ok');
});

test('options are checked with messages naming the field', () => {
  assert.throws(() => compileRetry({ retries: -1 }), /RetryOptions.retries/);
  assert.throws(() => compileRetry({ initialDelayMs: 10, maxDelayMs: 5 }), /maxDelayMs cannot be less than its initialDelayMs/);
});
