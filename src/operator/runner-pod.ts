/**
 * The runner Pod for parallel index i of N: the contract with src/runner/ (`sluice runner
 * --namespace NS --job NAME --index i --parallelism N`). One pod per index, named
 * `<job>-runner-<i>`, owned by the IngestJob, restartPolicy Never (the operator restarts failed
 * runners itself so it can count restarts and back off), locked down: non-root, read-only root
 * filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, a writable /tmp.
 */
import type { V1Container, V1OwnerReference, V1Pod, V1PodSpec, V1ResourceRequirements } from '@kubernetes/client-node';
import type { IngestJob } from '../api/types.ts';
import { API_GROUP_VERSION } from './ingest-job-ref.ts';
import {
  ANNOTATION_RESTARTS, ANNOTATION_SPEC_HASH, DEFAULT_RUNNER_IMAGE, LABEL_JOB, LABEL_RUNNER_INDEX, RUNNER_CONTAINER,
  runnerPodName, runnerServiceAccountName,
} from './names.ts';
import { asPodTemplate, mergePod } from './pod-template.ts';
import { secretEnv } from './secret-env.ts';

export const RUNNER_UID = 65532;
/** Long enough for a final checkpoint on SIGTERM (close files, write the record, commit). */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 60;

export interface RunnerPodInput {
  job: IngestJob;
  index: number;
  parallelism: number;
  specHash: string;
  /** Restarts already made for this index (kept in an annotation, see names.ts). */
  restarts: number;
  /** Used when spec.runner.image is not set. @default 'sluice/runner:0.1.0' */
  defaultImage?: string;
}

export function ownerReference(job: IngestJob): V1OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'IngestJob',
    name: job.metadata.name,
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function buildRunnerPod(input: RunnerPodInput): V1Pod {
  const { job, index, parallelism } = input;
  const name = job.metadata.name;
  const namespace = job.metadata.namespace ?? 'default';
  const runner: V1Container = {
    name: RUNNER_CONTAINER,
    image: job.spec.runner?.image ?? input.defaultImage ?? DEFAULT_RUNNER_IMAGE,
    command: ['sluice'],
    args: ['runner', '--namespace', namespace, '--job', name, '--index', String(index), '--parallelism', String(parallelism)],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ...secretEnv(job.spec),
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUNNER_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    resources: job.spec.runner?.resources as V1ResourceRequirements | undefined,
  };
  const spec: V1PodSpec = {
    containers: [runner],
    restartPolicy: 'Never',
    serviceAccountName: runnerServiceAccountName(name),
    securityContext: { runAsNonRoot: true, runAsUser: RUNNER_UID, seccompProfile: { type: 'RuntimeDefault' } },
    volumes: [{ name: 'tmp', emptyDir: {} }],
    terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_SECONDS,
  };
  return mergePod(asPodTemplate(job.spec.runner?.podTemplate), {
    metadata: {
      name: runnerPodName(name, index),
      namespace,
      labels: {
        [LABEL_JOB]: name,
        [LABEL_RUNNER_INDEX]: String(index),
        'app.kubernetes.io/name': 'sluice-runner',
        'app.kubernetes.io/managed-by': 'sluice-operator',
      },
      annotations: { [ANNOTATION_SPEC_HASH]: input.specHash, [ANNOTATION_RESTARTS]: String(input.restarts) },
      ownerReferences: [ownerReference(job)],
    },
    spec,
  });
}
