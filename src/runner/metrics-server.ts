/**
 * The runner's HTTP endpoint: `/metrics` (Prometheus), `/healthz` (the process is serving: its
 * event loop turns), `/readyz` (restored from the checkpoint and running; 503 before and after).
 * Only GET/HEAD; anything else is 404/405. Binds all interfaces in a pod (Prometheus scrapes the
 * pod IP); tests pass host 127.0.0.1 and port 0.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunnerMetrics } from './runner-metrics.ts';

export interface MetricsServer {
  readonly port: number;
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

export async function startMetricsServer(metrics: RunnerMetrics, o: { port: number; host?: string }): Promise<MetricsServer> {
  let ready = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const text = (code: number, body: string): void => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/metrics':
        metrics.metrics().then(
          (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : body),
          (e: unknown) => text(500, `metrics: ${(e as Error).message}\n`),
        );
        return;
      case '/healthz':
        text(200, 'ok\n');
        return;
      case '/readyz':
        text(ready ? 200 : 503, ready ? 'ok\n' : 'not ready: restoring or stopped\n');
        return;
      default:
        text(404, 'not found\n');
    }
  });
  // Keep-alive scrapes must not hold the process open after the job ends.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    setReady: (r) => {
      ready = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
