/**
 * Pod status as the kubelet reports it, built from what the pod worker knows about its one
 * container. Pure: the worker sends the result as a merge patch on the `status` subresource.
 * Lifecycle of the container state (one line each, as in the API):
 *   waiting     not started yet (ContainerCreating), backing off (CrashLoopBackOff), or unrunnable (ErrImagePull)
 *   running     the local process is alive
 *   terminated  it exited (exitCode, 128+n for a signal n) and will not be restarted, or is about to be
 */

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: Date }
  | { kind: 'terminated'; exitCode: number; signal?: string; reason: string; startedAt: Date; finishedAt: Date; message?: string };

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ContainerSnapshot {
  name: string;
  image: string;
  state: ContainerState;
  lastTerminated?: Extract<ContainerState, { kind: 'terminated' }>;
  restartCount: number;
}

export interface PodSnapshot {
  phase: PodPhase;
  startTime: Date;
  container: ContainerSnapshot;
  /** Pod-level reason/message, e.g. for a pod that can never run. */
  reason?: string;
  message?: string;
}

/** The exit status a container runtime reports: the exit code, or 128 + signal number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null, signalNumbers: Record<string, number>): number {
  if (code !== null) return code;
  return 128 + (signal ? signalNumbers[signal] ?? 0 : 0);
}

function stateJson(s: ContainerState): Record<string, unknown> {
  switch (s.kind) {
    case 'waiting':
      return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
    case 'running':
      return { running: { startedAt: s.startedAt.toISOString() } };
    case 'terminated':
      return {
        terminated: {
          exitCode: s.exitCode, reason: s.reason, startedAt: s.startedAt.toISOString(), finishedAt: s.finishedAt.toISOString(),
          ...(s.message ? { message: s.message } : {}),
        },
      };
  }
}

function condition(type: string, ok: boolean, now: string, reason?: string): Record<string, unknown> {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now, ...(reason && !ok ? { reason } : {}) };
}

/** The `status` object for a merge patch (lists are replaced whole, which is what we want here). */
export function buildPodStatus(pod: PodSnapshot, now: Date = new Date()): Record<string, unknown> {
  const t = now.toISOString();
  const c = pod.container;
  const running = c.state.kind === 'running';
  const notReady = running ? undefined : pod.phase === 'Succeeded' || pod.phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  return {
    phase: pod.phase,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: '127.0.0.1',
    podIPs: [{ ip: '127.0.0.1' }],
    startTime: pod.startTime.toISOString(),
    reason: pod.reason ?? null,
    message: pod.message ?? null,
    conditions: [
      condition('PodReadyToStartContainers', true, t),
      condition('Initialized', true, t),
      condition('Ready', running, t, notReady),
      condition('ContainersReady', running, t, notReady),
      condition('PodScheduled', true, t),
    ],
    containerStatuses: [{
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: `sluice-test://${c.name}-${c.restartCount}`,
      ready: running,
      started: running,
      restartCount: c.restartCount,
      state: stateJson(c.state),
      lastState: c.lastTerminated ? stateJson(c.lastTerminated) : {},
    }],
  };
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** Container-level restart decision, as the kubelet applies `spec.restartPolicy`. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * Back-off before restart number `restarts` (1-based). The real kubelet starts at 10 s and caps at
 * 5 min; a test cluster wants tests to finish, so we start at `baseMs` and cap at `maxMs`.
 */
export function restartBackoffMs(restarts: number, baseMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, restarts - 1));
}
