/**
 * The Helm chart installed the way a user installs it (`helm install`), into the kube stack whose
 * test kubelet runs the operator pods: image `sluice/runner:e2e` maps to this work tree's
 * `bin/sluice.mjs`, so the Deployment's `operator --leader-election-namespace $(POD_NAMESPACE)
 * --metrics-port 8080` runs for real, with the chart's ServiceAccount token.
 *   - 2 replicas Running, exactly one leader (the Lease holder, and the leader gauge of each pod);
 *   - `kubectl apply` of invalid IngestJobs is rejected by the CRD with messages naming the field;
 *   - a valid job is run by the chart's operator, and `kubectl get ij` shows the printer columns;
 *   - `helm uninstall` removes the operator pods and the cluster-scoped RBAC.
 * Values: `--namespace=<job namespace>` keeps this operator away from other tests' jobs on the
 * shared stack; `--metrics-port=0` because both replicas are processes on one machine (the test
 * kubelet also gives each pod its own port space, see test/kubelet/pod-network.ts, but a kubelet
 * daemon started from an older tree would not).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CoordinationV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { makeNamespace, poll } from '../kubelet/test-cluster.ts';
import { paths } from '../stack/kube/paths.ts';
import { CHART, HELM, ensureHelm } from '../chart/helm.ts';
import { startE2eCluster } from './e2e-cluster.ts';
import type { E2eCluster } from './e2e-cluster.ts';

const release = `sluice-e2e-${randomBytes(3).toString('hex')}`;
let c: E2eCluster;
/** The release's namespace; c.namespace holds the jobs. */
let releaseNs = '';
let installed = false;

function helm(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(HELM, [...args, '--kubeconfig', c.kubeconfig], { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`helm ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

before(async () => {
  await ensureHelm();
  c = await startE2eCluster('sluice-e2e-chart-jobs', { withOwnNode: false });
  releaseNs = await makeNamespace(c.core, 'sluice-e2e-chart');
}, { timeout: 60 * 60_000 });

after(async () => {
  if (installed) await helm(['uninstall', release, '-n', releaseNs, '--wait', '--timeout', '60s']).catch(() => undefined);
  if (releaseNs) await c.core.deleteNamespace({ name: releaseNs }).catch(() => undefined);
  await c?.close();
});

async function operatorPods(): Promise<V1Pod[]> {
  return (await c.core.listNamespacedPod({ namespace: releaseNs, labelSelector: `app.kubernetes.io/instance=${release}` })).items;
}

const podLog = (pod: string): string => {
  try {
    return readFileSync(path.join(paths.pods, `${releaseNs}_${pod}.log`), 'utf8');
  } catch {
    return '';
  }
};

/** The `sluice_operator_leader` gauge of an operator pod, from the port its log says it serves. */
async function leaderGauge(pod: string): Promise<number | undefined> {
  const port = /metrics on :(\d+)/.exec(podLog(pod))?.[1];
  if (!port) return undefined;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^sluice_operator_leader (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A minimal valid job (the seed's wordcount, local paths) with `edit` applied to its spec. */
function job(name: string, edit: (spec: Record<string, unknown>) => void = () => {}): string {
  const spec: Record<string, unknown> = {
    source: { files: { path: path.join(c.dir, 'words.txt') }, format: { type: 'csv' }, schema: [{ name: 'word', type: 'VARCHAR' }] },
    transform: { query: 'SELECT word, CAST(1 AS BIGINT) AS ct FROM source' },
    sink: { path: path.join(c.dir, `${name}-out`), format: { type: 'csv' } },
    checkpoint: { interval: '5s' },
  };
  edit(spec);
  return stringify({ apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', metadata: { name, namespace: c.namespace }, spec });
}

async function rejected(yaml: string): Promise<string> {
  try {
    await c.kubectl(['apply', '-f', '-'], yaml);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`the apiserver accepted an invalid IngestJob:\n${yaml}`);
}

test('helm install runs a 2-replica leader-elected operator; the CRD rejects bad jobs by field; helm uninstall cleans up', { timeout: 240_000 }, async () => {
  const out = await helm(['install', release, CHART, '-n', releaseNs,
    '--set', 'image.repository=sluice/runner', '--set', 'image.tag=e2e',
    // The test control plane has no Service routing (no kube-proxy, no endpoints for 127.0.0.1
    // pods), so the apiserver cannot reach a webhook Service; the webhook is tested over TLS by
    // admission-webhook.test.ts and its chart parts by test/chart.
    '--set', 'webhook.enabled=false',
    '--set', `uninstallGuard.jobNamespace=${c.namespace}`,
    '--set-json', `extraArgs=${JSON.stringify([`--namespace=${c.namespace}`, '--metrics-port=0'])}`]);
  installed = true;
  assert.match(out, /STATUS: deployed/);

  // two operator pods Running (bound to the stack's test kubelet), exactly one leader
  const pods = await poll('2 operator pods Running', async () => {
    const p = await operatorPods();
    return p.length === 2 && p.every((x) => x.status?.phase === 'Running' && x.status.containerStatuses?.[0]?.state?.running) ? p : undefined;
  }, 90_000);
  const names = pods.map((p) => p.metadata!.name!).sort();
  for (const p of pods) {
    assert.deepEqual(p.spec!.containers[0]!.args, ['operator', '--leader-election-namespace', '$(POD_NAMESPACE)', '--metrics-port', '8080', `--namespace=${c.namespace}`, '--metrics-port=0']);
  }
  const leases = c.kc.makeApiClient(CoordinationV1Api);
  const holder = await poll('the operator Lease held by one of the pods', async () => {
    const l = await leases.readNamespacedLease({ name: 'sluice-operator', namespace: releaseNs });
    const h = l.spec?.holderIdentity;
    return h && names.some((n) => h.startsWith(`${n}_`)) ? h : undefined;
  }, 60_000);
  const leaderPod = names.find((n) => holder.startsWith(`${n}_`))!;
  // $(POD_NAMESPACE) was expanded by the kubelet: the Lease is in the release namespace.
  // (The operator logs right after its Lease write: the line may trail the Lease by a moment.)
  const leaderLine = new RegExp(`became leader of ${releaseNs}/sluice-operator`);
  await poll('the leader to log its election', async () => (leaderLine.test(podLog(leaderPod)) ? true : undefined), 10_000);
  // The holder sets its gauge right after its Lease write: wait for it, then the other must be 0.
  const want = names.map((n) => (n === leaderPod ? 1 : 0));
  let gauges: Array<number | undefined> = [];
  await poll(`leader gauges ${want.join(', ')} for ${names.join(', ')}`, async () => {
    gauges = await Promise.all(names.map((n) => leaderGauge(n)));
    return gauges.every((g, i) => g === want[i]) ? true : undefined;
  }, 30_000).catch((err: unknown) => assert.fail(`not exactly one leader: gauges ${gauges.join(', ')}: ${String(err)}`));

  // the CRD rejects invalid jobs with a message naming the field
  let msg = await rejected(job('bad-size', (s) => { (s.sink as Record<string, unknown>).rollingPolicy = { fileSize: '2 parsecs' }; }));
  assert.match(msg, /spec\.sink\.rollingPolicy\.fileSize/);
  assert.match(msg, /Invalid value: "2 parsecs"/);
  msg = await rejected(job('two-sources', (s) => { (s.source as Record<string, unknown>).kafka = { bootstrapServers: ['127.0.0.1:9092'], topic: 't' }; }));
  assert.match(msg, /spec\.source(\.kafka)?: Invalid value: .*files and kafka are exclusive: set exactly one/);
  msg = await rejected(job('json-flags', (s) => { (s.source as Record<string, unknown>).format = { type: 'json', failOnMissingField: true, ignoreParseErrors: true }; }));
  assert.match(msg, /spec\.source\.format\.ignoreParseErrors: Invalid value: .*failOnMissingField and ignoreParseErrors cannot both be true/);
  msg = await rejected(job('no-sink', (s) => { delete s.sink; }));
  assert.match(msg, /spec\.sink: Required value/);

  // a valid job: the chart's operator runs it (runner image from the chart's SLUICE_RUNNER_IMAGE)
  await writeFile(path.join(c.dir, 'words.txt'), 'This\nis\na\ndemo\n');
  assert.match(await c.kubectl(['apply', '-f', '-'], job('wordcount')), /ingestjob.sluice.dev\/wordcount created/);
  await poll('wordcount Succeeded under the chart operator', async () => {
    const j = await c.getJob('wordcount');
    return j?.status?.phase === 'Succeeded' && j.status.committed?.records === 4 ? true : undefined;
  }, 90_000);
  const runner = await c.core.readNamespacedPod({ name: 'wordcount-runner-0', namespace: c.namespace });
  assert.equal(runner.spec!.containers[0]!.image, 'sluice/runner:e2e');
  const table = (await c.kubectl(['get', 'ij', '-n', c.namespace])).trimEnd().split('\n');
  assert.deepEqual(table[0]!.split(/\s+/), ['NAME', 'PHASE', 'RECORDS', 'CHECKPOINT', 'LAG', 'AGE']);
  assert.equal(table.length, 2, table.join('\n'));
  // cut the row at the header's column starts: an empty cell (LAG of a file job) is blanks
  const starts = ['NAME', 'PHASE', 'RECORDS', 'CHECKPOINT', 'LAG', 'AGE'].map((h) => table[0]!.indexOf(h));
  const cell = (i: number): string => table[1]!.slice(starts[i], starts[i + 1]).trim();
  assert.deepEqual([cell(0), cell(1), cell(2)], ['wordcount', 'Succeeded', '4'], table.join('\n'));
  assert.match(cell(3), /^\d+[smh]/, `CHECKPOINT is an age: ${table.join('\n')}`);
  assert.match(cell(4), /^(\d+|<none>|)$/, 'LAG is a number, or empty for a file source');
  assert.match(cell(5), /^\d+[smh]/, 'AGE is an age');

  // helm uninstall with a job present is refused by the pre-delete hook, saying what to do
  const refusedBy = await helm(['uninstall', release, '-n', releaseNs, '--wait', '--timeout', '120s']).then(() => '', (e: unknown) => String(e));
  assert.match(refusedBy, /uninstall-guard.*Failed/, 'helm uninstall went ahead with a job present');
  const guardPods = (await c.core.listNamespacedPod({ namespace: releaseNs, labelSelector: 'app.kubernetes.io/name=sluice-uninstall-guard' })).items;
  assert.equal(guardPods.length, 1);
  assert.match(podLog(guardPods[0]!.metadata!.name!), new RegExp(`refusing to uninstall: 1 IngestJob\\(s\\) still exist: ${c.namespace}/wordcount[\\s\\S]*kubectl delete ingestjobs --all -n ${c.namespace}`));
  assert.equal((await operatorPods()).length, 2, 'the refused uninstall left the operator running');
  // as told: delete the jobs (the running operator stops their runners and removes the finalizer)
  await c.kubectl(['delete', 'ingestjob', 'wordcount', '-n', c.namespace, '--timeout=60s']);

  // helm uninstall: the hook stops the operator first, so it releases its Lease while its RBAC exists
  await helm(['uninstall', release, '-n', releaseNs, '--wait', '--timeout', '120s']);
  installed = false;
  const released = await leases.readNamespacedLease({ name: 'sluice-operator', namespace: releaseNs });
  assert.ok(!released.spec?.holderIdentity, `stale Lease holder ${released.spec?.holderIdentity}`);
  assert.deepEqual((await c.core.listNamespacedPod({ namespace: c.namespace })).items.map((p) => p.metadata!.name), [], 'no leftover runner pod');
  await poll('operator pods gone', async () => ((await operatorPods()).length === 0 ? true : undefined), 60_000);
  const rbac = c.kc.makeApiClient(RbacAuthorizationV1Api);
  const roles = await rbac.listClusterRole({ labelSelector: `app.kubernetes.io/instance=${release}` });
  assert.deepEqual(roles.items.map((r) => r.metadata!.name), []);

  // reinstall: a new operator takes the released Lease (nothing to wait out)
  await helm(['install', release, CHART, '-n', releaseNs, '--set', 'image.repository=sluice/runner', '--set', 'image.tag=e2e',
    '--set', 'webhook.enabled=false', '--set', `uninstallGuard.jobNamespace=${c.namespace}`,
    '--set-json', `extraArgs=${JSON.stringify([`--namespace=${c.namespace}`, '--metrics-port=0'])}`]);
  installed = true;
  const fresh = await poll('2 new operator pods', async () => {
    const p = await operatorPods();
    return p.length === 2 ? p.map((x) => x.metadata!.name!) : undefined;
  }, 90_000);
  await poll('the Lease held by a new operator pod', async () => {
    const h = (await leases.readNamespacedLease({ name: 'sluice-operator', namespace: releaseNs })).spec?.holderIdentity;
    return h && fresh.some((n) => h.startsWith(`${n}_`)) ? true : undefined;
  }, 60_000);
});
