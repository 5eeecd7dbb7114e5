/**
 * When a failed runner may be started again: `spec.restartPolicy` (Flink's exponential-delay
 * restart strategy). The n-th restart waits initial * 2^n, capped at max; a run of resetThreshold
 * without failing starts the count again. The operator applies it to runner pods; `sluice run`
 * applies it in its own process.
 */
import { parseDuration } from './duration.ts';
import { FLINK_DEFAULTS as D } from './flink-defaults.ts';
import type { RestartPolicy } from './types.ts';

export interface ResolvedRestartPolicy {
  maxRestarts: number;
  initialMs: number;
  maxMs: number;
  /** A run this long without failing counts restarts (and the backoff) from zero again. */
  resetAfterMs: number;
}

/** @throws InvalidFieldError naming spec.restartPolicy.backoff.* when a duration is bad */
export function resolveRestartPolicy(p: RestartPolicy | undefined): ResolvedRestartPolicy {
  const initialMs = parseDuration(p?.backoff?.initial ?? D.backoffInitial, 'spec.restartPolicy.backoff.initial');
  const maxMs = parseDuration(p?.backoff?.max ?? D.backoffMax, 'spec.restartPolicy.backoff.max');
  const resetAfterMs = parseDuration(p?.backoff?.resetThreshold ?? D.backoffResetThreshold, 'spec.restartPolicy.backoff.resetThreshold');
  return { maxRestarts: p?.maxRestarts ?? D.maxRestarts, initialMs, maxMs: Math.max(initialMs, maxMs), resetAfterMs };
}

/** Delay before restart number `restartsSoFar + 1`. */
export function restartDelayMs(p: ResolvedRestartPolicy, restartsSoFar: number): number {
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.min(restartsSoFar, 52));
}

/**
 * Restarts that count against `maxRestarts` when a run that lasted `ranMs` fails: the ones before
 * it, unless it ran at least `resetAfterMs` (Flink resets the exponential-delay backoff and its
 * attempts after `reset-backoff-threshold`). An unknown run time resets nothing.
 */
export function restartsBefore(p: ResolvedRestartPolicy, restartsSoFar: number, ranMs: number | undefined): number {
  return ranMs !== undefined && ranMs >= p.resetAfterMs ? 0 : restartsSoFar;
}
