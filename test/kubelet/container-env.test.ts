import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError, podField, resolveEnv } from './container-env.ts';
import type { ConfigSource } from './container-env.ts';

const pod: V1Pod = {
  metadata: { name: 'job-0', namespace: 'ingest', uid: 'u-1', labels: { 'sluice.dev/job': 'uids' } },
  spec: { nodeName: 'sluice-test-node', containers: [] },
};

const source: ConfigSource = {
  secret: async (ns, name) => (ns === 'ingest' && name === 'oss-creds' ? { accessKeyId: 'AK', accessKeySecret: 'SK' } : null),
  configMap: async (ns, name) => (ns === 'ingest' && name === 'settings' ? { LEVEL: 'debug' } : null),
};

test('env: value, $(VAR), secretKeyRef, configMapKeyRef, fieldRef; envFrom with prefix, env wins', async () => {
  const c: V1Container = {
    name: 'runner',
    envFrom: [{ secretRef: { name: 'oss-creds' }, prefix: 'OSS_' }, { configMapRef: { name: 'settings' } }],
    env: [
      { name: 'LEVEL', value: 'info' },
      { name: 'GREETING', value: 'level=$(LEVEL)' },
      { name: 'KEY', valueFrom: { secretKeyRef: { name: 'oss-creds', key: 'accessKeyId' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['sluice.dev/job']" } } },
    ],
  };
  assert.deepEqual(await resolveEnv(pod, c, source), {
    OSS_accessKeyId: 'AK', OSS_accessKeySecret: 'SK', LEVEL: 'info', GREETING: 'level=info', KEY: 'AK', POD: 'job-0', NS: 'ingest', JOB: 'uids',
  });
});

test('a missing secret key fails with the env var, key and object named', async () => {
  const c: V1Container = { name: 'r', env: [{ name: 'SECRET', valueFrom: { secretKeyRef: { name: 'oss-creds', key: 'token' } } }] };
  await assert.rejects(resolveEnv(pod, c, source), (err: unknown) =>
    err instanceof ContainerConfigError && /env SECRET: key "token" not in Secret ingest\/oss-creds/.test(err.message));
});

test('a missing optional secret is skipped; a missing required one names the Secret', async () => {
  const optional: V1Container = { name: 'r', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } }] };
  assert.deepEqual(await resolveEnv(pod, optional, source), {});
  const required: V1Container = { name: 'r', envFrom: [{ secretRef: { name: 'nope' } }] };
  await assert.rejects(resolveEnv(pod, required, source), /envFrom: Secret ingest\/nope not found/);
});

test('fieldRef paths that the test kubelet cannot serve are errors', () => {
  assert.equal(podField(pod, 'spec.nodeName'), 'sluice-test-node');
  assert.throws(() => podField(pod, 'status.phase'), /fieldRef status\.phase is not supported/);
});
