/**
 * `node test/operator/measure.ts [--jobs 200] [--minutes 2] [--samples 11]` — what the operator
 * costs, measured on the real control plane with the real `sluice operator` process started as the
 * image starts it (bin/sluice.mjs with its shebang's Node flags), through its own /metrics:
 *   1. N suspended IngestJobs created (with 8 concurrent creates), and the time until the operator
 *      has reconciled them all (every one Suspended);
 *   2. API requests per job per minute at steady state, split by verb and resource;
 *   3. a cold start: the operator restarted with the N jobs in place, time to its first reconcile
 *      of all of them (from the process start; no writes are due);
 *   4. time from creating a (running) IngestJob to its runner pod created, and to Running, with the
 *      N jobs in place (`--samples` of them, sequentially);
 *   5. the operator process's RSS: no jobs, after the first reconcile, at steady state, after the
 *      cold start, at the end.
 * Prints a JSON report. Not a test (it takes minutes); the numbers go into docs/kubernetes.md.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Watch } from '@kubernetes/client-node';
import { SLUICE_BIN, shebangNodeFlags } from '../helpers/node-flags.ts';
import { createJob, getJob, jobPods, poll, startHarness, testJob } from './harness.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '200' }, minutes: { type: 'string', default: '2' }, samples: { type: 'string', default: '11' } } });
const jobs = Number(values.jobs);
const minutes = Number(values.minutes);
const samples = Number(values.samples);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Scrape { requests: Map<string, number>; rss: number; heap: number; reconciles: number }

async function scrape(port: number): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const requests = new Map<string, number>();
  for (const m of text.matchAll(/^sluice_operator_api_requests_total\{verb="([^"]+)",resource="([^"]*)"\} (\d+)/gm)) requests.set(`${m[1]} ${m[2]}`, Number(m[3]));
  const rss = Number(/^sluice_operator_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0);
  const heap = Number(/^sluice_operator_nodejs_heap_size_used_bytes (\d+)/m.exec(text)?.[1] ?? 0);
  const reconciles = [...text.matchAll(/^sluice_operator_reconcile_total\{result="[^"]+"\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { requests, rss, heap, reconciles };
}

const h = await startHarness('sluice-measure');
const port = await freePort();
function startOperator(): ChildProcess {
  return spawn(process.execPath, [
    ...shebangNodeFlags(), SLUICE_BIN, 'operator', '--namespace', h.namespace, '--kubeconfig', h.kubeconfigPath,
    '--leader-election-namespace', h.namespace, '--metrics-port', String(port),
  ], { env: { ...process.env, POD_NAME: 'measure' }, stdio: 'ignore' });
}
async function stopOperator(p: ChildProcess): Promise<void> {
  p.kill('SIGTERM');
  await poll('operator exit', async () => (p.exitCode !== null || p.signalCode !== null ? true : undefined), 20_000).catch(() => p.kill('SIGKILL'));
}
async function allSuspended(): Promise<true | undefined> {
  const list = await h.custom.listNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs' }) as { items: Array<{ status?: { phase?: string } }> };
  return list.items.filter((j) => j.status?.phase === 'Suspended').length === jobs ? true : undefined;
}
let op = startOperator();
try {
  await poll('operator ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 30_000);
  const { rss: idleRss, heap: idleHeap } = await scrape(port);
  const t0 = Date.now();
  let next = 0;
  // A busy apiserver may drop a connection (HTTP/2 GOAWAY): retry; 409 means the first try landed.
  const create = async (name: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await createJob(h, testJob(h, name, { suspend: true }));
        return;
      } catch (err) {
        if ((err as { code?: number }).code === 409) return;
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < jobs) await create(`idle-${next++}`);
  }));
  const createMs = Date.now() - t0;
  await poll(`${jobs} jobs Suspended`, allSuspended, 30 * 60_000);
  const settleMs = Date.now() - t0;
  const settledRss = (await scrape(port)).rss;
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

  // Cold start: a new operator process finds the N jobs and reconciles each once (nothing to write).
  await stopOperator(op);
  const coldT0 = Date.now();
  op = startOperator();
  await poll('operator ready again', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined), 120_000);
  await poll(`${jobs} reconciles after the restart`, async () => ((await scrape(port)).reconciles >= jobs ? true : undefined), 30 * 60_000);
  const coldStartMs = Date.now() - coldT0;
  const { rss: coldRss, heap: coldHeap } = await scrape(port);
  const coldRequests = [...(await scrape(port)).requests.entries()].filter(([k]) => !k.endsWith(' leases')).reduce((a, [, v]) => a + v, 0);

  // Latency from create to pod, with runners that really start (fake runner on the harness node).
  // Pod creation is timed by a watch (creationTimestamp has only second resolution).
  const podSeen = new Map<string, number>();
  const podWatch = await new Watch(h.kc).watch(`/api/v1/namespaces/${h.namespace}/pods`, {}, (phase, obj: { metadata?: { name?: string } }) => {
    if (phase === 'ADDED' && obj.metadata?.name && !podSeen.has(obj.metadata.name)) podSeen.set(obj.metadata.name, Date.now());
  }, () => {});
  const latencies: Array<{ podCreatedMs: number; runningMs: number }> = [];
  for (let i = 0; i < samples; i++) {
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
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(JSON.stringify({
    suspendedJobs: jobs,
    createAllJobsMs: createMs,
    initialReconcileOfAllJobsMs: settleMs,
    coldStart: { firstReconcileOfAllJobsMs: coldStartMs, nonLeaseRequests: coldRequests, rssMiB: Number((coldRss / 2 ** 20).toFixed(1)) },
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
    createToPodMs: { samples: latencies.map((l) => l.podCreatedMs), median: median(latencies.map((l) => l.podCreatedMs)) },
    createToRunningMs: { samples: latencies.map((l) => l.runningMs), median: median(latencies.map((l) => l.runningMs)) },
    operatorHeapUsedMiB: { noJobs: Number((idleHeap / 2 ** 20).toFixed(1)), withSuspendedJobs: Number((afterIdle.heap / 2 ** 20).toFixed(1)), afterColdStart: Number((coldHeap / 2 ** 20).toFixed(1)) },
    operatorRssMiB: {
      noJobs: Number((idleRss / 2 ** 20).toFixed(1)),
      afterFirstReconcile: Number((settledRss / 2 ** 20).toFixed(1)),
      withSuspendedJobs: Number((afterIdle.rss / 2 ** 20).toFixed(1)),
      atEnd: Number((final.rss / 2 ** 20).toFixed(1)),
    },
  }, null, 2) + '\n');
} finally {
  await stopOperator(op);
  await h.close();
}
