/**
 * What the operator reads from a runner Pod. Objects come both from watches (raw JSON: times are
 * strings) and from typed list calls (times are Dates), so time fields are read either way.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_RESTARTS, ANNOTATION_SPEC_HASH, LABEL_RUNNER_INDEX } from './names.ts';

/** Pending | Running | Succeeded | Failed | Terminating (deletion requested, process may still run). */
export type RunnerPodState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Terminating';

export function toMillis(t: unknown): number | undefined {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

export function podState(pod: V1Pod): RunnerPodState {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  switch (pod.status?.phase) {
    case 'Running': return 'Running';
    case 'Succeeded': return 'Succeeded';
    case 'Failed': return 'Failed';
    default: return 'Pending';
  }
}

/** The runner index label, or undefined when missing or malformed. */
export function runnerIndex(pod: V1Pod): number | undefined {
  const v = pod.metadata?.labels?.[LABEL_RUNNER_INDEX];
  return v !== undefined && /^(0|[1-9][0-9]{0,5})$/.test(v) ? Number(v) : undefined;
}

export function podRestarts(pod: V1Pod): number {
  const v = Number(pod.metadata?.annotations?.[ANNOTATION_RESTARTS] ?? 0);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function podSpecHash(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.[ANNOTATION_SPEC_HASH];
}

/** When the runner container stopped (for restart backoff); falls back to the pod's last condition change. */
export function finishedAt(pod: V1Pod): number | undefined {
  const cs = pod.status?.containerStatuses ?? [];
  const times = cs.map((c) => toMillis(c.state?.terminated?.finishedAt)).filter((t): t is number => t !== undefined);
  if (times.length > 0) return Math.max(...times);
  const cond = (pod.status?.conditions ?? []).map((c) => toMillis(c.lastTransitionTime)).filter((t): t is number => t !== undefined);
  return cond.length > 0 ? Math.max(...cond) : toMillis(pod.metadata?.creationTimestamp);
}

/** How long the runner container ran before it stopped (undefined while it runs, or when unknown). */
export function ranFor(pod: V1Pod): number | undefined {
  const t = pod.status?.containerStatuses?.[0]?.state?.terminated;
  const started = toMillis(t?.startedAt);
  const finished = toMillis(t?.finishedAt);
  return started !== undefined && finished !== undefined ? Math.max(0, finished - started) : undefined;
}

/** The container's exit code and reason, for events and status messages. */
export function exitSummary(pod: V1Pod): string {
  const t = pod.status?.containerStatuses?.[0]?.state?.terminated;
  if (!t) return pod.status?.reason ?? 'unknown reason';
  return `exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`;
}

/** Waiting reasons that mean "working on it", not a problem a human must fix. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * Why a Pending runner pod cannot start, as the kubelet or scheduler reports it
 * (CreateContainerConfigError for a missing Secret, ErrImagePull / ImagePullBackOff, Unschedulable);
 * undefined while it is simply starting.
 */
export function waitingCause(pod: V1Pod): { reason: string; message: string } | undefined {
  const w = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (w?.reason && !STARTING.has(w.reason)) return { reason: w.reason, message: w.message ?? '' };
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason) return { reason: scheduled.reason, message: scheduled.message ?? '' };
  return undefined;
}
