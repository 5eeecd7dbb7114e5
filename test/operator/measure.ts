/**
 * `node test/operator/measure.ts [--jobs 200] [--minutes 2]` — what the operator costs, measured
 * on the real control plane with the real `sluice operator` process (its own /metrics):
 *   1. API requests per job per minute at steady state with N suspended IngestJobs (after the
 *      initial reconcile has settled), split by verb and resource;
 *   2. time from creating a (running) IngestJob to its runner pod created, and to Running;
 *   3. the operator process's RSS.
 * Prints a JSON report. Not a test (it takes minutes); the numbers go into the report/docs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Watch } from '@kubernetes/client-node';
import { createJob, getJob, jobPods, poll, repoRoot, startHarness, testJob } from './harness.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '200' }, minutes: { type: 'string', default: '2' } } });
const jobs = Number(values.jobs);
const minutes = Number(values.minutes);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Scrape { requests: Map<string, number>; rss: number; reconciles: number }

async function scrape(port: number): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const requests = new Map<string, number>();
  for (const m of text.matchAll(/^sluice_operator_api_requests_total\{verb="([^"]+)",resource="([^"]*)"\} (\d+)/gm)) requests.set(`${m[1]} ${m[2]}`, Number(m[3]));
  const rss = Number(/^sluice_operator_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0);
  const reconciles = [...text.matchAll(/^sluice_operator_reconcile_total\{result="[^"]+"\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { requests, rss, reconciles };
}

const h = await startHarness('sluice-measure');
const port = await freePort();
const op = spawn(process.execPath, [
  join(repoRoot, 'src', 'cli', 'operator.ts'), '--namespace', h.namespace, '--kubeconfig', h.kubeconfigPath,
  '--leader-election-namespace', h.namespace, '--metrics-port', String(port),
], { env: { ...process.env, POD_NAME: 'measure' }, stdio: 'ignore' });
try {
  await poll('operator ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 30_000);
  const idleRss = (await scrape(port)).rss;
  const t0 = Date.now();
  for (let i = 0; i < jobs; i++) await createJob(h, testJob(h, `idle-${i}`, { suspend: true }));
  await poll(`${jobs} jobs Suspended`, async () => {
    const list = await h.custom.listNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs' }) as { items: Array<{ status?: { phase?: string } }> };
    return list.items.filter((j) => j.status?.phase === 'Suspended').length === jobs ? true : undefined;
  }, 10 * 60_000);
  const settleMs = Date.now() - t0;
  const before = await scrape(port);
  const start = Date.now();
  await poll(`${minutes} min of steady state`, async () => (Date.now() - start >= minutes * 60_000 ? true : undefined), minutes * 60_000 + 10_000);
  const afterIdle = await scrape(port);
  const elapsedMin = (Date.now() - start) / 60_000;
  const delta: Record<string, number> = {};
  let total = 0;
  let lease = 0;
  for (const [k, v] of afterIdle.requests) {
    const d = v - (before.requests.get(k) ?? 0);
    if (d > 0) delta[k] = d;
    total += d;
    if (k.endsWith(' leases')) lease += d;
  }

  // Latency from create to pod, with runners that really start (fake runner on the harness node).
  // Pod creation is timed by a watch (creationTimestamp has only second resolution).
  const podSeen = new Map<string, number>();
  const podWatch = await new Watch(h.kc).watch(`/api/v1/namespaces/${h.namespace}/pods`, {}, (phase, obj: { metadata?: { name?: string } }) => {
    if (phase === 'ADDED' && obj.metadata?.name && !podSeen.has(obj.metadata.name)) podSeen.set(obj.metadata.name, Date.now());
  }, () => {});
  const latencies: Array<{ podCreatedMs: number; runningMs: number }> = [];
  for (let i = 0; i < 5; i++) {
    const name = `latency-${i}`;
    const t = Date.now();
    await createJob(h, testJob(h, name));
    const seenAt = await poll(`${name} pod`, async () => podSeen.get(`${name}-runner-0`), 30_000);
    await poll(`${name} Running`, async () => ((await getJob(h, name))?.status?.phase === 'Running' ? true : undefined), 30_000);
    latencies.push({ podCreatedMs: seenAt - t, runningMs: Date.now() - t });
  }
  podWatch.abort();
  assert.equal((await jobPods(h, 'latency-0')).length, 1);
  const final = await scrape(port);
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({
    suspendedJobs: jobs,
    initialReconcileOfAllJobsMs: settleMs,
    steadyState: {
      minutes: Number(elapsedMin.toFixed(2)),
      requestsTotal: total,
      requestsPerMinute: Number((total / elapsedMin).toFixed(1)),
      requestsPerJobPerMinute: Number((total / elapsedMin / jobs).toFixed(4)),
      leaseRequestsPerMinute: Number((lease / elapsedMin).toFixed(1)),
      nonLeaseRequestsPerJobPerMinute: Number(((total - lease) / elapsedMin / jobs).toFixed(4)),
      byRequest: delta,
      reconciles: afterIdle.reconciles - before.reconciles,
    },
    createToPodMs: { samples: latencies.map((l) => l.podCreatedMs), median: sorted(latencies.map((l) => l.podCreatedMs))[2] },
    createToRunningMs: { samples: latencies.map((l) => l.runningMs), median: sorted(latencies.map((l) => l.runningMs))[2] },
    operatorRssMiB: { noJobs: Number((idleRss / 2 ** 20).toFixed(1)), withSuspendedJobs: Number((afterIdle.rss / 2 ** 20).toFixed(1)), atEnd: Number((final.rss / 2 ** 20).toFixed(1)) },
  }, null, 2) + '\n');
} finally {
  op.kill('SIGTERM');
  await poll('operator exit', async () => (op.exitCode !== null || op.signalCode !== null ? true : undefined), 20_000).catch(() => op.kill('SIGKILL'));
  await h.close();
}
