import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunnerPod } from './runner-pod.ts';
import { buildRunnerRbac } from './runner-rbac.ts';
import { secretEnv, secretEnvName } from './secret-env.ts';
import { sampleJob } from './testing.ts';

test('runner pod: name, labels, args, owner, service account, restartPolicy Never', () => {
  const pod = buildRunnerPod({ job: sampleJob(), index: 2, parallelism: 3, specHash: 'h1', restarts: 4 });
  assert.equal(pod.metadata?.name, 'uids-runner-2');
  assert.equal(pod.metadata?.namespace, 'team-a');
  assert.equal(pod.metadata?.labels?.['sluice.dev/job'], 'uids');
  assert.equal(pod.metadata?.labels?.['sluice.dev/runner-index'], '2');
  assert.equal(pod.metadata?.annotations?.['sluice.dev/spec-hash'], 'h1');
  assert.equal(pod.metadata?.annotations?.['sluice.dev/restarts'], '4');
  assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', name: 'uids', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
  const c = pod.spec!.containers[0]!;
  assert.equal(c.name, 'runner');
  assert.equal(c.image, 'ghcr.io/sluice-dev/sluice:0.1.0');
  assert.deepEqual(c.command, ['sluice']);
  assert.deepEqual(c.args, ['runner', '--namespace', 'team-a', '--job', 'uids', '--index', '2', '--parallelism', '3', '--metrics-port', '9090']);
  assert.equal(pod.spec!.restartPolicy, 'Never');
  assert.equal(pod.spec!.serviceAccountName, 'sluice-runner-uids');
  assert.deepEqual(c.env?.slice(0, 2), [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ]);
});

test('runner pod is locked down: non-root 65532, read-only root, no escalation, no caps, seccomp, /tmp emptyDir', () => {
  const pod = buildRunnerPod({ job: sampleJob(), index: 0, parallelism: 1, specHash: 'h', restarts: 0 });
  const sc = pod.spec!.containers[0]!.securityContext!;
  assert.equal(sc.runAsNonRoot, true);
  assert.equal(sc.runAsUser, 65532);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
  assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });
  assert.equal(pod.spec!.securityContext?.runAsNonRoot, true);
  assert.deepEqual(pod.spec!.volumes, [{ name: 'tmp', emptyDir: {} }]);
  assert.deepEqual(pod.spec!.containers[0]!.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
});

test('runner pod fits the cluster tooling: a named metrics port, probes on /readyz and /healthz, default resources', () => {
  const c = buildRunnerPod({ job: sampleJob(), index: 0, parallelism: 1, specHash: 'h', restarts: 0 }).spec!.containers[0]!;
  assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
  assert.equal(c.args?.[c.args.indexOf('--metrics-port') + 1], '9090', 'the runner listens on the declared port');
  assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
  assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
  assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '512Mi' } });
});

test('resources: spec.runner.resources, else the template runner container\'s, else the defaults; template probes win', () => {
  const fromSpec = buildRunnerPod({ job: sampleJob({ runner: { resources: { limits: { memory: '1Gi' } } } }), index: 0, parallelism: 1, specHash: 'h', restarts: 0 });
  assert.deepEqual(fromSpec.spec!.containers[0]!.resources, { limits: { memory: '1Gi' } });
  const probe = { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 30, failureThreshold: 20 };
  const fromTemplate = buildRunnerPod({
    job: sampleJob({ runner: { podTemplate: { spec: { containers: [{ name: 'runner', resources: { requests: { memory: '300Mi' } }, livenessProbe: probe }] } } } }),
    index: 0, parallelism: 1, specHash: 'h', restarts: 0,
  });
  assert.deepEqual(fromTemplate.spec!.containers[0]!.resources, { requests: { memory: '300Mi' } });
  assert.deepEqual(fromTemplate.spec!.containers[0]!.livenessProbe, probe);
  assert.deepEqual(fromTemplate.spec!.containers[0]!.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
});

test('podTemplate is merged: labels, nodeSelector, tolerations, sidecars, runner env; operator fields win', () => {
  const job = sampleJob({
    runner: {
      image: 'registry/sluice:1.2',
      resources: { limits: { memory: '1Gi' } },
      podTemplate: {
        metadata: { labels: { team: 'a', 'sluice.dev/job': 'evil' }, annotations: { note: 'x' } },
        spec: {
          nodeSelector: { pool: 'ingest' },
          tolerations: [{ key: 'dedicated', operator: 'Exists' }],
          serviceAccountName: 'root-sa',
          restartPolicy: 'Always',
          securityContext: { fsGroup: 2000, runAsUser: 0 },
          containers: [
            { name: 'runner', env: [{ name: 'EXTRA', value: '1' }, { name: 'POD_NAME', value: 'spoof' }], volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }], securityContext: { privileged: true } },
            { name: 'sidecar', image: 'busybox' },
          ],
          volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
        },
      },
    },
  });
  const pod = buildRunnerPod({ job, index: 0, parallelism: 1, specHash: 'h', restarts: 0 });
  assert.equal(pod.metadata?.labels?.team, 'a');
  assert.equal(pod.metadata?.labels?.['sluice.dev/job'], 'uids', 'identity labels cannot be overridden');
  assert.equal(pod.metadata?.annotations?.note, 'x');
  assert.deepEqual(pod.spec?.nodeSelector, { pool: 'ingest' });
  assert.deepEqual(pod.spec?.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
  assert.equal(pod.spec?.serviceAccountName, 'sluice-runner-uids');
  assert.equal(pod.spec?.restartPolicy, 'Never');
  assert.equal(pod.spec?.securityContext?.fsGroup, 2000);
  assert.equal(pod.spec?.securityContext?.runAsUser, 65532);
  const [runner, sidecar] = pod.spec!.containers;
  assert.equal(runner!.image, 'registry/sluice:1.2');
  assert.deepEqual(runner!.resources, { limits: { memory: '1Gi' } });
  assert.equal(runner!.securityContext?.privileged, undefined, 'the template cannot loosen the security context');
  assert.deepEqual(runner!.env?.find((e) => e.name === 'EXTRA'), { name: 'EXTRA', value: '1' });
  assert.equal(runner!.env?.filter((e) => e.name === 'POD_NAME').length, 1);
  assert.ok(runner!.env?.find((e) => e.name === 'POD_NAME')?.valueFrom, "the operator's POD_NAME wins");
  assert.deepEqual(runner!.volumeMounts?.map((m) => m.mountPath), ['/etc/cfg', '/tmp']);
  assert.equal(sidecar!.name, 'sidecar');
  assert.deepEqual(pod.spec?.volumes?.map((v) => v.name), ['cfg', 'tmp']);
});

test('secrets become secretKeyRef env vars, never values', () => {
  const job = sampleJob({
    source: {
      kafka: {
        bootstrapServers: ['k:9092'], topic: 't',
        security: { protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN', username: 'bob', password: { secretKeyRef: { name: 'kafka-auth', key: 'pass.word' } } }, tls: { ca: { secretKeyRef: { name: 'kafka-tls', key: 'ca.crt' } } } },
      },
      format: { type: 'json' }, schema: [{ name: 'uid', type: 'INT' }],
    },
    storage: {
      oss: { endpoint: 'e', credentialsSecret: 'oss-creds' },
      hdfs: { delegationTokenSecret: 'hdfs-dt' },
      jindofs: { namespaces: { test: { mode: 'cache', ossUri: 'oss://b/p', credentialsSecret: 'jfs-creds' }, other: { mode: 'cache', ossUri: 'oss://b/q', credentialsSecret: 'oss-creds' } } },
    },
  });
  const env = secretEnv(job.spec);
  assert.deepEqual(env.map((e) => e.name), [
    'SLUICE_SECRET_OSS_CREDS_ACCESSKEYID', 'SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET', 'SLUICE_SECRET_OSS_CREDS_SECURITYTOKEN',
    'SLUICE_SECRET_JFS_CREDS_ACCESSKEYID', 'SLUICE_SECRET_JFS_CREDS_ACCESSKEYSECRET', 'SLUICE_SECRET_JFS_CREDS_SECURITYTOKEN',
    'SLUICE_SECRET_HDFS_DT_TOKEN', 'SLUICE_SECRET_KAFKA_AUTH_PASS_WORD', 'SLUICE_SECRET_KAFKA_TLS_CA_CRT',
  ]);
  assert.deepEqual(env.find((e) => e.name.endsWith('SECURITYTOKEN'))?.valueFrom, { secretKeyRef: { name: 'oss-creds', key: 'securityToken', optional: true } });
  assert.deepEqual(env.find((e) => e.name === 'SLUICE_SECRET_KAFKA_AUTH_PASS_WORD')?.valueFrom, { secretKeyRef: { name: 'kafka-auth', key: 'pass.word' } });
  assert.ok(env.every((e) => e.value === undefined));
  const pod = buildRunnerPod({ job, index: 0, parallelism: 1, specHash: 'h', restarts: 0 });
  assert.equal(pod.spec!.containers[0]!.env!.length, 2 + env.length);
  assert.equal(secretEnvName('my-secret.v2', 'access-key'), 'SLUICE_SECRET_MY_SECRET_V2_ACCESS_KEY');
});

test('per-job RBAC: a runner may get its own job and patch only its status', () => {
  const r = buildRunnerRbac(sampleJob());
  assert.equal(r.serviceAccount.metadata?.name, 'sluice-runner-uids');
  assert.deepEqual(r.role.rules, [
    { apiGroups: ['sluice.dev'], resources: ['ingestjobs'], resourceNames: ['uids'], verbs: ['get'] },
    { apiGroups: ['sluice.dev'], resources: ['ingestjobs/status'], resourceNames: ['uids'], verbs: ['get', 'patch'] },
  ]);
  assert.deepEqual(r.roleBinding.subjects, [{ kind: 'ServiceAccount', name: 'sluice-runner-uids', namespace: 'team-a' }]);
  assert.equal(r.roleBinding.roleRef.name, 'sluice-runner-uids');
  for (const o of [r.serviceAccount, r.role, r.roleBinding]) assert.equal(o.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
});
