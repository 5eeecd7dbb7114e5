import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './work-queue.ts';

function queue(clock = new FakeClock()): { q: WorkQueue; clock: FakeClock } {
  return { q: new WorkQueue({ clock }), clock };
}

test('a key added many times is queued once', async () => {
  const { q } = queue();
  q.add('ns/a');
  q.add('ns/a');
  q.add('ns/b');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'ns/a');
  assert.equal(await q.get(), 'ns/b');
  assert.equal(q.len(), 0);
});

test('a key re-added while processing waits for done, then comes back once', async () => {
  const { q } = queue();
  q.add('ns/a');
  const k = await q.get();
  q.add('ns/a');
  q.add('ns/a');
  assert.equal(q.len(), 0, 'not handed to a second worker while the first holds it');
  q.done(k!);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'ns/a');
  q.done('ns/a');
  assert.equal(q.len(), 0);
});

test('a waiting worker is woken by add and by shutdown', async () => {
  const { q } = queue();
  const first = q.get();
  q.add('ns/x');
  assert.equal(await first, 'ns/x');
  const second = q.get();
  q.shutdown();
  assert.equal(await second, undefined);
  q.add('ns/y');
  assert.equal(q.len(), 0, 'adds after shutdown are dropped');
});

test('addAfter delays the key and keeps the earliest time', async () => {
  const { q, clock } = queue();
  q.addAfter('ns/a', 1000);
  q.addAfter('ns/a', 300);
  q.addAfter('ns/a', 5000);
  clock.advance(299);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'ns/a');
  q.done('ns/a');
  clock.advance(10_000);
  assert.equal(q.len(), 0, 'the later timers were replaced, not kept');
});

test('addRateLimited backs off 5 ms doubling per failure; forget resets', async () => {
  const { q, clock } = queue();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = clock.now();
    q.addRateLimited('ns/a');
    for (let spent = 0; q.len() === 0 && spent < 10_000; spent++) clock.advance(1);
    delays.push(clock.now() - start);
    q.done((await q.get())!);
  }
  assert.deepEqual(delays, [5, 10, 20, 40, 80]);
  assert.equal(q.numRequeues('ns/a'), 5);
  q.forget('ns/a');
  assert.equal(q.numRequeues('ns/a'), 0);
});

test('per-key backoff caps at 1000 s', () => {
  const l = new ItemExponentialFailureRateLimiter();
  let last = 0;
  for (let i = 0; i < 40; i++) last = l.when('k');
  assert.equal(last, 1_000_000);
  assert.equal(l.when('other'), 5, 'keys back off independently');
});

test('token bucket: burst 100 immediately, then 10 per second', () => {
  const clock = new FakeClock();
  const b = new BucketRateLimiter(clock);
  for (let i = 0; i < 100; i++) assert.equal(b.when(`k${i}`), 0);
  assert.equal(b.when('k100'), 100);
  assert.equal(b.when('k101'), 200);
  clock.advance(1000);
  // 10 tokens came back, 2 were borrowed: 8 free, then waiting again.
  for (let i = 0; i < 8; i++) assert.equal(b.when(`m${i}`), 0);
  assert.equal(b.when('m8'), 100);
});

test('the default limiter is the max of backoff and bucket', () => {
  const clock = new FakeClock();
  const l = defaultControllerRateLimiter(clock);
  assert.ok(l instanceof MaxOfRateLimiter);
  for (let i = 0; i < 100; i++) l.when(`burst${i}`);
  // The bucket is empty: a fresh key's 5 ms backoff is overridden by the bucket's 100 ms.
  assert.equal(l.when('fresh'), 100);
  assert.equal(l.numRequeues('fresh'), 1);
});

test('queue depth and adds are reported to metrics', async () => {
  const depths: number[] = [];
  let adds = 0;
  const q = new WorkQueue({ clock: new FakeClock(), metrics: { added: () => { adds++; }, depth: (n) => depths.push(n) } });
  q.add('a');
  q.add('a');
  q.add('b');
  await q.get();
  assert.equal(adds, 2);
  assert.deepEqual(depths, [1, 2, 1]);
});
