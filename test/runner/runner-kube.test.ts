/**
 * `sluice runner` against a real kube-apiserver (the kube stack), with exactly the rights the
 * operator gives a runner pod: a ServiceAccount bound to a per-job Role that allows get on its
 * IngestJob and get+patch on its status, by resourceNames.
 *   1. least privilege: that token cannot read or patch another IngestJob, nor list them;
 *   2. the runner (a child process, credentials only from KUBECONFIG with the SA token) runs the
 *      seed's first job (words → `word,1`) with local paths, exits 0, and the output is right;
 *   3. status.runners[0] shows the committed records, applied by field manager sluice-runner-0
 *      on the status subresource, and the operator's fields of the same entry survive.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { IngestJob, RunnerStatus } from '../../src/api/types.ts';
import { ensureCluster, makeNamespace, poll } from '../kubelet/test-cluster.ts';
import type { TestCluster } from '../kubelet/test-cluster.ts';
import kube from '../stack/services/kube.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { installIngestJobCrd, runnerRbac, runRunner, serviceAccountKubeconfig } from './kube-helpers.ts';

const GROUP = 'sluice.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'ingestjobs';

let cluster: TestCluster;
let ns: string;
let dir: string;

before(async () => {
  cluster = await ensureCluster();
  await installIngestJobCrd(cluster.kc, cluster.env.KUBECONFIG!);
  ns = await makeNamespace(cluster.core, 'runner-test');
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-runner-kube-'));
}, { timeout: 60 * 60_000 });

after(async () => {
  if (ns) await cluster.core.deleteNamespace({ name: ns }).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
  if (cluster?.started) await kube.down();
});

/** The seed's first job (CSV words → `word,1` CSV), with local paths. */
function wordcount(name: string, source: string, sink: string): IngestJob {
  return {
    apiVersion: `${GROUP}/${VERSION}`, kind: 'IngestJob', metadata: { name },
    spec: {
      source: { files: { path: source }, format: { type: 'csv' }, schema: [{ name: 'word', type: 'VARCHAR' }] },
      transform: { query: 'SELECT word, CAST(1 AS BIGINT) AS ct FROM source' },
      sink: { path: sink, format: { type: 'csv' } },
      checkpoint: { interval: '5s' },
    },
  };
}

const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;

function applyStatus(kc: KubeConfig, name: string, manager: string, runners: Array<Partial<RunnerStatus>>): Promise<unknown> {
  return kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
    {
      group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name, fieldManager: manager, force: true,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'IngestJob', metadata: { name, namespace: ns }, status: { runners } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
}

test('sluice runner with a least-privilege token runs the job and applies its status entry', { timeout: 120_000 }, async () => {
  const admin = cluster.kc;
  const objects = admin.makeApiClient(CustomObjectsApi);
  const words = path.join(dir, 'words.txt');
  const input = Array.from({ length: 500 }, (_, i) => `w${i % 7}`);
  await writeFile(words, input.join('\n') + '\n');
  const sink = path.join(dir, 'out');
  await objects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: wordcount('wordcount', words, sink) });
  await objects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: wordcount('other', words, path.join(dir, 'other')) });
  // The operator's view of the entry, under its own field manager: the runner must not erase it.
  await applyStatus(admin, 'wordcount', 'sluice-operator', [{ index: 0, pod: 'wordcount-runner-0', restarts: 0, state: 'Pending' }]);

  const sa = await runnerRbac(admin, ns, 'wordcount');
  const kubeconfig = path.join(dir, 'runner.kubeconfig');
  const runnerKc = await serviceAccountKubeconfig(admin, ns, sa, kubeconfig);

  // 1. least privilege (RBAC may take a moment to see the new binding: poll for the allowed read)
  const asRunner = runnerKc.makeApiClient(CustomObjectsApi);
  await poll('the runner token may read its own IngestJob', async () =>
    (await asRunner.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'wordcount' })) as unknown);
  await assert.rejects(applyStatus(runnerKc, 'other', 'sluice-runner-0', [{ index: 0, state: 'Running' }]), (e) => codeOf(e) === 403, 'patching another job\'s status is Forbidden');
  await assert.rejects(asRunner.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'other' }), (e) => codeOf(e) === 403);
  await assert.rejects(asRunner.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL }), (e) => codeOf(e) === 403);
  await assert.rejects(
    asRunner.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'wordcount', body: { spec: { parallelism: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
    (e) => codeOf(e) === 403, 'the runner cannot change its own spec',
  );

  // 2. run it as a pod would
  const r = await runRunner(['--namespace', ns, '--job', 'wordcount', '--index', '0', '--parallelism', '1', '--metrics-port', '0'], {
    KUBECONFIG: kubeconfig, POD_NAME: 'wordcount-runner-0', POD_NAMESPACE: ns,
  }, dir);
  assert.equal(r.code, 0, `runner failed: ${r.stderr}\n${JSON.stringify(r.events, null, 1)}`);
  // A field the CRD does not declare makes the apiserver refuse the whole apply: this names it.
  assert.deepEqual(r.events.filter((e) => e.event === 'status-update-failed').map((e) => e.reason), [], 'every status update was accepted');
  const summary = r.events.find((e) => e.event === 'summary')!;
  assert.equal(summary.finished, true);
  assert.equal(summary.recordsCommitted, input.length);
  assert.deepEqual(await readLines(await visibleFiles(sink)), input.map((w) => `${w},1`));
  assert.ok(!r.events.some((e) => JSON.stringify(e).includes(runnerKc.getCurrentUser()!.token!)), 'the token is never logged');

  // 3. the status entry, and who owns which field
  const job = (await objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'wordcount' })) as IngestJob & {
    metadata: { managedFields?: Array<{ manager: string; subresource?: string; operation: string; fieldsV1?: unknown }> };
  };
  const entry = job.status!.runners!.find((x) => x.index === 0)!;
  assert.equal(entry.state, 'Succeeded');
  assert.equal(entry.records, input.length);
  assert.equal(typeof entry.checkpointId, 'number');
  assert.ok(entry.checkpointId! > 0);
  assert.equal(entry.finished, true);
  assert.equal(entry.epoch, 1);
  assert.equal(entry.files, 1);
  assert.equal(entry.bytes, summary.bytesCommitted);
  assert.ok(Date.parse(entry.checkpointAt!) > 0);
  assert.equal(entry.pod, 'wordcount-runner-0', 'the operator-owned field of the same entry survives');
  assert.equal(entry.restarts, 0);
  const mine = job.metadata.managedFields!.find((m) => m.manager === 'sluice-runner-0')!;
  assert.ok(mine, JSON.stringify(job.metadata.managedFields));
  assert.equal(mine.operation, 'Apply');
  assert.equal(mine.subresource, 'status');
  assert.match(JSON.stringify(mine.fieldsV1), /"k:\{\\"index\\":0\}"/);
  assert.match(JSON.stringify(mine.fieldsV1), /"f:records"/);
  // the other job's status was never touched
  const other = (await objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'other' })) as IngestJob;
  assert.equal(other.status?.runners, undefined);
});
