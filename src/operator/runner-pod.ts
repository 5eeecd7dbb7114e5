/**
 * The runner Pod for parallel index i of N: the contract with src/runner/ (`sluice runner
 * --namespace NS --job NAME --index i --parallelism N`). One pod per index, named
 * `<job>-runner-<i>`, owned by the IngestJob, restartPolicy Never (the operator restarts failed
 * runners itself so it can count restarts and back off), locked down: non-root, read-only root
 * filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, a writable /tmp
 * (an emptyDir: the only place the runner itself writes; sinks and checkpoints go to spec paths).
 * It fits the cluster's tooling: a container port named `metrics` (the chart's PodMonitor scrapes
 * it), readiness on /readyz (restored from the checkpoint and running), liveness on /healthz, and
 * default requests and limits (DEFAULT_RUNNER_RESOURCES) unless the job sets its own.
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
/** `sluice runner --metrics-port`: /metrics, /healthz, /readyz (src/runner/metrics-server.ts). */
export const RUNNER_METRICS_PORT = 9090;
export const RUNNER_METRICS_PORT_NAME = 'metrics';

/**
 * Used when neither spec.runner.resources nor the template's runner container sets any. Sized
 * from measured peak RSS: 131–141 MB for the Kafka pipeline (docs/decisions/0005), 131 MB for the
 * files pipeline from the built image (154 MB from TypeScript sources; `BENCH_ONLY=local
 * BENCH_RECORDS=3000000 npm run bench`); the goal is < 200 MB. The request covers the peak with headroom;
 * the limit leaves room for a burst (a large file's rows, an HDFS/OSS upload part) before the OOM
 * killer, whose SIGKILL costs a replay from the last checkpoint. No CPU limit beyond 2 cores: the
 * pipeline is one JavaScript thread plus GC and I/O threads.
 */
export const DEFAULT_RUNNER_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '500m', memory: '256Mi' },
  limits: { cpu: '2', memory: '512Mi' },
};

export interface RunnerPodInput {
  job: IngestJob;
  index: number;
  parallelism: number;
  specHash: string;
  /** Restarts already made for this index (kept in an annotation, see names.ts). */
  restarts: number;
  /** Used when spec.runner.image is not set. @default DEFAULT_RUNNER_IMAGE ('ghcr.io/sluice-dev/sluice:0.1.0') */
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
    args: [
      'runner', '--namespace', namespace, '--job', name, '--index', String(index), '--parallelism', String(parallelism),
      '--metrics-port', String(RUNNER_METRICS_PORT),
    ],
    ports: [{ name: RUNNER_METRICS_PORT_NAME, containerPort: RUNNER_METRICS_PORT, protocol: 'TCP' }],
    // Ready once restored from the checkpoint (503 while restoring and after a stop).
    readinessProbe: {
      httpGet: { path: '/readyz', port: RUNNER_METRICS_PORT_NAME }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
    },
    // /healthz answers as long as the event loop turns; a minute of silence means it is wedged.
    // Generous on purpose: a kill costs a replay from the last checkpoint.
    livenessProbe: {
      httpGet: { path: '/healthz', port: RUNNER_METRICS_PORT_NAME }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6,
    },
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
  }, DEFAULT_RUNNER_RESOURCES);
}
