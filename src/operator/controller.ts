/**
 * The worker loop (controller-runtime's Controller): N workers take keys from the queue and call
 * the Reconciler. The result decides what happens to the key:
 *   - success → forget its backoff;
 *   - `requeueAfterMs` → forget its backoff and look again after that long;
 *   - TerminalError → forget; no retry until an event names the key again;
 *   - any other error → retry with the rate limiter's backoff (5 ms doubling to 1000 s).
 * The queue guarantees one reconcile per key at a time, so workers never race on one job.
 */
import { TerminalError, apiMessage } from './errors.ts';
import type { OperatorMetrics, ReconcileResultLabel } from './metrics.ts';
import type { Reconciler } from './reconciler.ts';
import type { WorkQueue } from './work-queue.ts';

export interface ControllerOptions {
  queue: WorkQueue;
  reconciler: Reconciler;
  /** MaxConcurrentReconciles: different keys reconciled at once. @default 8 */
  workers?: number;
  metrics?: OperatorMetrics;
  log?: (line: string) => void;
}

export class Controller {
  private readonly opts: ControllerOptions;
  private running: Promise<void>[] = [];

  constructor(opts: ControllerOptions) {
    this.opts = opts;
  }

  start(): void {
    if (this.running.length > 0) return;
    const n = Math.max(1, this.opts.workers ?? 8);
    for (let i = 0; i < n; i++) this.running.push(this.worker());
  }

  /** Shuts the queue down and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.opts.queue.shutdown();
    await Promise.all(this.running);
    this.running = [];
  }

  private async worker(): Promise<void> {
    const { queue, reconciler, metrics, log } = this.opts;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let result: ReconcileResultLabel = 'success';
      try {
        const r = await reconciler.reconcile(key);
        queue.forget(key);
        if (r.requeueAfterMs !== undefined) {
          result = 'requeue_after';
          queue.addAfter(key, r.requeueAfterMs);
        }
      } catch (err) {
        if (err instanceof TerminalError) {
          result = 'terminal';
          queue.forget(key);
          log?.(`reconcile ${key}: ${err.reason}: ${err.message} (not retried until the job changes)`);
        } else {
          result = 'error';
          queue.addRateLimited(key);
          log?.(`reconcile ${key}: ${apiMessage(err)} (retry ${queue.numRequeues(key)})`);
        }
      } finally {
        queue.done(key);
        metrics?.observeReconcile(result, (performance.now() - started) / 1000);
      }
    }
  }
}
