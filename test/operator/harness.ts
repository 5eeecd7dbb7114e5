/**
 * Shared set-up for the operator's tests against the real control plane (`npm run stack -- up
 * kube`, started here if it is not running, and then stopped again):
 *   - the IngestJob CRD from crds/ingestjob.yaml, applied and Established;
 *   - a throwaway namespace;
 *   - an in-process test kubelet with its OWN node, which runs image `sluice/fake-runner:*` as
 *     fake-runner.ts; jobs pin their pods to that node (podTemplate.spec.nodeName), so the
 *     stack's own kubelet leaves them alone;
 *   - helpers to create jobs, read them, and poll with deadlines.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, loadYaml } from '@kubernetes/client-node';
import type { V1CustomResourceDefinition, V1Pod } from '@kubernetes/client-node';
import type { IngestJob, IngestJobSpec } from '../../src/api/types.ts';
import { TestKubelet } from '../kubelet/kubelet.ts';
import { ensureCluster, makeNamespace, poll } from '../kubelet/test-cluster.ts';
import { releaseIngestJobs } from '../runner/kube-helpers.ts';
import kube from '../stack/services/kube.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const fakeRunner = fileURLToPath(new URL('./fake-runner.ts', import.meta.url));

export interface Harness {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
  nodeName: string;
  controlDir: string;
  kubeletUrl: string;
  /** The stack's admin kubeconfig file, for operator child processes. */
  kubeconfigPath: string;
  close(): Promise<void>;
}

export async function installCrd(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  // loadYaml deserializes into client-node's model (`x-kubernetes-*` keys become its own property
  // names); a plain YAML object would lose those keys in the client's serializer.
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(join(repoRoot, 'crds', 'ingestjob.yaml'), 'utf8'));
  const name = crd.metadata!.name!;
  try {
    const old = await ext.readCustomResourceDefinition({ name });
    await ext.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: old.metadata?.resourceVersion } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    await ext.createCustomResourceDefinition({ body: crd });
  }
  await poll(`CRD ${name} Established`, async () => {
    const c = await ext.readCustomResourceDefinition({ name });
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? true : undefined;
  });
}

export async function startHarness(prefix: string): Promise<Harness> {
  const cluster = await ensureCluster();
  const { kc, core } = cluster;
  await installCrd(kc);
  const namespace = await makeNamespace(core, prefix);
  const controlDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const nodeName = `${namespace}-node`;
  const kubelet = new TestKubelet({
    kubeConfig: kc, nodeName, bindUnscheduled: false, podLogDir: join(controlDir, 'pods'), repoRoot,
    imageMappings: [{ image: 'sluice/fake-runner:*', entrypoint: ['{node}', fakeRunner, controlDir], commandName: 'sluice' }],
    restartBackoff: { baseMs: 200, maxMs: 1000 }, resyncMs: 2000,
    log: () => {},
  });
  await kubelet.start();
  return {
    kc, core, custom: kc.makeApiClient(CustomObjectsApi), namespace, nodeName, controlDir,
    kubeletUrl: cluster.env.SLUICE_KUBELET_URL ?? '',
    kubeconfigPath: cluster.env.KUBECONFIG!,
    async close() {
      await kubelet.stop();
      await core.deleteNode({ name: nodeName }).catch(() => undefined);
      await releaseIngestJobs(kc, namespace);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      // SLUICE_KEEP_TEST_DIR=1 keeps the runners' logs and markers for a post-mortem.
      if (!process.env.SLUICE_KEEP_TEST_DIR) rmSync(controlDir, { recursive: true, force: true });
      else process.stderr.write(`kept ${controlDir}\n`);
      if (cluster.started) await kube.down();
    },
  };
}

/** A job whose runners are fake-runner.ts on the harness's node, restarting fast. */
export function testJob(h: Harness, name: string, spec: Partial<IngestJobSpec> = {}): IngestJob {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'IngestJob',
    metadata: { name, namespace: h.namespace },
    spec: {
      source: { files: { path: '/data/in' }, format: { type: 'csv' }, schema: [{ name: 'uid', type: 'INT' }] },
      sink: { path: '/data/out', format: { type: 'csv' } },
      runner: { image: 'sluice/fake-runner:test', podTemplate: { spec: { nodeName: h.nodeName, terminationGracePeriodSeconds: 10 } } },
      restartPolicy: { maxRestarts: 10, backoff: { initial: '500ms', max: '1s' } },
      ...spec,
    },
  };
}

export function setRunnerMode(h: Harness, job: string, mode: 'run' | 'fail' | 'succeed'): void {
  writeFileSync(join(h.controlDir, `${h.namespace}.${job}.json`), JSON.stringify({ mode }));
}

export async function createJob(h: Harness, job: IngestJob): Promise<void> {
  await h.custom.createNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs', body: job });
}

export async function getJob(h: Harness, name: string): Promise<IngestJob | undefined> {
  try {
    return await h.custom.getNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs', name }) as IngestJob;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function patchSpec(h: Harness, name: string, spec: Partial<IngestJobSpec>): Promise<void> {
  const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
  await h.custom.patchNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs', name, body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

export async function jobPods(h: Harness, job: string): Promise<V1Pod[]> {
  const list = await h.core.listNamespacedPod({ namespace: h.namespace, labelSelector: `sluice.dev/job=${job}` });
  return list.items;
}

export { poll };
