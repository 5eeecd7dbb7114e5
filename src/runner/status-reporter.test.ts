import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunnerStatus } from '../api/types.ts';
import { StatusReporter } from './status-reporter.ts';
import type { ReporterTimers, StatusSink } from './status-reporter.ts';

/** A manual clock: time moves only when `advance()` says so. */
class FakeTimers implements ReporterTimers {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Move time forward, firing due timers in order (and letting their promise chains settle). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
    await settle();
  }
}

/** Let queued promise callbacks run (several turns: chains of then/finally). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const st = (checkpointId: number): RunnerStatus => ({ index: 0, state: 'Running', checkpointId });

/** Records what was sent and when; `hold` keeps requests open until released. */
class RecordingSink implements StatusSink {
  readonly sent: Array<{ at: number; id: number | undefined }> = [];
  failNext = 0;
  hold = false;
  private release: Array<() => void> = [];
  private readonly timers: FakeTimers;

  constructor(timers: FakeTimers) {
    this.timers = timers;
  }

  async apply(s: RunnerStatus): Promise<void> {
    this.sent.push({ at: this.timers.now(), id: s.checkpointId });
    if (this.hold) await new Promise<void>((r) => this.release.push(r));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('apiserver said no');
    }
  }

  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }
}

/** heartbeatMs 0 by default: these tests are about rate and coalescing, with checkpoint-only statuses. */
function setup(minIntervalMs = 5000, heartbeatMs = 0): { timers: FakeTimers; sink: RecordingSink; reporter: StatusReporter; errors: string[] } {
  const timers = new FakeTimers();
  const sink = new RecordingSink(timers);
  const errors: string[] = [];
  const reporter = new StatusReporter(sink, { minIntervalMs, heartbeatMs, timers, onError: (e) => errors.push((e as Error).message) });
  return { timers, sink, reporter, errors };
}

test('the first status goes out at once; later ones wait for the interval and coalesce to the newest', async () => {
  const { timers, sink, reporter } = setup(5000);
  reporter.update(st(1));
  await settle();
  assert.deepEqual(sink.sent, [{ at: 0, id: 1 }]);
  await timers.advance(1000);
  reporter.update(st(2));
  await timers.advance(1000);
  reporter.update(st(3));
  reporter.update(st(4));
  await timers.advance(2000);
  assert.equal(sink.sent.length, 1, 'nothing more before 5 s have passed');
  await timers.advance(1000);
  assert.deepEqual(sink.sent, [{ at: 0, id: 1 }, { at: 5000, id: 4 }], 'statuses 2 and 3 were superseded by 4');
  await timers.advance(60_000);
  assert.equal(sink.sent.length, 2, 'no repeats without a new status');
  assert.equal(timers.pending, 0);
});

test('a status offered after a quiet period is sent immediately', async () => {
  const { timers, sink, reporter } = setup(5000);
  reporter.update(st(1));
  await timers.advance(7000);
  reporter.update(st(2));
  await settle();
  assert.deepEqual(sink.sent.map((s) => s.at), [0, 7000]);
});

test('one request at a time: updates during a slow request wait for it, then respect the interval', async () => {
  const { timers, sink, reporter } = setup(1000);
  sink.hold = true;
  reporter.update(st(1));
  await settle();
  await timers.advance(3000); // the request hangs for 3 s
  reporter.update(st(2));
  reporter.update(st(3));
  await timers.advance(100);
  assert.equal(sink.sent.length, 1, 'no second request while the first is in flight');
  sink.hold = false;
  sink.releaseAll();
  await settle();
  assert.deepEqual(sink.sent, [{ at: 0, id: 1 }, { at: 3100, id: 3 }]);
});

test('a failed send is reported, never thrown, and retried with backoff unless superseded', async () => {
  const { timers, sink, reporter, errors } = setup(1000);
  sink.failNext = 2;
  reporter.update(st(1));
  await settle();
  assert.deepEqual(errors, ['apiserver said no']);
  await timers.advance(1000); // first retry after 1 s (1 × interval)
  assert.deepEqual(sink.sent.map((s) => [s.at, s.id]), [[0, 1], [1000, 1]]);
  assert.equal(errors.length, 2);
  await timers.advance(1999);
  assert.equal(sink.sent.length, 2, 'the second retry waits 2 × interval');
  await timers.advance(1);
  assert.deepEqual(sink.sent.map((s) => [s.at, s.id]), [[0, 1], [1000, 1], [3000, 1]]);
  assert.equal(errors.length, 2, 'third attempt succeeded');
  // a newer status replaces a failed one instead of retrying the old one
  sink.failNext = 1;
  await timers.advance(5000);
  reporter.update(st(2));
  await settle();
  reporter.update(st(3));
  await timers.advance(1000);
  assert.deepEqual(sink.sent.slice(3).map((s) => s.id), [2, 3]);
});

test('close() sends the final status at once, ignoring the interval, after the request in flight', async () => {
  const { timers, sink, reporter } = setup(5000);
  sink.hold = true;
  reporter.update(st(1));
  await settle();
  reporter.update(st(2)); // pending, superseded by the final one
  const closing = reporter.close({ index: 0, state: 'Succeeded', checkpointId: 9, finished: true });
  await settle();
  assert.equal(sink.sent.length, 1, 'waits for the request in flight');
  sink.hold = false;
  sink.releaseAll();
  await closing;
  assert.deepEqual(sink.sent.map((s) => s.id), [1, 9]);
  assert.equal(timers.pending, 0, 'no timer left behind');
  reporter.update(st(10));
  await timers.advance(60_000);
  assert.equal(sink.sent.length, 2, 'nothing is sent after close');
});

test('close() without a final status flushes the pending one; close(null) drops it', async () => {
  const a = setup(5000);
  a.reporter.update(st(1));
  a.reporter.update(st(2));
  await a.reporter.close();
  assert.deepEqual(a.sink.sent.map((s) => s.id), [1, 2]);

  const b = setup(5000);
  b.reporter.update(st(1));
  b.reporter.update(st(2));
  await b.reporter.close(null);
  assert.deepEqual(b.sink.sent.map((s) => s.id), [1]);
  assert.equal(b.timers.pending, 0);
});

test('a failing final status is reported and close() still resolves', async () => {
  const { sink, reporter, errors } = setup(5000);
  sink.failNext = 1;
  await reporter.close(st(5));
  assert.deepEqual(errors, ['apiserver said no']);
  assert.equal(sink.sent.length, 1);
});

test('an idle job (only the checkpoint moves) reports at most once per heartbeat; real progress at once', async () => {
  const { timers, sink, reporter } = setup(5000, 30_000);
  reporter.update({ ...st(1), records: 10 });
  await settle();
  for (let id = 2; id <= 7; id++) {
    await timers.advance(5000); // a checkpoint every 5 s, nothing new read
    reporter.update({ ...st(id), records: 10 });
  }
  await settle();
  assert.deepEqual(sink.sent, [{ at: 0, id: 1 }, { at: 30_000, id: 7 }], 'one heartbeat in 30 s instead of six writes');
  await timers.advance(5000);
  reporter.update({ ...st(8), records: 11 });
  await settle();
  assert.deepEqual(sink.sent.at(-1), { at: 35_000, id: 8 }, 'new records are sent at the normal rate');
});
