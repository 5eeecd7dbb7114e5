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

/** Reads one duration field (the value, its default, its path for errors). */
export type DurationReader = (value: string | undefined, fallback: string, path: string) => number;

const parseOrThrow: DurationReader = (value, fallback, path) => parseDuration(value ?? fallback, path);

/**
 * The policy with Flink's defaults. `defaults.ts` passes a reader that collects errors; by default
 * a bad duration throws an InvalidFieldError naming spec.restartPolicy.backoff.*.
 */
export function resolveRestartPolicy(p: RestartPolicy | undefined, duration: DurationReader = parseOrThrow): ResolvedRestartPolicy {
  return {
    maxRestarts: p?.maxRestarts ?? D.maxRestarts,
    initialMs: duration(p?.backoff?.initial, D.backoffInitial, 'spec.restartPolicy.backoff.initial'),
    maxMs: duration(p?.backoff?.max, D.backoffMax, 'spec.restartPolicy.backoff.max'),
    resetAfterMs: duration(p?.backoff?.resetThreshold, D.backoffResetThreshold, 'spec.restartPolicy.backoff.resetThreshold'),
  };
}

/** Delay before restart number `restartsSoFar + 1` (a max below initial, which validation refuses, acts as initial). */
export function restartDelayMs(p: ResolvedRestartPolicy, restartsSoFar: number): number {
  return Math.min(Math.max(p.initialMs, p.maxMs), p.initialMs * 2 ** Math.min(restartsSoFar, 52));
}

/**
 * Restarts that count against `maxRestarts` when a run that lasted `ranMs` fails: the ones before
 * it, unless it ran at least `resetAfterMs` (Flink resets the exponential-delay backoff and its
 * attempts after `reset-backoff-threshold`). An unknown run time resets nothing.
 */
export function restartsBefore(p: ResolvedRestartPolicy, restartsSoFar: number, ranMs: number | undefined): number {
  return ranMs !== undefined && ranMs >= p.resetAfterMs ? 0 : restartsSoFar;
}
