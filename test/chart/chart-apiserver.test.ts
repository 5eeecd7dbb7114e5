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
import { ensureHelm, template } from './helm.ts';

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
  const objs = await template(['fullnameOverride=' + release, 'replicaCount=0', 'serviceMonitor.enabled=false'], ['--namespace', releaseNs]);
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
