import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../errors.ts';
import { runWithRestarts } from './restarts.ts';
import type { RestartNotice } from './restarts.ts';

const policy = { maxRestarts: 3, initialMs: 100, maxMs: 250, resetAfterMs: 60_000 };
const away = (): SluiceError => new SluiceError('broker away', { retriable: true });

/** A `once` that plays the given outcomes in turn: an exit code, or exit 1 with that error. */
function script(outcomes: Array<number | Error>): { once: (onError: (e: unknown) => void) => Promise<number>; runs: () => number } {
  let i = 0;
  return {
    runs: () => i,
    once: async (onError) => {
      const o = outcomes[i++];
      if (o === undefined) throw new Error('ran more often than scripted');
      if (typeof o === 'number') return o;
      onError(o);
      return 1;
    },
  };
}

function recorder(): { notices: RestartNotice[]; waits: number[]; hooks: Parameters<typeof runWithRestarts>[2] } {
  const notices: RestartNotice[] = [];
  const waits: number[] = [];
  return { notices, waits, hooks: { onRestart: (r) => notices.push(r), sleep: async (ms) => void waits.push(ms) } };
}

test('a retriable failure restarts after the backoff; the run that succeeds ends it with 0', async () => {
  const s = script([away(), away(), 0]);
  const r = recorder();
  assert.equal(await runWithRestarts(policy, s.once, r.hooks), 0);
  assert.equal(s.runs(), 3);
  assert.deepEqual(r.waits, [100, 200]);
  assert.deepEqual(r.notices.map((n) => [n.restart, n.maxRestarts, n.inSeconds, n.reason]), [[1, 3, 0.1, 'broker away'], [2, 3, 0.2, 'broker away']]);
});

test('after maxRestarts the last failure is the exit code; waits grow and stop at backoff max', async () => {
  const s = script([away(), away(), away(), away()]);
  const r = recorder();
  assert.equal(await runWithRestarts(policy, s.once, r.hooks), 1);
  assert.equal(s.runs(), 4);
  assert.deepEqual(r.waits, [100, 200, 250]);
});

test('a failure that is not retriable, a fenced runner and a stop end the process at once', async () => {
  for (const outcome of [new SluiceError('bad record at line 3'), new Error('a bug'), 3, 0]) {
    const s = script([outcome]);
    const r = recorder();
    assert.equal(await runWithRestarts(policy, s.once, r.hooks), typeof outcome === 'number' ? outcome : 1);
    assert.equal(s.runs(), 1);
    assert.deepEqual(r.notices, []);
  }
});

test('a run that lasted resetThreshold counts restarts and the backoff from zero again', async () => {
  // Each run lasts what the fake clock says: two short failures, a long run that fails, then
  // three short failures: without the reset the fifth failure would exhaust maxRestarts 3.
  const lasted = [1_000, 1_000, 60_000, 1_000, 1_000, 1_000];
  let t = 0;
  let run = 0;
  const s = script([away(), away(), away(), away(), away(), away(), 0]);
  const r = recorder();
  const code = await runWithRestarts(policy, (onError) => s.once(onError).finally(() => (t += lasted[run++] ?? 0)), { ...r.hooks, now: () => t });
  assert.equal(code, 1);
  assert.equal(s.runs(), 6);
  assert.deepEqual(r.notices.map((n) => n.restart), [1, 2, 1, 2, 3]);
  assert.deepEqual(r.waits, [100, 200, 100, 200, 250]);
});

test('maxRestarts 0 never restarts', async () => {
  const s = script([away()]);
  assert.equal(await runWithRestarts({ ...policy, maxRestarts: 0 }, s.once, recorder().hooks), 1);
  assert.equal(s.runs(), 1);
});

test('SIGTERM during the backoff ends the wait at once with exit 1, and the handler is removed', async () => {
  const s = script([away(), 0]);
  const before = process.listenerCount('SIGTERM');
  const code = runWithRestarts({ ...policy, initialMs: 3_600_000, maxMs: 3_600_000 }, s.once, {
    // the real backoff sleep, with the signal sent as soon as the restart is announced
    onRestart: () => setImmediate(() => process.emit('SIGTERM')),
  });
  assert.equal(await code, 1);
  assert.equal(s.runs(), 1);
  assert.equal(process.listenerCount('SIGTERM'), before);
});
