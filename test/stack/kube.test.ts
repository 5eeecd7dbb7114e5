/**
 * The kube stack service end to end: a real etcd + kube-apiserver + kube-controller-manager built
 * from Go modules, reached with kubectl and with @kubernetes/client-node 2.0.1 (whose watch
 * behaviour the operator depends on), then stopped.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { ports } from './kube/paths.ts';
import kube from './services/kube.ts';

let env: Record<string, string>;
let kc: KubeConfig;
/** The stack was already up (another test or a developer's shell): bring it back after testing down. */
let wasRunning = false;

before(async () => {
  wasRunning = (await kube.status()) !== null;
  env = await kube.up();
  kc = new KubeConfig();
  kc.loadFromFile(env.KUBECONFIG!);
}, { timeout: 60 * 60_000 });

after(async () => {
  if (wasRunning) await kube.up();
  else await kube.down();
});

function kubectl(...args: string[]): string {
  return execFileSync(env.KUBECTL!, [`--kubeconfig=${env.KUBECONFIG}`, ...args], { encoding: 'utf8' });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('up is idempotent and status reports the kubeconfig', async () => {
  assert.deepEqual(await kube.up(), env);
  assert.deepEqual(await kube.status(), env);
  assert.match(env.KUBECONFIG!, /\.cache\/stack\/kube\/kubeconfig$/);
});

test('the apiserver answers with the pinned version', async () => {
  const v = await kc.makeApiClient(VersionApi).getCode();
  assert.match(v.gitVersion, /^v1\.36\.\d+$/);
});

test('kubectl (built from the same release) gets namespaces with the kubeconfig', () => {
  assert.match(kubectl('version', '--client'), /Client Version: v1\.36\./);
  const out = kubectl('get', 'ns', '-o', 'name');
  assert.match(out, /namespace\/default/);
  assert.match(out, /namespace\/kube-system/);
});

test('a CRD becomes Established and serves custom objects', async () => {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const name = 'widgets.stacktest.sluice.dev';
  await ext.deleteCustomResourceDefinition({ name }).catch(() => undefined);
  await until('old CRD gone', async () => (await ext.readCustomResourceDefinition({ name }).then(() => undefined, () => true)));
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name },
      spec: {
        group: 'stacktest.sluice.dev', scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } } } } },
        }],
      },
    },
  });
  await until('CRD Established', async () => {
    const crd = await ext.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const body = { apiVersion: 'stacktest.sluice.dev/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 2 } };
  await until('custom object accepted', () => custom.createNamespacedCustomObject({ group: 'stacktest.sluice.dev', version: 'v1', namespace: 'default', plural: 'widgets', body }));
  // The structural schema is enforced: size must be >= 1.
  await assert.rejects(custom.createNamespacedCustomObject({
    group: 'stacktest.sluice.dev', version: 'v1', namespace: 'default', plural: 'widgets', body: { ...body, metadata: { name: 'w2' }, spec: { size: 0 } },
  }), (err: { code?: number; body?: unknown }) => err.code === 422 && /spec\.size/.test(String(err.body)));
  assert.match(kubectl('get', 'widgets', '-n', 'default', '-o', 'name'), /widget\.stacktest\.sluice\.dev\/w1/);
  await ext.deleteCustomResourceDefinition({ name });
});

test('a watch through @kubernetes/client-node 2.0.1 receives ADDED, MODIFIED and DELETED', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `watched-${Date.now()}`;
  const seen: string[] = [];
  const req = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { fieldSelector: `metadata.name=${name}` },
    (type: string, obj: V1ConfigMap) => { seen.push(`${type}:${obj.data?.v ?? ''}`); }, () => undefined);
  const waitSeen = (n: number): Promise<true> => until(`${n} watch events (seen ${seen.join(',')})`, async () => (seen.length >= n ? true : undefined));
  try {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { v: '1' } } });
    await waitSeen(1);
    await core.replaceNamespacedConfigMap({ name, namespace: 'default', body: { metadata: { name }, data: { v: '2' } } });
    await waitSeen(2);
    await core.deleteNamespacedConfigMap({ name, namespace: 'default' });
    await waitSeen(3);
  } finally {
    req.abort();
  }
  assert.deepEqual(seen, ['ADDED:1', 'MODIFIED:2', 'DELETED:2']);
});

test('client-node 2.0.1 aborts a watch that receives no bytes for 30 s with a TimeoutError', async () => {
  // docs/architecture.md, "Runtime facts": informers must restart on this; an idle watch on a name that never exists shows it.
  const t0 = Date.now();
  const err = await new Promise<unknown>((resolve) => {
    void new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { fieldSelector: 'metadata.name=never-created' }, () => undefined, resolve);
  });
  const elapsed = Date.now() - t0;
  assert.equal((err as Error | null)?.name, 'TimeoutError');
  assert.ok(elapsed >= 29_000 && elapsed < 45_000, `aborted after ${elapsed} ms`);
});

test('helm is built and reports its pinned version', () => {
  assert.match(execFileSync(env.HELM!, ['version', '--short'], { encoding: 'utf8' }), /^v4\.\d+\.\d+/);
});

test('down stops every process and status says stopped', async () => {
  await kube.down();
  assert.equal(await kube.status(), null);
  await assert.rejects(fetch(`https://127.0.0.1:${ports.apiserver}/readyz`), 'the apiserver port is closed');
});
