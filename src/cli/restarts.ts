/**
 * `sluice run`'s restart loop: `spec.restartPolicy` applied in one process, as the operator applies
 * it to runner pods (src/operator/runner-plan.ts). Only a failure whose error is `retriable` (a
 * broker or storage away longer than the client's own retries) is restarted; a bad record, a
 * bad query or a fenced runner would fail the same way again, so they end the process at once.
 * Each restart is a new pipeline run that restores from the last checkpoint.
 */
import { restartDelayMs, restartsBefore } from '../api/restart-policy.ts';
import type { ResolvedRestartPolicy } from '../api/restart-policy.ts';

export interface RestartNotice {
  /** 1 for the first restart. */
  restart: number;
  maxRestarts: number;
  inSeconds: number;
  reason: string;
}

/**
 * Run `once` (one pipeline run, from restore to its end) and run it again after the policy's
 * backoff while it fails with a retriable error and restarts are left (a run that lasted
 * `resetThreshold` leaves them all again). A SIGINT/SIGTERM during a backoff ends the wait:
 * exit 1, the next run resumes from the last checkpoint.
 */
export async function runWithRestarts(
  policy: ResolvedRestartPolicy,
  once: (onError: (e: unknown) => void) => Promise<number>,
  hooks: { onRestart?(r: RestartNotice): void; sleep?(ms: number, signal: AbortSignal): Promise<void>; now?(): number } = {},
): Promise<number> {
  const sleep = hooks.sleep ?? backoffSleep;
  const now = hooks.now ?? Date.now;
  for (let restarts = 0; ; restarts++) {
    let failure: unknown;
    const startedAt = now();
    const code = await once((e) => (failure = e));
    const retriable = (failure as { retriable?: unknown } | undefined)?.retriable === true;
    // A run that lasted resetThreshold starts the count (and the backoff) again, as in Flink.
    restarts = restartsBefore(policy, restarts, now() - startedAt);
    if (code !== 1 || !retriable || restarts >= policy.maxRestarts) return code;
    const delay = restartDelayMs(policy, restarts);
    hooks.onRestart?.({ restart: restarts + 1, maxRestarts: policy.maxRestarts, inSeconds: delay / 1000, reason: (failure as Error).message });
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await sleep(delay, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (stop.signal.aborted) {
      process.stderr.write('sluice: stopped while waiting to restart; the next run resumes from the last checkpoint\n');
      return 1;
    }
  }
}

/** The backoff: resolves after `ms`, or at once when `signal` aborts. */
function backoffSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
