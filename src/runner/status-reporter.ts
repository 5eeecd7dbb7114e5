/**
 * StatusReporter: sends a runner's status at a bounded rate, never blocking the pipeline.
 *
 * The runner offers a status after restore and after each checkpoint, so there is at most one
 * per checkpoint. On top of that:
 *   1. at most one send every `minIntervalMs`: a status offered sooner is kept as pending, and
 *      a newer offer replaces it (coalescing: only the newest state matters);
 *   2. at most one request in flight; what arrives meanwhile waits for it;
 *   3. a failed send is logged through `onError` and never thrown: status is advisory, the job's
 *      truth is its checkpoints. The failed status is retried (unless a newer one came) after a
 *      backoff that doubles per consecutive failure, up to `maxBackoffMs`;
 *   4. a status that differs from the last one sent only in its checkpoint (id, time, duration:
 *      an idle job still checkpoints every interval) is a heartbeat, sent at most every
 *      `heartbeatMs`; so an idle job's status is not rewritten every few seconds, yet the
 *      CHECKPOINT age column stays within a heartbeat of the truth;
 *   5. `close(final)` cancels the timer, waits for the request in flight, then sends the final
 *      status at once, ignoring the rate limit: the last word before exit is always sent
 *      (`close(null)` sends nothing: a fenced runner must not overwrite its successor's entry).
 */
import type { RunnerStatus } from '../api/types.ts';

/** Where statuses go: on Kubernetes, a server-side apply of the status subresource. */
export interface StatusSink {
  apply(status: RunnerStatus): Promise<void>;
}

/** The clock and timer the reporter uses; tests pass a fake one. */
export interface ReporterTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface StatusReporterOptions {
  /** Least time between the starts of two sends. @default 5000 */
  minIntervalMs?: number;
  /** Least time between two sends that only move the checkpoint forward. @default 30000 */
  heartbeatMs?: number;
  /** Upper bound of the retry backoff after failed sends. @default 60000 */
  maxBackoffMs?: number;
  timers?: ReporterTimers;
  /** Told about every failed send (log it); the reporter goes on. */
  onError?(error: unknown, status: RunnerStatus): void;
}

export const realTimers: ReporterTimers = {
  now: Date.now,
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // a pending status update must not keep a finished process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class StatusReporter {
  private readonly sink: StatusSink;
  private readonly minIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly timers: ReporterTimers;
  private readonly onError: (error: unknown, status: RunnerStatus) => void;
  private pending: RunnerStatus | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: unknown = null;
  private nextAllowedAt = -Infinity;
  private failures = 0;
  private closed = false;
  private readonly heartbeatMs: number;
  private lastSent: RunnerStatus | null = null;
  private lastSentAt = -Infinity;
  /** Sends started (successful or not), for tests and metrics. */
  sends = 0;

  constructor(sink: StatusSink, o: StatusReporterOptions = {}) {
    this.sink = sink;
    this.minIntervalMs = o.minIntervalMs ?? 5000;
    this.maxBackoffMs = o.maxBackoffMs ?? 60_000;
    this.heartbeatMs = o.heartbeatMs ?? 30_000;
    this.timers = o.timers ?? realTimers;
    this.onError = o.onError ?? (() => {});
  }

  /** Offer the newest status: sent now if allowed, else when the interval has passed. */
  update(status: RunnerStatus): void {
    if (this.closed) return;
    if (this.pending === null && this.lastSent !== null && onlyCheckpointMoved(this.lastSent, status)
      && this.timers.now() - this.lastSentAt < this.heartbeatMs) return;
    this.pending = status;
    this.schedule();
  }

  /**
   * Send `final` now, after the request in flight; nothing is sent after. Without `final` the
   * pending status (if any) is sent; with `null` nothing is (a fenced runner must stay silent).
   */
  async close(final?: RunnerStatus | null): Promise<void> {
    this.closed = true;
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight !== null) await this.inFlight;
    const last = final === undefined ? this.pending : final;
    this.pending = null;
    if (last !== null) await this.send(last);
  }

  private schedule(): void {
    if (this.inFlight !== null || this.timer !== null || this.pending === null || this.closed) return;
    const wait = this.nextAllowedAt - this.timers.now();
    if (wait > 0) {
      this.timer = this.timers.setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
      return;
    }
    const s = this.pending;
    this.pending = null;
    this.inFlight = this.send(s).finally(() => {
      this.inFlight = null;
      this.schedule();
    });
  }

  private async send(s: RunnerStatus): Promise<void> {
    this.sends++;
    this.nextAllowedAt = this.timers.now() + this.minIntervalMs;
    try {
      await this.sink.apply(s);
      this.failures = 0;
      this.lastSent = s;
      this.lastSentAt = this.timers.now();
    } catch (e) {
      this.failures++;
      this.nextAllowedAt = this.timers.now() + Math.min(this.maxBackoffMs, this.minIntervalMs * 2 ** (this.failures - 1));
      if (!this.closed && this.pending === null) this.pending = s; // retry it unless something newer came
      this.onError(e, s);
    }
  }
}

const CHECKPOINT_FIELDS = new Set(['checkpointId', 'checkpointAt', 'checkpointDurationMs']);

/** Same status but for the checkpoint fields: nothing a reader needs except the checkpoint's age. */
function onlyCheckpointMoved(a: RunnerStatus, b: RunnerStatus): boolean {
  const strip = (s: RunnerStatus): string => JSON.stringify(Object.entries(s).filter(([k]) => !CHECKPOINT_FIELDS.has(k)).sort(([x], [y]) => x.localeCompare(y)));
  return strip(a) === strip(b);
}
