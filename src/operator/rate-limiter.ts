/**
 * How long a key waits before its next reconcile, the way client-go's
 * `DefaultControllerRateLimiter` decides it: the larger of
 *   - a per-key exponential backoff (5 ms doubling per consecutive failure, capped at 1000 s),
 *     reset by `forget(key)` after a success, and
 *   - a global token bucket (10 qps, burst 100) that keeps a storm of failures from hammering
 *     the apiserver.
 */
import type { Clock } from './clock.ts';

export interface RateLimiter {
  /** Delay in ms before `key` may be processed again; counts one more failure for it. */
  when(key: string): number;
  /** The key succeeded: reset its backoff. */
  forget(key: string): void;
  /** Consecutive failures recorded for `key`. */
  numRequeues(key: string): number;
}

export interface ExponentialBackoffOptions {
  /** @default 5 */
  baseDelayMs?: number;
  /** @default 1_000_000 (1000 s) */
  maxDelayMs?: number;
}

export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly base: number;
  private readonly max: number;

  constructor(opts: ExponentialBackoffOptions = {}) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 1_000_000;
  }

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after the cap is reached; min() keeps it finite.
    return Math.min(this.max, this.base * 2 ** n);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Tokens added per second. @default 10 */
  qps?: number;
  /** Bucket size: how many can go at once after a quiet spell. @default 100 */
  burst?: number;
}

/** golang.org/x/time/rate's `Reserve().Delay()`: a token is always taken, possibly from the future. */
export class BucketRateLimiter implements RateLimiter {
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly clock: Clock;

  constructor(clock: Clock, opts: TokenBucketOptions = {}) {
    this.clock = clock;
    this.qps = opts.qps ?? 10;
    this.burst = opts.burst ?? 100;
    this.tokens = this.burst;
    this.last = clock.now();
  }

  when(_key: string): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The slowest of several limiters wins. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    // Every limiter must see the request (the bucket spends a token), so no short-circuit.
    return this.limiters.map((l) => l.when(key)).reduce((a, b) => Math.max(a, b), 0);
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiters.map((l) => l.numRequeues(key)).reduce((a, b) => Math.max(a, b), 0);
  }
}

/** client-go's DefaultControllerRateLimiter. */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(), new BucketRateLimiter(clock));
}
