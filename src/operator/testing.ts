/** Fixtures shared by the operator's unit tests. */
import type { V1Pod } from '@kubernetes/client-node';
import type { IngestJob, IngestJobSpec } from '../api/types.ts';

export function sampleJob(spec: Partial<IngestJobSpec> = {}, meta: Partial<IngestJob['metadata']> = {}): IngestJob {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'IngestJob',
    metadata: { name: 'uids', namespace: 'team-a', uid: 'uid-1', generation: 1, resourceVersion: '10', finalizers: ['sluice.dev/runners'], ...meta },
    spec: {
      source: { files: { path: '/data/in' }, format: { type: 'csv' }, schema: [{ name: 'uid', type: 'INT' }] },
      sink: { path: '/data/out', format: { type: 'csv' } },
      ...spec,
    },
  };
}

/** A pod in the given phase, as the kubelet would report it. */
export function withPhase(pod: V1Pod, phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed', finishedAt?: string, exitCode = 1): V1Pod {
  const terminated = phase === 'Failed' || phase === 'Succeeded'
    ? { state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : exitCode, finishedAt: finishedAt as unknown as Date, reason: phase === 'Failed' ? 'Error' : 'Completed' } } }
    : {};
  return {
    ...pod,
    metadata: { ...pod.metadata, uid: pod.metadata?.uid ?? `pod-${pod.metadata?.name}` },
    status: { phase, containerStatuses: [{ name: 'runner', image: '', imageID: '', ready: phase === 'Running', restartCount: 0, ...terminated }] },
  };
}
