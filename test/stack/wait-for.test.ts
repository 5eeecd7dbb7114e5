import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-wait-for-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('resolves as soon as the check passes, sync or async', async () => {
  let calls = 0;
  await waitFor('the third call', () => ++calls >= 3, { deadlineMs: 5000 });
  assert.equal(calls, 3);
  let asyncCalls = 0;
  await waitFor('an async check', async () => ++asyncCalls >= 2, { deadlineMs: 5000 });
  assert.equal(asyncCalls, 2);
});

test('fails after the deadline, naming what it waited for, with the logs\' tails', async () => {
  const log = join(dir, 'daemon.log');
  writeFileSync(log, 'starting\nBindException: Address already in use\n');
  const t0 = Date.now();
  await assert.rejects(waitFor('the broker to answer', () => false, { deadlineMs: 300, logs: [log] }), (e: Error) => {
    assert.match(e.message, /^timed out after 0\.3s waiting for the broker to answer\n/);
    assert.match(e.message, new RegExp(`--- ${log} \\(tail\\) ---\\nstarting\\nBindException: Address already in use`));
    return true;
  });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 300 && elapsed < 3000, `gave up after ${elapsed} ms`);
});

test('an error thrown by the check ends the wait at once', async () => {
  const t0 = Date.now();
  await assert.rejects(
    waitFor('never', () => { throw new Error('pid 42 exited during start'); }, { deadlineMs: 60_000 }),
    { message: 'pid 42 exited during start' },
  );
  assert.ok(Date.now() - t0 < 1000);
});
