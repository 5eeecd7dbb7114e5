import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBounded } from './bounded.ts';

test('at most `limit` calls in flight, every item once', async () => {
  let inFlight = 0;
  let peak = 0;
  const done: number[] = [];
  const gates: Array<() => void> = [];
  const run = forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise<void>((r) => gates.push(r));
    inFlight--;
    done.push(n);
  });
  // release the calls one at a time, as they queue up
  while (done.length < 7) {
    await new Promise<void>((r) => setImmediate(r));
    gates.shift()?.();
  }
  await run;
  assert.equal(peak, 3);
  assert.deepEqual([...done].sort(), [1, 2, 3, 4, 5, 6, 7]);
});

test('after a failure no new call starts, and the first error is thrown', async () => {
  const started: number[] = [];
  await assert.rejects(forEachBounded([1, 2, 3, 4, 5], 2, async (n) => {
    started.push(n);
    if (n === 2) throw new Error('two failed');
  }), /two failed/);
  assert.ok(!started.includes(5), `started ${started.join(',')}`);
});
