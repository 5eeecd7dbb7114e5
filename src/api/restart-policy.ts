/**
 * When a failed runner may be started again: `spec.restartPolicy` (Flink's exponential-delay
 * restart strategy). The n-th restart waits initial * 2^n, capped at max. The operator applies it
 * to runner pods; `sluice run` applies it in its own process.
 */
import { parseDuration } from './duration.ts';
import type { RestartPolicy } from './types.ts';

export interface ResolvedRestartPolicy {
  maxRestarts: number;
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_MAX_RESTARTS = 10;
export const DEFAULT_BACKOFF_INITIAL = '5s';
export const DEFAULT_BACKOFF_MAX = '5m';

/** @throws InvalidFieldError naming spec.restartPolicy.backoff.* when a duration is bad */
export function resolveRestartPolicy(p: RestartPolicy | undefined): ResolvedRestartPolicy {
  const initialMs = parseDuration(p?.backoff?.initial ?? DEFAULT_BACKOFF_INITIAL, 'spec.restartPolicy.backoff.initial');
  const maxMs = parseDuration(p?.backoff?.max ?? DEFAULT_BACKOFF_MAX, 'spec.restartPolicy.backoff.max');
  return { maxRestarts: p?.maxRestarts ?? DEFAULT_MAX_RESTARTS, initialMs, maxMs: Math.max(initialMs, maxMs) };
}

/** Delay before restart number `restartsSoFar + 1`. */
export function restartDelayMs(p: ResolvedRestartPolicy, restartsSoFar: number): number {
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.min(restartsSoFar, 52));
}
