/**
 * A rate-limited work queue with client-go's guarantees (workqueue.RateLimitingInterface):
 *   - a key is queued at most once however many events name it (dedup);
 *   - a key is handed to at most one worker at a time: re-added while processing, it is queued
 *     again only when that worker calls `done(key)`;
 *   - `addAfter` delays a key (the earliest pending time wins), `addRateLimited` delays it by the
 *     rate limiter (per-key backoff, global bucket), `forget` resets its backoff;
 *   - `shutdown` wakes every waiting worker with `undefined`.
 * Keys are `namespace/name` strings: the request carries the object's identity, never the event.
 */
import type { Clock, TimerHandle } from './clock.ts';
import { realClock } from './clock.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';

export interface WorkQueueMetrics {
  /** A key entered the queue (not counted when deduplicated). */
  added(): void;
  /** Current number of keys waiting for a worker. */
  depth(n: number): void;
}

export interface WorkQueueOptions {
  /** @default realClock */
  clock?: Clock;
  /** @default client-go's DefaultControllerRateLimiter (5 ms..1000 s per key, 10 qps burst 100) */
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics | undefined;
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter(this.clock);
    this.metrics = opts.metrics;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics?.added();
    if (this.processing.has(key)) return; // requeued by done()
    this.push(key);
  }

  /** Adds `key` once `ms` have passed. A sooner pending time for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const w = this.waiting.get(key);
    if (w && w.at <= at) return;
    w?.timer.cancel();
    const timer = this.clock.schedule(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Adds `key` after the rate limiter's delay (one more failure for its backoff). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** Waits for the next key; `undefined` once the queue is shut down. Call `done(key)` after. */
  get(): Promise<string | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /** Keys waiting for a worker (not counting delayed or in-process ones). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter) {
      // Hand over directly: the key goes from dirty to processing without sitting in the queue.
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
      return;
    }
    this.queue.push(key);
    this.metrics?.depth(this.queue.length);
  }

  private take(): string {
    const key = this.queue.shift()!;
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics?.depth(this.queue.length);
    return key;
  }
}
