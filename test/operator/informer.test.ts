/**
 * The informer against the real apiserver, through a TCP proxy the test can cut: it must survive
 * a dropped watch, a refused connection (client-node 2.0.1's own informer stops for good there),
 * an expired resourceVersion (a real 410 from the apiserver), and client-node's 30 s idle timeout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Informer } from '../../src/operator/informer.ts';
import type { ListResult } from '../../src/operator/informer.ts';
import { poll, startHarness } from './harness.ts';
import type { Harness } from './harness.ts';

/** A TCP forwarder to the apiserver that can drop every connection and refuse new ones. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  private readonly target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.target = target;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Drops every live connection and stops listening: new requests get ECONNREFUSED. */
  async cut(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}

let h: Harness;
let proxy: CuttableProxy;
let viaProxy: KubeConfig;
let direct: CoreV1Api;

before(async () => {
  h = await startHarness('sluice-inf');
  direct = h.kc.makeApiClient(CoreV1Api);
  const server = new URL(h.kc.getCurrentCluster()!.server);
  proxy = new CuttableProxy({ host: server.hostname, port: Number(server.port) });
  await proxy.open();
  viaProxy = new KubeConfig();
  viaProxy.loadFromString(h.kc.exportConfig());
  const cluster = viaProxy.getCurrentCluster()!;
  viaProxy.clusters = viaProxy.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${proxy.port}` } : c));
}, { timeout: 30 * 60_000 });

after(async () => {
  await proxy?.cut();
  await h?.close();
});

function configMap(name: string): V1ConfigMap {
  return { metadata: { name, labels: { 'sluice.dev/test': 'informer' } }, data: { k: name } };
}

function makeInformer(list?: () => Promise<ListResult<V1ConfigMap>>): Informer<V1ConfigMap> {
  const core = viaProxy.makeApiClient(CoreV1Api);
  return new Informer<V1ConfigMap>({
    name: 'configmaps', path: `/api/v1/namespaces/${h.namespace}/configmaps`, watch: new Watch(viaProxy),
    labelSelector: 'sluice.dev/test=informer', initialBackoffMs: 100, maxBackoffMs: 1000,
    list: list ?? (async () => await core.listNamespacedConfigMap({ namespace: h.namespace, labelSelector: 'sluice.dev/test=informer' }) as ListResult<V1ConfigMap>),
  });
}

const has = (inf: Informer<V1ConfigMap>, name: string): true | undefined => (inf.get(h.namespace, name) ? true : undefined);

test('survives a cut watch and refused connections, and catches up on what it missed', async () => {
  const inf = makeInformer();
  const deleted: string[] = [];
  inf.on('delete', (o) => deleted.push(o.metadata!.name!));
  inf.start();
  try {
    await inf.waitForSync();
    await direct.createNamespacedConfigMap({ namespace: h.namespace, body: configMap('before-cut') });
    await poll('before-cut seen', async () => has(inf, 'before-cut'), 10_000);

    await proxy.cut();
    await direct.createNamespacedConfigMap({ namespace: h.namespace, body: configMap('during-cut') });
    await direct.deleteNamespacedConfigMap({ namespace: h.namespace, name: 'before-cut' });
    await poll('the informer to hit refused connections', async () => (inf.stats.errors >= 2 ? true : undefined), 15_000);
    assert.equal(inf.get(h.namespace, 'during-cut'), undefined);

    await proxy.open();
    await poll('during-cut seen after reconnect', async () => has(inf, 'during-cut'), 20_000);
    await poll('before-cut deleted after reconnect', async () => (inf.get(h.namespace, 'before-cut') ? undefined : true), 20_000);
    assert.deepEqual(deleted, ['before-cut']);
  } finally {
    await inf.stop();
  }
});

test('an expired resourceVersion (410 from the apiserver) makes it list again', async () => {
  const core = viaProxy.makeApiClient(CoreV1Api);
  let lists = 0;
  const inf = makeInformer(async () => {
    const real = await core.listNamespacedConfigMap({ namespace: h.namespace, labelSelector: 'sluice.dev/test=informer' }) as ListResult<V1ConfigMap>;
    // The first list claims a resourceVersion long compacted away: the watch must be refused.
    return ++lists === 1 ? { ...real, metadata: { resourceVersion: '1' } } : real;
  });
  inf.start();
  try {
    await inf.waitForSync();
    await poll('a relist after 410', async () => (inf.stats.relistsAfterGone === 1 && lists === 2 ? true : undefined), 20_000);
    await direct.createNamespacedConfigMap({ namespace: h.namespace, body: configMap('after-410') });
    await poll('after-410 seen', async () => has(inf, 'after-410'), 10_000);
  } finally {
    await inf.stop();
  }
});

test("keeps watching past client-node 2.0.1's 30 s idle timeout", { timeout: 120_000 }, async () => {
  const inf = makeInformer();
  inf.start();
  try {
    await inf.waitForSync();
    await poll('the first watch', async () => (inf.stats.watches === 1 ? true : undefined), 10_000);
    // Nothing changes in this namespace: the watch idles until client-node aborts it (30 s) or a
    // bookmark arrives; either way the informer must be watching again afterwards.
    await poll('a second watch request', async () => (inf.stats.watches >= 2 ? true : undefined), 90_000);
    await direct.createNamespacedConfigMap({ namespace: h.namespace, body: configMap('after-idle') });
    await poll('after-idle seen', async () => has(inf, 'after-idle'), 10_000);
    assert.equal(inf.stats.lists, 1, 'an idle timeout resumes from the resourceVersion, without a relist');
    assert.equal(inf.stats.errors, 0, 'the idle timeout is not treated as a failure');
  } finally {
    await inf.stop();
  }
});
