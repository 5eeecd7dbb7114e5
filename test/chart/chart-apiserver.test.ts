/**
 * The rendered chart against a real kube-apiserver (the kube stack): the apiserver accepts every
 * object, and the operator's ServiceAccount (impersonated) has exactly the rights the operator
 * needs — above all, it can create the per-job runner ServiceAccount, Role and RoleBinding in a
 * job namespace, which Kubernetes allows only when the operator itself holds every granted right.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { ensureCluster, makeNamespace } from '../kubelet/test-cluster.ts';
import type { TestCluster } from '../kubelet/test-cluster.ts';
import kube from '../stack/services/kube.ts';
import { canI, installIngestJobCrd, kubectl } from '../runner/kube-helpers.ts';
import { CHART, ensureHelm, helm, template } from './helm.ts';

let cluster: TestCluster;
let kubeconfig: string;
let releaseNs = '';
let jobNs = '';
const release = `sluice-charttest-${randomBytes(3).toString('hex')}`;

before(async () => {
  await ensureHelm();
  cluster = await ensureCluster();
  kubeconfig = cluster.env.KUBECONFIG!;
  await installIngestJobCrd(cluster.kc, kubeconfig);
  releaseNs = await makeNamespace(cluster.core, 'sluice-chart');
  jobNs = await makeNamespace(cluster.core, 'sluice-chart-job');
}, { timeout: 60 * 60_000 });

after(async () => {
  for (const ns of [releaseNs, jobNs]) if (ns) await cluster.core.deleteNamespace({ name: ns }).catch(() => undefined);
  if (kubeconfig) {
    try {
      kubectl(kubeconfig, ['delete', 'clusterrole,clusterrolebinding', release, '--ignore-not-found']);
    } catch {
      // best effort: a leftover ClusterRole of a test release harms nothing
    }
  }
  if (cluster?.started) await kube.down();
});

const sa = (): string => `system:serviceaccount:${releaseNs}:${release}`;
const can = (verb: string, resource: string, ns: string, extra: string[] = []): boolean => canI(kubeconfig, sa(), [verb, resource, '-n', ns, ...extra]);

test('the apiserver accepts the rendered chart, and the operator account can do exactly its job', { timeout: 120_000 }, async () => {
  // replicaCount=0: no operator pods (their image does not exist here); RBAC is what is tested.
  // webhook.enabled=false: a cluster-wide webhook with no pod behind it would refuse every other
  // test's IngestJobs (the webhook has its own test below).
  const objs = await template(['fullnameOverride=' + release, 'replicaCount=0', 'serviceMonitor.enabled=false', 'webhook.enabled=false'], ['--namespace', releaseNs]);
  const out = kubectl(kubeconfig, ['apply', '-f', '-'], objs.map((o) => stringify(o)).join('---\n'));
  assert.match(out, new RegExp(`deployment.apps/${release} created`));
  assert.match(out, new RegExp(`clusterrole.rbac.authorization.k8s.io/${release} created`));

  // what the operator must be able to do, in any job namespace
  const yes: Array<[string, string, string, string[]?]> = [
    ['watch', 'ingestjobs.sluice.dev', jobNs],
    ['patch', 'ingestjobs.sluice.dev', jobNs, ['--subresource=status']],
    ['update', 'ingestjobs.sluice.dev', jobNs, ['--subresource=finalizers']],
    ['create', 'pods', jobNs], ['delete', 'pods', jobNs],
    ['create', 'serviceaccounts', jobNs], ['create', 'roles.rbac.authorization.k8s.io', jobNs], ['create', 'rolebindings.rbac.authorization.k8s.io', jobNs],
    ['create', 'events', jobNs],
    ['update', 'leases.coordination.k8s.io', releaseNs],
  ];
  for (const [verb, res, ns, extra] of yes) assert.equal(can(verb, res, ns, extra), true, `operator should ${verb} ${res} in ${ns}`);
  // and what it must not
  const no: Array<[string, string, string]> = [
    ['get', 'secrets', jobNs], ['create', 'ingestjobs.sluice.dev', jobNs], ['delete', 'ingestjobs.sluice.dev', jobNs],
    ['update', 'pods', jobNs], ['update', 'leases.coordination.k8s.io', jobNs], ['create', 'clusterroles.rbac.authorization.k8s.io', jobNs],
    ['create', 'deployments.apps', jobNs],
  ];
  for (const [verb, res, ns] of no) assert.equal(can(verb, res, ns), false, `operator must not ${verb} ${res} in ${ns}`);

  // The real grant: as the operator, create a job's runner ServiceAccount, Role and RoleBinding.
  const runner = 'sluice-runner-uids';
  const grant = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: runner, namespace: jobNs } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: runner, namespace: jobNs },
      rules: [
        { apiGroups: ['sluice.dev'], resources: ['ingestjobs'], resourceNames: ['uids'], verbs: ['get'] },
        { apiGroups: ['sluice.dev'], resources: ['ingestjobs/status'], resourceNames: ['uids'], verbs: ['get', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: runner, namespace: jobNs },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: runner },
      subjects: [{ kind: 'ServiceAccount', name: runner, namespace: jobNs }],
    },
  ];
  const created = kubectl(kubeconfig, ['create', `--as=${sa()}`, '-f', '-'], grant.map((o) => stringify(o)).join('---\n'));
  assert.match(created, /role.rbac.authorization.k8s.io\/sluice-runner-uids created/);
  // A Role with a right the operator lacks is refused (RBAC's escalation check): proof the above
  // passed because the ClusterRole holds those rights, not because RBAC was off.
  const greedy = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'greedy', namespace: jobNs }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] };
  assert.throws(() => kubectl(kubeconfig, ['create', `--as=${sa()}`, '-f', '-'], stringify(greedy)), /forbidden|escalat/i);
});

test('helm upgrade keeps the webhook certificate and caBundle (lookup of the existing Secret)', { timeout: 180_000 }, async () => {
  const wh = `${release}-wh`;
  // replicaCount=0 and a namespace selector matching nothing: registered, but never called.
  const sets = ['fullnameOverride=' + wh, 'replicaCount=0', 'webhook.namespaceSelector.matchLabels.sluice-test-never=match', 'rbac.create=false', 'serviceAccount.create=false', 'serviceAccount.name=default'];
  const args = (cmd: string): string[] => [cmd, wh, CHART, '-n', releaseNs, '--kubeconfig', kubeconfig, ...sets.flatMap((s) => ['--set', s])];
  const read = (): { ca: string; crt: string; bundle: string } => {
    const secret = JSON.parse(kubectl(kubeconfig, ['get', 'secret', `${wh}-webhook-tls`, '-n', releaseNs, '-o', 'json'])) as { data: Record<string, string> };
    const vwc = JSON.parse(kubectl(kubeconfig, ['get', 'validatingwebhookconfiguration', `${wh}-${releaseNs}`, '-o', 'json'])) as { webhooks: Array<{ clientConfig: { caBundle: string } }> };
    return { ca: secret.data['ca.crt']!, crt: secret.data['tls.crt']!, bundle: vwc.webhooks[0]!.clientConfig.caBundle };
  };
  try {
    await helm(...args('install'));
    const first = read();
    assert.equal(first.bundle, first.ca, 'the apiserver trusts the CA that signed the serving certificate');
    await helm(...args('upgrade'));
    assert.deepEqual(read(), first, 'helm upgrade replaced the certificate');
  } finally {
    await helm('uninstall', wh, '-n', releaseNs, '--kubeconfig', kubeconfig).catch(() => undefined);
  }
});
