/**
 * Exponential backoff with full jitter (the AWS "full jitter" scheme kafkajs also uses): the
 * n-th wait is uniform in [0, min(maxDelayMs, initialDelayMs * factor^n)], so clients that
 * failed together do not come back together. Whether an error may be retried is the
 * caller's decision (`shouldRetry`, usually the error's `retriable` flag); this only decides
 * how long to wait. Every backend (WebHDFS, OSS) retries through this one function.
 */
export interface RetryOptions {
  /** Tries after the first. @default 6 */
  retries?: number;
  /** Upper bound of the first wait. @default 100 ms */
  initialDelayMs?: number;
  /** Upper bound of any wait. @default 5000 ms */
  maxDelayMs?: number;
  /** Growth of the bound per try. @default 2 */
  factor?: number;
  /** For tests. @default Math.random */
  random?: () => number;
  /** For tests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface CompiledRetry {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function compileRetry(o: RetryOptions = {}): CompiledRetry {
  const r: CompiledRetry = {
    retries: o.retries ?? 6,
    initialDelayMs: o.initialDelayMs ?? 100,
    maxDelayMs: o.maxDelayMs ?? 5000,
    factor: o.factor ?? 2,
    random: o.random ?? Math.random,
    sleep: o.sleep ?? defaultSleep,
  };
  if (!Number.isInteger(r.retries) || r.retries < 0) throw new RangeError(`RetryOptions.retries must be a non-negative integer, got ${r.retries}`);
  if (!(r.initialDelayMs >= 0)) throw new RangeError(`RetryOptions.initialDelayMs must be >= 0, got ${r.initialDelayMs}`);
  if (!(r.maxDelayMs >= r.initialDelayMs)) throw new RangeError('RetryOptions.maxDelayMs cannot be less than its initialDelayMs');
  if (!(r.factor >= 1)) throw new RangeError(`RetryOptions.factor must be >= 1, got ${r.factor}`);
  return r;
}

/** The wait before try number `attempt` (1 = first retry). `random` is injectable for tests. */
export function backoffDelay(policy: CompiledRetry, attempt: number, random: () => number = policy.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.floor(random() * bound);
}

/** Run `fn` until it succeeds, `shouldRetry` says no, or the tries run out (then the last error is thrown). */
export async function withRetry<T>(
  policy: CompiledRetry,
  shouldRetry: (e: unknown) => boolean,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= policy.retries || !shouldRetry(e)) throw e;
      await policy.sleep(backoffDelay(policy, attempt + 1));
    }
  }
}
