import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { SpecInterner, slimIngestJob, slimPod } from './cache-transform.ts';
import { podRestarts, podSpecHash, podState, runnerIndex, waitingCause } from './pod-state.ts';
import { foreignScaler } from './scale-owner.ts';
import { sampleJob } from './testing.ts';

test('a cached job keeps what reconcile reads and the one managedFields fact; equal specs are one object', () => {
  const managedFields = [
    { manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:annotations': {} }, 'f:spec': { 'f:sink': {}, 'f:source': {} } } },
    { manager: 'keda-operator', operation: 'Update', subresource: 'scale', time: '2026-03-01T12:00:00Z', fieldsV1: { 'f:spec': { 'f:parallelism': {} } } },
  ];
  const raw = sampleJob({ parallelism: 2 }, { managedFields, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(5000) }, labels: { team: 'a' } });
  const specs = new SpecInterner();
  const a = slimIngestJob(raw, specs);
  const b = slimIngestJob(structuredClone({ ...raw, metadata: { ...raw.metadata, name: 'other' } }), specs);
  assert.equal(a.spec, b.spec, 'one decoded spec for equal specs');
  assert.equal(specs.size, 1);
  assert.deepEqual(Object.keys(a.metadata).sort(), ['finalizers', 'generation', 'managedFields', 'name', 'namespace', 'resourceVersion', 'uid']);
  assert.equal(foreignScaler(a.metadata.managedFields as never), 'keda-operator');
  assert.equal((a.metadata.managedFields as unknown[]).length, 1);
  assert.ok(JSON.stringify(a).length < JSON.stringify(raw).length / 4);
});

test('a cached pod keeps what the plan reads, no spec', () => {
  const pod: V1Pod = {
    metadata: {
      name: 'uids-runner-0', namespace: 'team-a', uid: 'p1', resourceVersion: '5',
      labels: { 'sluice.dev/job': 'uids', 'sluice.dev/runner-index': '0', 'app.kubernetes.io/name': 'sluice-runner' },
      annotations: { 'sluice.dev/spec-hash': 'h', 'sluice.dev/restarts': '2', other: 'x' },
      ownerReferences: [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', name: 'uids', uid: 'uid-1', controller: true }],
      managedFields: [{ manager: 'kubelet' }],
    },
    spec: { containers: [{ name: 'runner', image: 'i', args: ['runner'], env: [{ name: 'A', value: 'b' }] }] },
    status: {
      phase: 'Failed',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date(1000), message: 'long' }],
      containerStatuses: [{ name: 'runner', image: 'i', imageID: 'sha', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error', startedAt: new Date(0), finishedAt: new Date(5000), message: 'm' } } }],
    },
  };
  const slim = slimPod(pod);
  assert.equal(slim.spec, undefined);
  assert.equal(slim.metadata!.managedFields, undefined);
  assert.deepEqual(slim.metadata!.annotations, { 'sluice.dev/spec-hash': 'h', 'sluice.dev/restarts': '2' });
  assert.deepEqual([podState(slim), runnerIndex(slim), podRestarts(slim), podSpecHash(slim)], ['Failed', 0, 2, 'h']);
  assert.equal(slim.status!.containerStatuses![0]!.state!.terminated!.exitCode, 2);
  assert.equal(slim.metadata!.ownerReferences![0]!.uid, 'uid-1');
});

test('slimPod keeps why a pod cannot start: a waiting container\'s reason and message, a False condition\'s', () => {
  const slim = slimPod({
    metadata: { name: 'p', namespace: 'n' },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }],
      containerStatuses: [{ name: 'runner', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "absent" not found' } } }],
    },
  });
  assert.equal(waitingCause(slim)?.reason, 'CreateContainerConfigError');
  assert.equal(waitingCause(slim)?.message, 'secret "absent" not found');
  const unscheduled = slimPod({ metadata: { name: 'q' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' }] } });
  assert.deepEqual(waitingCause(unscheduled), { reason: 'Unschedulable', message: '0/3 nodes' });
});
