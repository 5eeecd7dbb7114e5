import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Informer, KubernetesObject, ObjectCallback, ErrorCallback } from '@kubernetes/client-node';
import { keepInformerRunning } from './resilient-informer.ts';

/** Just enough of an informer to play client-node 2.0.1's "emit error and stop" behaviour. */
class FakeInformer implements Informer<KubernetesObject> {
  starts = 0;
  stops = 0;
  readonly handlers = new Map<string, ((x?: unknown) => void)[]>();
  on(verb: string, cb: ObjectCallback<KubernetesObject> | ErrorCallback): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), cb as (x?: unknown) => void]);
  }
  off(): void {}
  async start(): Promise<void> { this.starts++; }
  async stop(): Promise<void> { this.stops++; }
  emit(verb: string, x?: unknown): void { for (const h of this.handlers.get(verb) ?? []) h(x); }
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

test('an informer that stops on error is started again, with back-off', async () => {
  const inf = new FakeInformer();
  const lines: string[] = [];
  const h = keepInformerRunning(inf, 'pods', { initialDelayMs: 5, maxDelayMs: 20, log: (l) => lines.push(l) });
  inf.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:16443'));
  await until(() => inf.starts === 1);
  inf.emit('error', new Error('Internal Server Error'));
  await until(() => inf.starts === 2);
  assert.match(lines[0]!, /pods informer: connect ECONNREFUSED .*restarting in 5 ms/);
  assert.match(lines[1]!, /restarting in 10 ms/);
  inf.emit('add', { metadata: { name: 'x' } });
  inf.emit('error', new Error('again'));
  assert.match(lines[2]!, /restarting in 5 ms/, 'an event resets the back-off');
  await until(() => inf.starts === 3);
  await h.stop();
});

test('errors after stop() (the aborted watch) do not restart it', async () => {
  const inf = new FakeInformer();
  const h = keepInformerRunning(inf, 'pods', { initialDelayMs: 1 });
  await h.stop();
  inf.emit('error', new Error('aborted'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(inf.starts, 0);
  assert.equal(inf.stops, 1);
});
