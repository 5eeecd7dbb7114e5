import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import type { IngestJob } from '../api/types.ts';
import { TerminalError } from './errors.ts';
import type { OperatorApi } from './operator-api.ts';
import { IngestJobReconciler } from './reconciler.ts';
import type { JobEvent, OperatorStatus } from './runner-plan.ts';
import { sampleJob, withPhase } from './testing.ts';

/** An in-memory world: the fake API changes what the fake cache shows, as the apiserver would. */
class FakeWorld implements OperatorApi {
  job: IngestJob;
  pods = new Map<string, V1Pod>();
  calls: string[] = [];
  events: JobEvent[] = [];
  failCreateWith: unknown;

  constructor(job: IngestJob) {
    this.job = job;
  }

  cache = {
    getJob: (_ns: string, name: string) => (name === this.job.metadata.name ? this.job : undefined),
    podsOfJob: () => [...this.pods.values()],
  };

  async addFinalizer(_job: IngestJob, f: string): Promise<void> {
    this.calls.push('addFinalizer');
    this.job = { ...this.job, metadata: { ...this.job.metadata, finalizers: [f] } };
  }
  async removeFinalizer(): Promise<void> {
    this.calls.push('removeFinalizer');
    this.job = { ...this.job, metadata: { ...this.job.metadata, finalizers: [] } };
  }
  async applyStatus(_job: IngestJob, status: OperatorStatus): Promise<void> {
    this.calls.push('applyStatus');
    this.job = { ...this.job, status: { ...this.job.status, ...status } };
  }
  async removeRunnerEntries(): Promise<void> {
    this.calls.push('removeRunnerEntries');
  }
  async createPod(pod: V1Pod): Promise<void> {
    if (this.failCreateWith) throw this.failCreateWith;
    this.calls.push(`create ${pod.metadata!.name}`);
    this.pods.set(pod.metadata!.name!, { ...pod, metadata: { ...pod.metadata, uid: `u-${pod.metadata!.name}` } });
  }
  async deletePod(_ns: string, name: string): Promise<void> {
    this.calls.push(`delete ${name}`);
    this.pods.delete(name);
  }
  async ensureRbac(): Promise<void> {
    this.calls.push('ensureRbac');
  }
  async recordEvent(_job: IngestJob, e: JobEvent): Promise<void> {
    this.events.push(e);
  }
  async scaleJob(_job: IngestJob, from: number, to: number): Promise<void> {
    assert.equal(this.job.spec.parallelism ?? 1, from, 'scaled from the parallelism it read');
    this.calls.push(`scale ${from}→${to}`);
    this.job = { ...this.job, spec: { ...this.job.spec, parallelism: to }, metadata: { ...this.job.metadata, generation: (this.job.metadata.generation ?? 1) + 1 } };
  }
}

test('first reconcile: finalizer, status, RBAC, pods; the second changes nothing', async () => {
  const world = new FakeWorld(sampleJob({ parallelism: 2 }, { finalizers: [] }));
  const r = new IngestJobReconciler({ cache: world.cache, api: world });
  assert.deepEqual(await r.reconcile('team-a/uids'), {});
  assert.deepEqual(world.calls, ['addFinalizer', 'applyStatus', 'ensureRbac', 'create uids-runner-0', 'create uids-runner-1']);
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls, [], 'level-triggered and idempotent: no writes when nothing changed');
  for (const [k, p] of world.pods) world.pods.set(k, withPhase(p, 'Running'));
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls, ['applyStatus']);
  assert.equal(world.job.status?.phase, 'Running');
});

test('a failed runner: status with the counted restart is written before the pod is deleted', async () => {
  let now = Date.parse('2026-03-01T12:00:00Z');
  const world = new FakeWorld(sampleJob());
  const r = new IngestJobReconciler({ cache: world.cache, api: world, now: () => now });
  await r.reconcile('team-a/uids');
  world.pods.set('uids-runner-0', withPhase(world.pods.get('uids-runner-0')!, 'Failed', new Date(now).toISOString()));
  world.calls = [];
  const res = await r.reconcile('team-a/uids');
  assert.equal(res.requeueAfterMs, 5000);
  now += 5000;
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls, ['applyStatus', 'delete uids-runner-0']);
  assert.equal(world.job.status?.runners?.[0]?.restarts, 1);
  // The cache still shows the old status (the status event is late): the count holds anyway.
  world.job = { ...world.job, status: { ...world.job.status, runners: [{ index: 0, state: 'Running', restarts: 0 }] } };
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.equal(world.pods.get('uids-runner-0')?.metadata?.annotations?.['sluice.dev/restarts'], '1');
  assert.deepEqual(world.events.map((e) => e.reason), ['RunnerStarted', 'RunnerFailed', 'RunnerRestarted', 'RunnerStarted']);
});

test('a pod the apiserver rejects is a terminal error, recorded as Stalled/Failed', async () => {
  const world = new FakeWorld(sampleJob());
  world.failCreateWith = Object.assign(new Error('HTTP-Code: 422'), { code: 422, body: JSON.stringify({ message: 'Pod "uids-runner-0" is invalid: spec.nodeSelector: Invalid value' }) });
  const r = new IngestJobReconciler({ cache: world.cache, api: world });
  await assert.rejects(r.reconcile('team-a/uids'), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidRunnerPod' && /spec\.nodeSelector/.test(err.message));
  assert.equal(world.job.status?.phase, 'Failed');
  assert.equal(world.job.status?.conditions?.find((c) => c.type === 'Stalled')?.reason, 'InvalidRunnerPod');
  assert.ok(world.events.some((e) => e.reason === 'ReconcileError'));
  // Not retried for the same spec: the next reconcile creates nothing.
  world.failCreateWith = undefined;
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.ok(!world.calls.some((c) => c.startsWith('create')));
});

test('a deleted job: pods deleted, finalizer removed once they are gone; a missing job is a no-op', async () => {
  const world = new FakeWorld(sampleJob({ parallelism: 2 }));
  const r = new IngestJobReconciler({ cache: world.cache, api: world });
  await r.reconcile('team-a/uids');
  world.job = { ...world.job, metadata: { ...world.job.metadata, deletionTimestamp: new Date().toISOString() } };
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls, ['delete uids-runner-0', 'delete uids-runner-1'], 'the finalizer waits for the pods to be gone');
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls, ['removeFinalizer']);
  assert.deepEqual(await r.reconcile('team-a/other'), {});
});

test('expectations: a reconcile before the cache shows our own writes neither repeats them nor their events', async () => {
  let now = Date.parse('2026-03-01T12:00:00Z');
  const world = new FakeWorld(sampleJob());
  let frozen: V1Pod[] | undefined;
  const cache = { getJob: world.cache.getJob, podsOfJob: () => frozen ?? [...world.pods.values()] };
  const r = new IngestJobReconciler({ cache, api: world, now: () => now });
  frozen = [];
  await r.reconcile('team-a/uids');
  await r.reconcile('team-a/uids'); // the cache still shows no pod
  assert.deepEqual(world.calls.filter((c) => c.startsWith('create')), ['create uids-runner-0']);
  assert.equal(world.events.filter((e) => e.reason === 'RunnerStarted').length, 1);

  const failed = withPhase(world.pods.get('uids-runner-0')!, 'Failed', new Date(now).toISOString());
  world.pods.set('uids-runner-0', failed);
  frozen = [failed];
  now += 5000;
  await r.reconcile('team-a/uids');
  await r.reconcile('team-a/uids'); // the cache still shows the failed pod, not its deletion
  assert.deepEqual(world.calls.filter((c) => c.startsWith('delete')), ['delete uids-runner-0']);
  assert.equal(world.events.filter((e) => e.reason === 'RunnerRestarted').length, 1);
  assert.equal(world.job.status?.runners?.[0]?.restarts, 1);
});

test('a job admitted while the webhook was down is marked InvalidSpec without a finalizer or a pod, once', async () => {
  const world = new FakeWorld(sampleJob({
    sink: { path: '../../out', format: { type: 'csv' }, partitionBy: ['pid'] },
    transform: { query: 'SELECT uid FROM source' },
  }, { finalizers: [] }));
  const r = new IngestJobReconciler({ cache: world.cache, api: world });
  await assert.rejects(r.reconcile('team-a/uids'), (e: unknown) => e instanceof TerminalError && e.reason === 'InvalidSpec');
  assert.deepEqual(world.calls, ['applyStatus'], 'no finalizer, no RBAC, no pod');
  const stalled = world.job.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.reason, 'InvalidSpec');
  assert.match(stalled!.message, /spec\.sink\.path: must be an absolute path or a URI on Kubernetes/);
  assert.match(stalled!.message, /spec\.sink\.partitionBy\[0\]: column 'pid' is not in the query's output \(uid\)/);
  assert.deepEqual(world.events.map((e) => e.reason), ['ReconcileError']);
  // Woken by its own status write: nothing is written or announced again.
  world.calls = [];
  assert.deepEqual(await r.reconcile('team-a/uids'), {});
  assert.deepEqual(world.calls, []);
  assert.equal(world.events.length, 1);
  // Fixed spec (new generation): runs.
  world.job = { ...world.job, metadata: { ...world.job.metadata, generation: 2 }, spec: sampleJob().spec };
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls, ['addFinalizer', 'applyStatus', 'ensureRbac', 'create uids-runner-0']);
});

test('autoscaler: a runner behind on its lag scales the job up through the scale subresource, with an Event and a status entry', async () => {
  let now = Date.parse('2026-03-01T12:00:00Z');
  const world = new FakeWorld(sampleJob({ parallelism: 1, autoscaler: { enabled: true, maxParallelism: 4, targetCatchUp: '10s', cooldown: '30s', stabilizationWindow: '1m' } }));
  const scaled: string[] = [];
  const r = new IngestJobReconciler({ cache: world.cache, api: world, now: () => now, onScale: (_j, from, to) => scaled.push(`${from}→${to}`) });
  await r.reconcile('team-a/uids');
  for (const [k, p] of world.pods) world.pods.set(k, withPhase(p, 'Running'));
  await r.reconcile('team-a/uids');
  assert.equal(world.job.status?.phase, 'Running');
  const report = (records: number, lag: number): void => {
    const runner = { index: 0, state: 'Running', restarts: 0, epoch: 1, records, lag, splits: 6, checkpointAt: new Date(now).toISOString() };
    world.job = { ...world.job, status: { ...world.job.status, runners: [runner] } };
  };
  report(0, 30_000);
  await r.reconcile('team-a/uids');
  assert.equal(world.job.status?.autoscaler?.lastEvaluation?.reason, 'MetricsUnavailable', 'one sample is no rate');
  assert.ok(!world.calls.some((c) => c.startsWith('scale')));
  now += 5000;
  report(5000, 30_000); // 1000/s while 1000/s more arrive and 30000 wait: 4000/s needed for a 10 s catch-up
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.calls.filter((c) => c.startsWith('scale')), ['scale 1→4']);
  assert.deepEqual(scaled, ['1→4']);
  assert.ok(!world.calls.some((c) => c.startsWith('create') || c.startsWith('delete')), 'pods follow the new spec in the next reconcile');
  const a = world.job.status!.autoscaler!;
  assert.equal(a.state, 'Active');
  assert.equal(a.lastScaleTime, new Date(now).toISOString());
  assert.deepEqual(a.recent!.map((x) => [x.from, x.to, x.reason]), [[1, 4, 'ScaledUp']]);
  assert.match(a.recent![0]!.message!, /lag 30000/);
  assert.equal(world.events.at(-1)?.reason, 'ScaledUp');
  assert.equal(world.job.status!.selector, 'sluice.dev/job=uids');
  assert.equal(world.job.status!.replicas, 1);
  // the next reconcile moves the pods to the new spec
  world.calls = [];
  await r.reconcile('team-a/uids');
  assert.ok(world.calls.includes('delete uids-runner-0'), world.calls.join(', '));
  // A reconcile from a cache that still holds the status from before that write (the informer
  // lags our own writes) keeps the scaling in status.autoscaler.recent instead of dropping it.
  world.job = { ...world.job, status: { ...world.job.status, autoscaler: { state: 'Active' } } };
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.job.status!.autoscaler!.recent!.map((x) => [x.from, x.to, x.reason]), [[1, 4, 'ScaledUp']]);
  assert.equal(world.job.status!.autoscaler!.lastScaleTime, a.lastScaleTime);
});

test('autoscaler: stands down while another manager scales spec.parallelism through the scale subresource', async () => {
  const managedFields = [{ manager: 'keda-operator', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:parallelism': {} } } }];
  const world = new FakeWorld(sampleJob({ parallelism: 2, autoscaler: { enabled: true } }, { managedFields }));
  const r = new IngestJobReconciler({ cache: world.cache, api: world });
  await r.reconcile('team-a/uids');
  assert.equal(world.job.status?.autoscaler?.state, 'StoodDown');
  assert.match(world.job.status!.autoscaler!.lastEvaluation!.message!, /keda-operator/);
  assert.deepEqual(world.events.filter((e) => e.reason === 'AutoscalerStoodDown').length, 1);
  await r.reconcile('team-a/uids');
  assert.deepEqual(world.events.filter((e) => e.reason === 'AutoscalerStoodDown').length, 1, 'said once');
  assert.ok(!world.calls.some((c) => c.startsWith('scale')));
});
