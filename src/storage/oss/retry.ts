/**
 * Retry with exponential backoff and full jitter. ali-oss itself retries nothing that
 * matters here (not streamed bodies, not 5xx), so every OSS call goes through this. Whether
 * to retry is the error's business (`isRetriable`); how long to wait is this policy's.
 */
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

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run `fn(attempt)` (attempt counts from 1) until it succeeds, the error is not retriable,
 * or attempts run out; then throw the last error.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 6;
  const initial = policy.initialDelayMs ?? 100;
  const max = policy.maxDelayMs ?? 5000;
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !isRetriable(err)) throw err;
      const ceiling = Math.min(max, initial * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * ceiling));
    }
  }
}
