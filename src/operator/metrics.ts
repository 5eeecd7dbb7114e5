/**
 * The operator's Prometheus metrics (names follow controller-runtime's, under `sluice_operator_`)
 * and its HTTP endpoint: /metrics, /healthz (liveness: the process answers), /readyz (readiness:
 * every informer has synced its first list).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JobMetrics } from './job-metrics.ts';
import type { WorkQueueMetrics } from './work-queue.ts';

export type ReconcileResultLabel = 'success' | 'error' | 'requeue_after' | 'terminal';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<'result'>;
  readonly reconcileErrors: Counter;
  readonly reconcileDuration: Histogram;
  readonly queueDepth: Gauge;
  readonly queueAdds: Counter;
  readonly leader: Gauge;
  readonly apiRequests: Counter<'verb' | 'resource'>;
  /** Per-job figures from the cache (job-metrics.ts). */
  readonly jobs: JobMetrics;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({ name: 'sluice_operator_reconcile_total', help: 'Reconciles by result.', labelNames: ['result'], registers });
    this.reconcileErrors = new Counter({ name: 'sluice_operator_reconcile_errors_total', help: 'Reconciles that returned an error.', registers });
    this.reconcileDuration = new Histogram({
      name: 'sluice_operator_reconcile_duration_seconds', help: 'Time per reconcile.', registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.queueDepth = new Gauge({ name: 'sluice_operator_workqueue_depth', help: 'Keys waiting for a worker.', registers });
    this.queueAdds = new Counter({ name: 'sluice_operator_workqueue_adds_total', help: 'Keys added to the work queue.', registers });
    this.leader = new Gauge({ name: 'sluice_operator_leader', help: '1 while this instance holds the leader lease.', registers });
    this.apiRequests = new Counter({ name: 'sluice_operator_api_requests_total', help: 'Requests made to the Kubernetes API.', labelNames: ['verb', 'resource'], registers });
    this.jobs = new JobMetrics(this.registry);
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_operator_' });
  }

  queueMetrics(): WorkQueueMetrics {
    return { added: () => this.queueAdds.inc(), depth: (n) => this.queueDepth.set(n) };
  }

  observeReconcile(result: ReconcileResultLabel, seconds: number): void {
    this.reconcileTotal.inc({ result });
    if (result === 'error' || result === 'terminal') this.reconcileErrors.inc();
    this.reconcileDuration.observe(seconds);
  }
}

export interface HealthServerOptions {
  metrics: OperatorMetrics;
  /** Readiness: true once the informers synced. */
  ready: () => boolean;
  /** 0 picks a free port. */
  port: number;
  /** @default '0.0.0.0' (a pod's probes come from the kubelet) */
  host?: string;
}

export async function startHealthServer(opts: HealthServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = opts.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'informers not synced\n');
    } else if (path === '/metrics') {
      opts.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
