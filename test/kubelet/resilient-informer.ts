/**
 * Keeps a client-node informer alive. In @kubernetes/client-node 2.0.1 the informer re-lists on
 * 410 Gone and re-watches after its 30 s idle TimeoutError, but on any other error (apiserver
 * restarting, connection refused, 5xx, a failed list) it emits `error` and stops for good. This
 * restarts it with exponential back-off, reset by the next event that arrives.
 */
import type { Informer, KubernetesObject } from '@kubernetes/client-node';

export interface RestartOptions {
  /** @default 500 */
  initialDelayMs?: number;
  /** @default 10000 */
  maxDelayMs?: number;
  log?: (line: string) => void;
}

export interface InformerHandle {
  stop(): Promise<void>;
}

export function keepInformerRunning<T extends KubernetesObject>(informer: Informer<T>, what: string, opts: RestartOptions = {}): InformerHandle {
  const initial = opts.initialDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 10_000;
  let delay = initial;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const reset = (): void => { delay = initial; };
  informer.on('add', reset);
  informer.on('update', reset);
  informer.on('delete', reset);
  informer.on('error', (err: unknown) => {
    // Stopping aborts the watch, which also lands here: that one is ours, not a failure.
    if (stopped) return;
    opts.log?.(`${what} informer: ${err instanceof Error ? err.message : String(err)}; restarting in ${delay} ms`);
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) informer.start().catch((e: unknown) => opts.log?.(`${what} informer restart failed: ${String(e)}`));
    }, delay);
    delay = Math.min(max, delay * 2);
  });
  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}
