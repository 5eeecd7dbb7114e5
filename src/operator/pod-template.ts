/**
 * `spec.runner.podTemplate` merged with what the operator requires, like Flink's Kubernetes
 * operator does with its pod templates: the template is the base (labels, annotations,
 * nodeSelector, tolerations, affinity, extra volumes, sidecars, a `runner` container's env or
 * mounts); the operator's own fields win where they matter for correctness or safety (identity
 * labels, restartPolicy, service account, security context, command, image).
 */
import type { V1Container, V1ContainerPort, V1EnvVar, V1Pod, V1PodSpec, V1ResourceRequirements, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { RUNNER_CONTAINER } from './names.ts';

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: V1PodSpec;
}

/** Reads the template loosely: it is user input (x-kubernetes-preserve-unknown-fields). */
export function asPodTemplate(raw: Record<string, unknown> | undefined): PodTemplate {
  if (!raw) return {};
  const metadata = (raw.metadata ?? {}) as PodTemplate['metadata'];
  const spec = raw.spec as V1PodSpec | undefined;
  return { metadata, spec };
}

/** Same-named entries of `ours` replace the template's; the rest of both are kept, template first. */
export function mergeByName<T extends { name: string }>(template: readonly T[] | undefined, ours: readonly T[]): T[] {
  const names = new Set(ours.map((x) => x.name));
  return [...(template ?? []).filter((x) => !names.has(x.name)), ...ours];
}

export function mergeMountsByPath(template: readonly V1VolumeMount[] | undefined, ours: readonly V1VolumeMount[]): V1VolumeMount[] {
  const paths = new Set(ours.map((m) => m.mountPath));
  return [...(template ?? []).filter((m) => !paths.has(m.mountPath)), ...ours];
}

/**
 * The runner container: the template's `runner` container as base, ours on top. Probes and
 * resources are tuning, not correctness: the template's win over the operator's defaults, and
 * spec.runner.resources wins over both (`defaultResources` applies when neither sets any).
 */
export function mergeRunnerContainer(template: V1Container | undefined, ours: V1Container, defaultResources?: V1ResourceRequirements): V1Container {
  return {
    ...template,
    ...ours,
    env: mergeByName<V1EnvVar>(template?.env, ours.env ?? []),
    volumeMounts: mergeMountsByPath(template?.volumeMounts, ours.volumeMounts ?? []),
    ports: mergeByName<V1ContainerPort & { name: string }>(
      template?.ports?.filter((p): p is V1ContainerPort & { name: string } => p.name !== undefined),
      (ours.ports ?? []) as Array<V1ContainerPort & { name: string }>,
    ),
    readinessProbe: template?.readinessProbe ?? ours.readinessProbe,
    livenessProbe: template?.livenessProbe ?? ours.livenessProbe,
    resources: ours.resources ?? template?.resources ?? defaultResources,
  };
}

export function mergePod(template: PodTemplate, ours: V1Pod & { spec: V1PodSpec }, defaultResources?: V1ResourceRequirements): V1Pod {
  const tSpec = template.spec ?? ({ containers: [] } as V1PodSpec);
  const runner = ours.spec.containers[0]!;
  const tRunner = tSpec.containers?.find((c) => c.name === RUNNER_CONTAINER);
  const sidecars = (tSpec.containers ?? []).filter((c) => c.name !== RUNNER_CONTAINER);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...ours.metadata,
      labels: { ...template.metadata?.labels, ...ours.metadata?.labels },
      annotations: { ...template.metadata?.annotations, ...ours.metadata?.annotations },
    },
    spec: {
      ...tSpec,
      ...ours.spec,
      securityContext: { ...tSpec.securityContext, ...ours.spec.securityContext },
      containers: [mergeRunnerContainer(tRunner, runner, defaultResources), ...sidecars],
      volumes: mergeByName<V1Volume>(tSpec.volumes, ours.spec.volumes ?? []),
      terminationGracePeriodSeconds: tSpec.terminationGracePeriodSeconds ?? ours.spec.terminationGracePeriodSeconds,
    },
  };
}
