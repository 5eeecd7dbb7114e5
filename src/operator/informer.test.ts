/**
 * The informer's recovery logic against a scripted fake watch (the real-apiserver test is
 * test/operator/informer.test.ts): 410 → relist with a diff, errors → retry, bookmarks → rv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Informer } from './informer.ts';
import type { ListResult, WatchLike } from './informer.ts';

const obj = (name: string, rv: string): KubernetesObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });

interface WatchCall { query: Record<string, unknown>; cb: (phase: string, o: unknown) => void; done: (err: unknown) => void }

class ScriptedWatch implements WatchLike {
  calls: WatchCall[] = [];
  private waiters: Array<() => void> = [];
  async watch(_path: string, query: Record<string, unknown>, cb: (phase: string, o: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    this.calls.push({ query, cb, done });
    for (const w of this.waiters.splice(0)) w();
    const c = new AbortController();
    c.signal.addEventListener('abort', () => done(new Error('aborted')));
    return c;
  }
  async nextCall(n: number): Promise<WatchCall> {
    const deadline = Date.now() + 5000;
    while (this.calls.length < n) {
      if (Date.now() > deadline) throw new Error(`watch call ${n} never came`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.calls[n - 1]!;
  }
}

test('lists, watches with bookmarks from the list rv, relists on 410 and emits the difference', async () => {
  const lists: ListResult<KubernetesObject>[] = [
    { items: [obj('a', '1'), obj('b', '2')], metadata: { resourceVersion: '2' } },
    { items: [obj('a', '5'), obj('c', '6')], metadata: { resourceVersion: '6' } },
  ];
  const watch = new ScriptedWatch();
  const inf = new Informer<KubernetesObject>({ name: 't', path: '/p', watch, list: async () => lists.shift()!, initialBackoffMs: 10, watchTimeoutSeconds: () => 300 });
  const seen: string[] = [];
  inf.on('add', (o) => seen.push(`add ${o.metadata!.name}`));
  inf.on('update', (o) => seen.push(`update ${o.metadata!.name}`));
  inf.on('delete', (o) => seen.push(`delete ${o.metadata!.name}`));
  inf.start();
  await inf.waitForSync();
  const w1 = await watch.nextCall(1);
  assert.deepEqual(w1.query, { resourceVersion: '2', allowWatchBookmarks: true, timeoutSeconds: 300, labelSelector: undefined });
  w1.cb('BOOKMARK', { metadata: { resourceVersion: '3' } });
  w1.cb('ADDED', obj('d', '4'));
  w1.done(null); // the server ended the watch: re-watch from the last rv, no list
  const w2 = await watch.nextCall(2);
  assert.equal(w2.query.resourceVersion, '4');
  w2.cb('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
  w2.done(null);
  const w3 = await watch.nextCall(3);
  assert.equal(w3.query.resourceVersion, '6');
  assert.deepEqual(seen, ['add a', 'add b', 'add d', 'update a', 'add c', 'delete b', 'delete d']);
  assert.deepEqual(inf.list().map((o) => o.metadata!.name).sort(), ['a', 'c']);
  assert.equal(inf.stats.relistsAfterGone, 1);
  assert.equal(inf.stats.bookmarks, 1);
  await inf.stop();
});

test('keeps retrying a failing list and a failing watch (client-node would stop)', async () => {
  let failures = 2;
  const watch = new ScriptedWatch();
  const inf = new Informer<KubernetesObject>({
    name: 't', path: '/p', watch, initialBackoffMs: 5,
    list: async () => {
      if (failures-- > 0) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:16443'), { code: 'ECONNREFUSED' });
      return { items: [obj('a', '1')], metadata: { resourceVersion: '1' } };
    },
  });
  inf.start();
  await inf.waitForSync();
  assert.equal(inf.stats.errors, 2);
  const w1 = await watch.nextCall(1);
  w1.done(Object.assign(new Error('Internal Server Error'), { statusCode: 500 }));
  const w2 = await watch.nextCall(2);
  assert.equal(w2.query.resourceVersion, '1', 'a failed watch resumes from its rv without a relist');
  assert.equal(inf.stats.lists, 3, 'two failed attempts and one success, no relist after the failed watch');
  await inf.stop();
});
