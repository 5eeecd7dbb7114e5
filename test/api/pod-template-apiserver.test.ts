/**
 * spec.runner.podTemplate on the real apiserver (kube stack): the CRD declares Kubernetes' own
 * PodTemplateSpec, so with strict field validation (kubectl's default) a typo is refused naming
 * the field, and a valid template is stored whole (not pruned).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ensureCluster, makeNamespace } from '../kubelet/test-cluster.ts';
import { installCrd, repoRoot } from '../operator/harness.ts';
import kube from '../stack/services/kube.ts';

let kc: KubeConfig;
let core: CoreV1Api;
let ns = '';
let started = false;

before(async () => {
  const c = await ensureCluster();
  ({ kc, core, started } = c);
  await installCrd(kc);
  ns = await makeNamespace(core, 'pod-template');
}, { timeout: 60 * 60_000 });

after(async () => {
  if (ns) await core.deleteNamespace({ name: ns }).catch(() => undefined);
  if (started) await kube.down();
});

function job(name: string, podTemplate: Record<string, unknown>): Record<string, unknown> {
  const doc = parse(readFileSync(join(repoRoot, 'test/fixtures/jobs/wordcount.yaml'), 'utf8')) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  return { ...doc, metadata: { name, namespace: ns }, spec: { ...doc.spec, runner: { podTemplate } } };
}

async function create(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  return await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'sluice.dev', version: 'v1alpha1', namespace: ns, plural: 'ingestjobs', body, fieldValidation: 'Strict',
  }) as Record<string, unknown>;
}

test('a typo in spec.runner.podTemplate is refused at apply, naming the field', async () => {
  const err = await create(job('typo', { spec: { nodeSelecter: { disk: 'ssd' } } })).then(() => undefined, (e: unknown) => e as { code?: number; body?: string });
  assert.ok(err, 'the job with nodeSelecter was accepted');
  assert.equal(err.code, 400, String(err.body)); // strict decoding: BadRequest
  assert.match(String(err.body), /unknown field \\"spec\.runner\.podTemplate\.spec\.nodeSelecter\\"/);
});

test('a wrong type inside a container of the template is refused, naming the field', async () => {
  const err = await create(job('badtype', { spec: { containers: [{ name: 'runner', resources: { limits: { memory: ['1Gi'] } } }] } }))
    .then(() => undefined, (e: unknown) => e as { code?: number; body?: string });
  assert.ok(err, 'the job with a list as a memory limit was accepted');
  assert.equal(err.code, 422, String(err.body));
  assert.match(String(err.body), /spec\.runner\.podTemplate\.spec\.containers\[0\]\.resources\.limits\.memory/);
});

test('a valid template is stored whole', async () => {
  const template = {
    metadata: { labels: { team: 'data' } },
    spec: {
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ingest', effect: 'NoSchedule' }],
      containers: [{ name: 'runner', env: [{ name: 'TZ', value: 'UTC' }], resources: { limits: { memory: '1Gi' } } }],
    },
  };
  const stored = await create(job('valid', template)) as { spec: { runner: { podTemplate: unknown } } };
  assert.deepEqual(stored.spec.runner.podTemplate, template);
});
