/**
 * Helpers for tests that need the kube stack: bring it up if it is not running (and say whether
 * we did, so the test stops only what it started), make a throwaway namespace, poll pods.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import kube from '../stack/services/kube.ts';

export interface TestCluster {
  kc: KubeConfig;
  core: CoreV1Api;
  env: Record<string, string>;
  /** True when this test brought the stack up (and so should take it down). */
  started: boolean;
}

export async function ensureCluster(): Promise<TestCluster> {
  const running = await kube.status();
  const env = running ?? await kube.up();
  const kc = new KubeConfig();
  kc.loadFromFile(env.KUBECONFIG!);
  return { kc, core: kc.makeApiClient(CoreV1Api), env, started: running === null };
}

export async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A fresh namespace whose `default` service account exists (pods are admitted only then). */
export async function makeNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const ns = await core.createNamespace({ body: { metadata: { generateName: `${prefix}-` } } });
  const name = ns.metadata!.name!;
  await poll(`ServiceAccount ${name}/default`, async () => (await core.readNamespacedServiceAccount({ name: 'default', namespace: name })).metadata?.name);
  return name;
}

export function waitForPod(core: CoreV1Api, namespace: string, name: string, pred: (p: V1Pod) => boolean, timeoutMs = 30_000): Promise<V1Pod> {
  return poll(`pod ${namespace}/${name}`, async () => {
    const p = await core.readNamespacedPod({ name, namespace });
    return pred(p) ? p : undefined;
  }, timeoutMs);
}

export async function waitForPodGone(core: CoreV1Api, namespace: string, name: string, timeoutMs = 30_000): Promise<void> {
  await poll(`pod ${namespace}/${name} to be deleted`, async () => {
    try {
      await core.readNamespacedPod({ name, namespace });
      return undefined;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return true;
      throw err;
    }
  }, timeoutMs);
}

/** A pod running plain Node (`sluice/node:*`): `script` is passed to `node -e`. */
export function nodePod(name: string, script: string, restartPolicy: 'Never' | 'OnFailure' | 'Always' = 'Never'): V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy,
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'main', image: 'sluice/node:test', args: ['-e', script],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      }],
    },
  };
}
