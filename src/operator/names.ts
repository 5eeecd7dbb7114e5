/**
 * Names, labels and annotations shared by the operator and the runner pods it makes. These are a
 * contract with the runner side (src/runner/) and with users' label selectors: change with care.
 */
export const FINALIZER = 'sluice.dev/runners';
export const FIELD_MANAGER = 'sluice-operator';
export const LABEL_JOB = 'sluice.dev/job';
export const LABEL_RUNNER_INDEX = 'sluice.dev/runner-index';
/** Hash of the spec a pod was built from: a pod with another hash runs a stale spec. */
export const ANNOTATION_SPEC_HASH = 'sluice.dev/spec-hash';
/** Restarts before this pod was made; survives pod replacement without trusting status alone. */
export const ANNOTATION_RESTARTS = 'sluice.dev/restarts';
export const RUNNER_CONTAINER = 'runner';
/** The one image name (README, chart, Dockerfile): it holds both `sluice operator` and `sluice runner`. */
export const DEFAULT_RUNNER_IMAGE = 'ghcr.io/sluice-dev/sluice:0.1.0';
export const LEADER_LEASE_NAME = 'sluice-operator';

export function runnerPodName(job: string, index: number): string {
  return `${job}-runner-${index}`;
}

export function runnerServiceAccountName(job: string): string {
  return `sluice-runner-${job}`;
}

export function runnerFieldManager(index: number): string {
  return `sluice-runner-${index}`;
}

/** `namespace/name`, the work queue's key. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
