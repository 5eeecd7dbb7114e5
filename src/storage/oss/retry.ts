/**
 * OSS calls retry through the shared policy (src/retry.ts): ali-oss itself retries nothing
 * that matters here (not streamed bodies, not 5xx), so every OSS call goes through this.
 * Whether to retry is the error's business (`isRetriable`).
 */
import { compileRetry, withRetry as retry } from '../../retry.ts';
import { isRetriable } from './oss-errors.ts';

export interface RetryPolicy {
  /** Attempts in total, first included. @default 6 */
  attempts?: number;
  /** First backoff ceiling. @default 100 */
  initialDelayMs?: number;
  /** Backoff ceiling cap. @default 5000 */
  maxDelayMs?: number;
  /** For tests. @default Math.random */
  random?: () => number;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Run `fn(attempt)` (attempt counts from 1) until it succeeds, the error is not retriable,
 * or attempts run out; then throw the last error.
 */
export function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const compiled = compileRetry({
    retries: (policy.attempts ?? 6) - 1,
    ...(policy.initialDelayMs !== undefined ? { initialDelayMs: policy.initialDelayMs } : {}),
    ...(policy.maxDelayMs !== undefined ? { maxDelayMs: policy.maxDelayMs } : {}),
    ...(policy.random ? { random: policy.random } : {}),
    ...(policy.sleep ? { sleep: policy.sleep } : {}),
  });
  return retry(compiled, isRetriable, (attempt) => fn(attempt + 1));
}
