/**
 * charts/sluice: `helm lint` and `helm template` pass, and what they render is what the operator
 * contract needs (docs/kubernetes.md): a 2-replica leader-elected Deployment with the agreed args,
 * probes and a locked-down securityContext; least-privilege RBAC; metrics Service; optional
 * ServiceMonitor/PodMonitor; a CRD copy identical to crds/ingestjob.yaml; every value documented.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1ClusterRole, V1Deployment, V1PolicyRule, V1Role, V1Service } from '@kubernetes/client-node';
import { DEFAULT_RUNNER_IMAGE } from '../../src/operator/names.ts';
import { buildRunnerPod } from '../../src/operator/runner-pod.ts';
import { sampleJob } from '../../src/operator/testing.ts';
import { CHART, ensureHelm, find, helm, template } from './helm.ts';
import type { K8sObject } from './helm.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

before(ensureHelm, { timeout: 60 * 60_000 });

test('charts/sluice/crds/ingestjob.yaml is an exact copy of crds/ingestjob.yaml', async () => {
  const [chart, source] = await Promise.all([
    readFile(path.join(CHART, 'crds/ingestjob.yaml'), 'utf8'),
    readFile(path.join(REPO, 'crds/ingestjob.yaml'), 'utf8'),
  ]);
  assert.ok(chart === source, 'the chart\'s CRD is stale: cp crds/ingestjob.yaml charts/sluice/crds/ingestjob.yaml');
});

test('helm lint passes', async () => {
  const { stdout } = await helm('lint', CHART, '--strict');
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('default render: exactly the expected objects, all in the release namespace', async () => {
  const objs = await template();
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
    'ClusterRole/sluice', 'ClusterRole/sluice-uninstall-guard-sluice-system', 'ClusterRoleBinding/sluice',
    'ClusterRoleBinding/sluice-uninstall-guard-sluice-system', 'Deployment/sluice', 'Job/sluice-uninstall-guard', 'PodDisruptionBudget/sluice',
    'Role/sluice-leader-election', 'Role/sluice-uninstall-guard', 'RoleBinding/sluice-leader-election', 'RoleBinding/sluice-uninstall-guard',
    'Secret/sluice-webhook-tls', 'Service/sluice-metrics', 'Service/sluice-webhook', 'ServiceAccount/sluice', 'ServiceAccount/sluice-uninstall-guard',
    'ValidatingWebhookConfiguration/sluice-sluice-system',
  ]);
  for (const o of objs) if (!o.kind.startsWith('Cluster') && o.kind !== 'ValidatingWebhookConfiguration') assert.equal(o.metadata.namespace, 'sluice-system', `${o.kind} namespace`);
  const withCrds = await template([], ['--include-crds']);
  assert.equal(find(withCrds, 'CustomResourceDefinition').metadata.name, 'ingestjobs.sluice.dev');
});

test('the operator Deployment: 2 replicas, the agreed args, probes, non-root read-only container', async () => {
  const d = find<V1Deployment>(await template(), 'Deployment');
  assert.equal(d.spec!.replicas, 2);
  const pod = d.spec!.template.spec!;
  assert.equal(pod.serviceAccountName, 'sluice');
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0]!;
  assert.equal(c.image, 'ghcr.io/sluice-dev/sluice:0.1.0');
  assert.deepEqual(c.args, ['operator', '--leader-election-namespace', '$(POD_NAMESPACE)', '--metrics-port', '8080', '--webhook-port', '9443', '--webhook-cert-dir', '/etc/sluice/webhook']);
  assert.equal(c.command, undefined, 'the image ENTRYPOINT is sluice');
  const env = new Map((c.env ?? []).map((e) => [e.name, e]));
  assert.equal(env.get('POD_NAMESPACE')!.valueFrom!.fieldRef!.fieldPath, 'metadata.namespace');
  assert.equal(env.get('POD_NAME')!.valueFrom!.fieldRef!.fieldPath, 'metadata.name');
  assert.equal(env.get('SLUICE_RUNNER_IMAGE')!.value, 'ghcr.io/sluice-dev/sluice:0.1.0');
  assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }, { name: 'webhook', containerPort: 9443, protocol: 'TCP' }]);
  assert.equal(c.livenessProbe!.httpGet!.path, '/healthz');
  assert.equal(c.readinessProbe!.httpGet!.path, '/readyz');
  assert.equal(c.livenessProbe!.httpGet!.port, 'metrics');
  assert.equal(pod.securityContext!.runAsNonRoot, true);
  assert.equal(pod.securityContext!.runAsUser, 65532);
  assert.equal(pod.securityContext!.seccompProfile!.type, 'RuntimeDefault');
  assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext!.capabilities!.drop, ['ALL']);
  assert.ok(c.resources!.requests!.cpu && c.resources!.requests!.memory && c.resources!.limits!.memory, 'requests and a memory limit');
  assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }, { name: 'webhook-tls', mountPath: '/etc/sluice/webhook', readOnly: true }]);
  assert.deepEqual(pod.volumes!.map((v) => [v.name, v.emptyDir !== undefined]), [['tmp', true], ['webhook-tls', false]]);
  // the selector must match the pod labels, and the replicas prefer different nodes
  for (const [k, v] of Object.entries(d.spec!.selector.matchLabels!)) assert.equal(d.spec!.template.metadata!.labels![k], v);
  assert.equal(pod.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
});

const verbsOf = (rules: V1PolicyRule[], group: string, resource: string): string[] =>
  rules.filter((r) => r.apiGroups!.includes(group) && r.resources!.includes(resource)).flatMap((r) => r.verbs).sort();

test('operator RBAC is least privilege: exactly the verbs it needs, no wildcards, no Secrets', async () => {
  const objs = await template();
  const rules = find<V1ClusterRole>(objs, 'ClusterRole').rules!;
  assert.deepEqual(verbsOf(rules, 'sluice.dev', 'ingestjobs'), ['get', 'list', 'patch', 'update', 'watch']);
  assert.deepEqual(verbsOf(rules, 'sluice.dev', 'ingestjobs/status'), ['get', 'patch', 'update']);
  assert.deepEqual(verbsOf(rules, 'sluice.dev', 'ingestjobs/finalizers'), ['update']);
  assert.deepEqual(verbsOf(rules, 'sluice.dev', 'ingestjobs/scale'), ['get', 'patch'], 'spec.autoscaler scales through the scale subresource');
  assert.deepEqual(verbsOf(rules, '', 'pods'), ['create', 'delete', 'get', 'list', 'watch']);
  assert.deepEqual(verbsOf(rules, '', 'serviceaccounts'), ['create', 'delete', 'get', 'list', 'watch']);
  // update: the operator converges a per-job Role that drifted
  assert.deepEqual(verbsOf(rules, 'rbac.authorization.k8s.io', 'roles'), ['create', 'delete', 'get', 'list', 'update', 'watch']);
  assert.deepEqual(verbsOf(rules, 'rbac.authorization.k8s.io', 'rolebindings'), ['create', 'delete', 'get', 'list', 'update', 'watch']);
  assert.deepEqual(verbsOf(rules, '', 'events'), ['create', 'patch']);
  assert.deepEqual(verbsOf(rules, '', 'secrets'), [], 'the operator never reads storage credentials');
  assert.deepEqual(verbsOf(rules, 'coordination.k8s.io', 'leases'), [], 'leases only in the release namespace');
  for (const r of rules) {
    for (const f of [r.apiGroups, r.resources, r.verbs]) assert.ok(!f!.includes('*'), `wildcard in ${JSON.stringify(r)}`);
    assert.ok(!r.verbs.includes('bind') && !r.verbs.includes('escalate') && !r.verbs.includes('impersonate'));
  }
  // Kubernetes lets the operator create a Role only with rights it holds: the runner Role's.
  const runnerRole: V1PolicyRule[] = [
    { apiGroups: ['sluice.dev'], resources: ['ingestjobs'], verbs: ['get'] },
    { apiGroups: ['sluice.dev'], resources: ['ingestjobs/status'], verbs: ['get', 'patch'] },
  ];
  for (const r of runnerRole) for (const v of r.verbs) assert.ok(verbsOf(rules, r.apiGroups![0]!, r.resources![0]!).includes(v), `operator lacks ${v} ${r.resources![0]}`);
  const crb = find(objs, 'ClusterRoleBinding') as K8sObject & { subjects: Array<{ kind: string; name: string; namespace: string }>; roleRef: { name: string } };
  assert.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'sluice', namespace: 'sluice-system' }]);
  assert.equal(crb.roleRef.name, 'sluice');
  const lease = find<V1Role>(objs, 'Role', 'sluice-leader-election');
  assert.equal(lease.metadata!.namespace, 'sluice-system');
  assert.deepEqual(verbsOf(lease.rules!, 'coordination.k8s.io', 'leases'), ['create', 'get', 'update']);
});

test('the metrics Service selects the operator pods on the metrics port', async () => {
  const objs = await template();
  const svc = find<V1Service>(objs, 'Service');
  const d = find<V1Deployment>(objs, 'Deployment');
  for (const [k, v] of Object.entries(svc.spec!.selector!)) assert.equal(d.spec!.template.metadata!.labels![k], v, `selector ${k}`);
  assert.deepEqual(svc.spec!.ports, [{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
});

test('values switch on the ServiceMonitor and PodMonitor, and change replicas, ports and names', async () => {
  const objs = await template(['serviceMonitor.enabled=true', 'serviceMonitor.labels.release=prom', 'podMonitor.enabled=true', 'replicaCount=1', 'metrics.port=9100', 'fullnameOverride=ingest', 'image.tag=1.2.3']);
  const sm = find(objs, 'ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> } };
  assert.equal(sm.metadata.labels!.release, 'prom');
  assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
  const svc = find<V1Service>(objs, 'Service', 'ingest-metrics');
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata!.labels![k], v);
  const pm = find(objs, 'PodMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { any: boolean } } };
  assert.deepEqual(pm.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'sluice-runner' });
  assert.equal(pm.spec.namespaceSelector.any, true);
  const d = find<V1Deployment>(objs, 'Deployment', 'ingest');
  assert.equal(d.spec!.replicas, 1);
  assert.equal(d.spec!.template.spec!.containers[0]!.image, 'ghcr.io/sluice-dev/sluice:1.2.3');
  const args = d.spec!.template.spec!.containers[0]!.args!;
  assert.deepEqual(args.slice(args.indexOf('--metrics-port'), args.indexOf('--metrics-port') + 2), ['--metrics-port', '9100']);
  assert.equal(objs.some((o) => o.kind === 'PodDisruptionBudget'), false, 'no PDB for a single replica');
});

test('the rendered PodMonitor selects runner pods as the operator builds them, and scrapes their metrics port', async () => {
  const pm = find(await template(['podMonitor.enabled=true']), 'PodMonitor') as K8sObject & {
    spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string }> };
  };
  const pod = buildRunnerPod({ job: sampleJob(), index: 0, parallelism: 1, specHash: 'h', restarts: 0 });
  for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) assert.equal(pod.metadata!.labels![k], v, `runner pod label ${k}`);
  const ports = pod.spec!.containers.flatMap((c) => c.ports ?? []);
  for (const e of pm.spec.podMetricsEndpoints) {
    const port = ports.find((p) => p.name === e.port);
    assert.ok(port, `no container port named ${e.port} on the runner pod`);
    assert.equal(e.path, '/metrics');
    const runner = pod.spec!.containers[0]!;
    assert.equal(runner.args![runner.args!.indexOf('--metrics-port') + 1], String(port.containerPort), 'the runner serves /metrics on that port');
  }
});

test('the admission webhook: a Helm-made CA whose bundle the apiserver trusts, served by every replica, knobs from values', async () => {
  const objs = await template(['webhook.failurePolicy=Ignore', 'webhook.timeoutSeconds=5']);
  const secret = find(objs, 'Secret', 'sluice-webhook-tls') as K8sObject & { type: string; data: Record<string, string> };
  assert.equal(secret.type, 'kubernetes.io/tls');
  const vwc = find(objs, 'ValidatingWebhookConfiguration') as K8sObject & { webhooks: Array<Record<string, unknown> & { clientConfig: { caBundle: string; service: Record<string, unknown> }; namespaceSelector: unknown }> };
  const w = vwc.webhooks[0]!;
  assert.equal(w.failurePolicy, 'Ignore');
  assert.equal(w.timeoutSeconds, 5);
  assert.deepEqual(w.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] });
  assert.deepEqual(w.clientConfig.service, { name: 'sluice-webhook', namespace: 'sluice-system', path: '/validate-ingestjob', port: 443 });
  assert.equal(w.clientConfig.caBundle, secret.data['ca.crt']);
  // The serving certificate is signed by that CA for the Service's DNS name.
  const { X509Certificate } = await import('node:crypto');
  const ca = new X509Certificate(Buffer.from(secret.data['ca.crt']!, 'base64'));
  const cert = new X509Certificate(Buffer.from(secret.data['tls.crt']!, 'base64'));
  assert.ok(cert.verify(ca.publicKey), 'tls.crt is signed by ca.crt');
  assert.ok(cert.checkHost('sluice-webhook.sluice-system.svc'), `SANs: ${cert.subjectAltName}`);
  const d = find<V1Deployment>(objs, 'Deployment', 'sluice');
  const c = d.spec!.template.spec!.containers[0]!;
  assert.deepEqual(c.args!.slice(c.args!.indexOf('--webhook-port'), c.args!.indexOf('--webhook-port') + 4), ['--webhook-port', '9443', '--webhook-cert-dir', '/etc/sluice/webhook']);
  assert.ok(c.ports!.some((p) => p.name === 'webhook' && p.containerPort === 9443));
  assert.equal(d.spec!.template.spec!.volumes!.find((v) => v.name === 'webhook-tls')?.secret?.secretName, 'sluice-webhook-tls');
  const svc = find<V1Service>(objs, 'Service', 'sluice-webhook');
  assert.deepEqual(svc.spec!.ports!.map((p) => [p.port, p.targetPort]), [[443, 'webhook']]);
  const withCm = await template(['webhook.certManager.enabled=true']);
  assert.equal(withCm.some((o) => o.kind === 'Secret'), false, 'cert-manager makes the Secret');
  assert.equal((find(withCm, 'ValidatingWebhookConfiguration').metadata as { annotations?: Record<string, string> }).annotations?.['cert-manager.io/inject-ca-from'], 'sluice-system/sluice-webhook');
  assert.ok(withCm.some((o) => o.kind === 'Certificate'));
  const off = await template(['webhook.enabled=false']);
  assert.equal(off.some((o) => o.kind === 'ValidatingWebhookConfiguration'), false);
  assert.equal(find<V1Deployment>(off, 'Deployment').spec!.template.spec!.containers[0]!.args!.includes('--webhook-port'), false);
});

test('the Grafana dashboard ConfigMap: off by default; on, it carries the sidecar label and dashboards/sluice.json verbatim', async () => {
  assert.equal((await template()).some((o) => o.kind === 'ConfigMap'), false);
  const objs = await template(['grafanaDashboard.enabled=true', 'grafanaDashboard.namespace=monitoring', 'grafanaDashboard.annotations.grafana_folder=Sluice']);
  const cm = find(objs, 'ConfigMap', 'sluice-dashboard') as K8sObject & { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };
  assert.equal(cm.metadata.labels!.grafana_dashboard, '1');
  assert.equal(cm.metadata.namespace, 'monitoring');
  assert.equal(cm.metadata.annotations!.grafana_folder, 'Sluice');
  const file = await readFile(path.join(CHART, 'dashboards/sluice.json'), 'utf8');
  assert.deepEqual(JSON.parse(cm.data['sluice.json']!), JSON.parse(file));
  const relabelled = find(await template(['grafanaDashboard.enabled=true', 'grafanaDashboard.label=dash', 'grafanaDashboard.labelValue=yes']), 'ConfigMap');
  assert.equal(relabelled.metadata.labels!.dash, 'yes');
});

test('every value in values.yaml is documented by a comment', async () => {
  const lines = (await readFile(path.join(CHART, 'values.yaml'), 'utf8')).split('\n');
  // Blocks passed to the pod spec verbatim (toYaml): their keys are Kubernetes' own fields.
  const verbatim = new Set(['podSecurityContext', 'securityContext', 'resources', 'livenessProbe', 'readinessProbe']);
  let parent = '';
  const undocumented: string[] = [];
  lines.forEach((line, i) => {
    const m = /^( *)([A-Za-z][\w-]*):/.exec(line);
    if (!m) return;
    const depth = m[1]!.length / 2;
    if (depth === 0) parent = m[2]!;
    if (depth > 1 || (depth === 1 && verbatim.has(parent))) return;
    if (!/^\s*#/.test(lines[i - 1] ?? '')) undocumented.push(depth === 0 ? m[2]! : `${parent}.${m[2]!}`);
  });
  assert.deepEqual(undocumented, []);
});

test('one image name: README, Dockerfile, the chart and the operator\'s default runner image agree', async () => {
  const d = find<V1Deployment>(await template(), 'Deployment', 'sluice');
  const chartImage = d.spec!.template.spec!.containers[0]!.image!;
  const [readme, dockerfile] = await Promise.all([readFile(path.join(REPO, 'README.md'), 'utf8'), readFile(path.join(REPO, 'Dockerfile'), 'utf8')]);
  assert.equal(/docker build -t (\S+) \./.exec(readme)?.[1], chartImage, 'README quick start');
  assert.equal(/docker build -t (\S+) \./.exec(dockerfile)?.[1], chartImage, 'Dockerfile header');
  assert.equal(DEFAULT_RUNNER_IMAGE, chartImage, 'src/operator/names.ts');
});

test('NOTES.txt renders without placeholders', async () => {
  const { stdout } = await helm('install', '--dry-run=client', 'sluice', CHART, '--namespace', 'sluice-system');
  const notes = stdout.slice(stdout.indexOf('NOTES:'));
  assert.match(notes, /kubectl -n sluice-system get lease/);
  assert.doesNotMatch(notes, /…|\.\.\.\/|<[a-z-]+>|example\.com|TODO/i);
});
