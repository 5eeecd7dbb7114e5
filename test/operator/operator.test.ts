/**
 * The operator end to end against a real kube-apiserver (and kube-controller-manager for garbage
 * collection), with runner pods run by a test kubelet as local processes (fake-runner.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventsV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { Operator } from '../../src/operator/operator.ts';
import { CountingKubeConfig } from '../../src/operator/counting-kube-config.ts';
import { createJob, getJob, jobPods, patchSpec, poll, setRunnerMode, startHarness, testJob } from './harness.ts';
import type { Harness } from './harness.ts';
import { kubectlAsync } from '../k8s-e2e/e2e-cluster.ts';

let h: Harness;
let operator: Operator;
const logs: string[] = [];

before(async () => {
  h = await startHarness('sluice-op');
  const kc = new CountingKubeConfig();
  kc.loadFromString(h.kc.exportConfig());
  operator = new Operator({ kubeConfig: kc, namespace: h.namespace, leaderElection: false, metricsPort: 0, log: (l) => logs.push(l) });
  await operator.start();
}, { timeout: 30 * 60_000 });

after(async () => {
  await operator?.stop();
  await h?.close();
});

const running = (p: V1Pod): boolean => p.status?.phase === 'Running';

/** Every runner of `job` has started and reported a checkpoint (its SIGTERM handler is installed). */
async function untilReported(job: string, n = 1): Promise<void> {
  await poll(`${job}: ${n} runner(s) reported`, async () => {
    const j = await getJob(h, job);
    const reported = (j?.status?.runners ?? []).filter((r) => r.checkpointId !== undefined && r.state === 'Running');
    return reported.length === n ? true : undefined;
  }, 60_000);
}

async function eventsOf(job: string): Promise<string[]> {
  const list = await h.core.listNamespacedEvent({ namespace: h.namespace, fieldSelector: `involvedObject.name=${job}` });
  return list.items.map((e) => e.reason ?? '');
}

test('an IngestJob becomes N runner pods with owner references, RBAC and an aggregated status', async () => {
  await createJob(h, testJob(h, 'crud', { parallelism: 2 }));
  const pods = await poll('2 running runner pods', async () => {
    const ps = await jobPods(h, 'crud');
    return ps.length === 2 && ps.every(running) ? ps : undefined;
  }, 60_000);
  assert.deepEqual(pods.map((p) => p.metadata!.name).sort(), ['crud-runner-0', 'crud-runner-1']);
  const job = (await getJob(h, 'crud'))!;
  for (const p of pods) {
    const o = p.metadata!.ownerReferences![0]!;
    assert.deepEqual([o.kind, o.name, o.uid, o.controller, o.blockOwnerDeletion], ['IngestJob', 'crud', job.metadata.uid, true, true]);
    assert.equal(p.spec!.serviceAccountName, 'sluice-runner-crud');
    assert.equal(p.spec!.restartPolicy, 'Never');
  }
  assert.deepEqual(job.metadata.finalizers, ['sluice.dev/runners']);
  const rbac = h.kc.makeApiClient(RbacAuthorizationV1Api);
  const role = await rbac.readNamespacedRole({ name: 'sluice-runner-crud', namespace: h.namespace });
  assert.deepEqual(role.rules?.[1]?.resourceNames, ['crud']);
  // The fake runners applied their own entries with their own service-account tokens; the operator
  // folds them into the job's numbers: records 10 + 20, checkpoint = min(3, 4).
  const done = await poll('status Running with committed records', async () => {
    const j = await getJob(h, 'crud');
    return j?.status?.phase === 'Running' && j.status.committed?.records === 30 ? j : undefined;
  }, 30_000);
  assert.equal(done.status!.checkpoint?.id ?? 3, 3);
  assert.equal(done.status!.source?.lag, 2);
  assert.equal(done.status!.observedGeneration, done.metadata.generation);
  const ready = done.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason], ['True', 'Running']);
  assert.deepEqual(done.status!.runners!.map((r) => [r.index, r.pod, r.state, r.restarts]), [[0, 'crud-runner-0', 'Running', 0], [1, 'crud-runner-1', 'Running', 0]]);
  assert.ok((await eventsOf('crud')).includes('RunnerStarted'));
});

test('a failed runner is replaced with backoff and counted; exhausted restarts → Stalled', async () => {
  setRunnerMode(h, 'flaky', 'fail');
  await createJob(h, testJob(h, 'flaky', { restartPolicy: { maxRestarts: 2, backoff: { initial: '500ms', max: '1s' } } }));
  const stalled = await poll('job Stalled', async () => {
    const j = await getJob(h, 'flaky');
    return j?.status?.phase === 'Stalled' ? j : undefined;
  }, 60_000);
  const c = stalled.status!.conditions!.find((x) => x.type === 'Stalled')!;
  assert.deepEqual([c.status, c.reason], ['True', 'RestartsExhausted']);
  assert.match(c.message, /runner 0 \(pod flaky-runner-0\) failed 3 times: exit code 3/);
  assert.equal(stalled.status!.runners![0]!.restarts, 2);
  const pods = await jobPods(h, 'flaky');
  assert.equal(pods.length, 1, 'the last failed pod is kept for its logs, no new one is made');
  assert.equal(pods[0]!.status?.phase, 'Failed');
  assert.equal(pods[0]!.metadata?.annotations?.['sluice.dev/restarts'], '2');
  const reasons = await poll('events', async () => {
    const r = await eventsOf('flaky');
    return r.includes('Stalled') ? r : undefined;
  });
  assert.equal(reasons.filter((r) => r === 'RunnerRestarted').length, 2);
  assert.ok(reasons.includes('RunnerFailed'));

  // A human fixes the cause and suspends/resumes: restarts start again from 0.
  setRunnerMode(h, 'flaky', 'run');
  await patchSpec(h, 'flaky', { suspend: true });
  await poll('flaky suspended, pods gone', async () => ((await getJob(h, 'flaky'))?.status?.phase === 'Suspended' && (await jobPods(h, 'flaky')).length === 0 ? true : undefined), 30_000);
  await patchSpec(h, 'flaky', { suspend: false });
  const back = await poll('flaky running again', async () => {
    const j = await getJob(h, 'flaky');
    return j?.status?.phase === 'Running' && j.status.runners?.[0]?.state === 'Running' ? j : undefined;
  }, 30_000);
  assert.equal(back.status!.runners![0]!.restarts, 0);
  assert.equal(back.status!.conditions!.find((x) => x.type === 'Stalled')!.status, 'False');
});

test('suspend stops runners with SIGTERM (final checkpoint); resume starts them again', async () => {
  await createJob(h, testJob(h, 'pause'));
  const first = await poll('pause running', async () => (await jobPods(h, 'pause')).find(running), 60_000);
  await untilReported('pause');
  await patchSpec(h, 'pause', { suspend: true });
  await poll('pause pods gone', async () => ((await jobPods(h, 'pause')).length === 0 ? true : undefined), 30_000);
  assert.ok(existsSync(join(h.controlDir, `${h.namespace}.pause.0.terminated`)), 'the runner got SIGTERM and exited cleanly');
  const j = await poll('Suspended', async () => {
    const x = await getJob(h, 'pause');
    return x?.status?.phase === 'Suspended' && x.status.conditions?.find((c) => c.type === 'Reconciling')?.status === 'False' ? x : undefined;
  });
  assert.equal(j.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'Suspended');
  assert.ok((await eventsOf('pause')).includes('Suspended'));
  await patchSpec(h, 'pause', { suspend: false });
  const again = await poll('pause running again', async () => (await jobPods(h, 'pause')).find(running), 30_000);
  assert.notEqual(again.metadata!.uid, first.metadata!.uid);
});

test('a spec change restarts the runners with the new spec', async () => {
  await createJob(h, testJob(h, 'change'));
  const before = await poll('change running', async () => (await jobPods(h, 'change')).find(running), 60_000);
  await patchSpec(h, 'change', { checkpoint: { interval: '7s' } });
  const after = await poll('a new pod with the new spec hash', async () => {
    const p = (await jobPods(h, 'change')).find(running);
    return p && p.metadata!.uid !== before.metadata!.uid ? p : undefined;
  }, 30_000);
  assert.notEqual(after.metadata!.annotations!['sluice.dev/spec-hash'], before.metadata!.annotations!['sluice.dev/spec-hash']);
  const j = await poll('status caught up', async () => {
    const x = await getJob(h, 'change');
    return x?.status?.observedGeneration === x?.metadata.generation && x?.status?.phase === 'Running' ? x : undefined;
  });
  assert.equal(j.status!.lastAppliedSpecHash, after.metadata!.annotations!['sluice.dev/spec-hash']);
  assert.ok((await eventsOf('change')).includes('SpecChanged'));
});

test('a bounded job whose runners all succeed ends Succeeded', async () => {
  setRunnerMode(h, 'bounded', 'succeed');
  await createJob(h, testJob(h, 'bounded', { parallelism: 2 }));
  const j = await poll('Succeeded', async () => {
    const x = await getJob(h, 'bounded');
    return x?.status?.phase === 'Succeeded' ? x : undefined;
  }, 60_000);
  const ready = j.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason], ['True', 'Succeeded']);
  assert.deepEqual(j.status!.runners!.map((r) => r.restarts), [0, 0]);
});

test('deleting a job stops its runners first (finalizer), then the job is gone', async () => {
  await createJob(h, testJob(h, 'bye', { parallelism: 2 }));
  await poll('bye running', async () => ((await jobPods(h, 'bye')).filter(running).length === 2 ? true : undefined), 60_000);
  await untilReported('bye', 2);
  await h.custom.deleteNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs', name: 'bye' });
  await poll('job bye gone', async () => ((await getJob(h, 'bye')) === undefined ? true : undefined), 60_000);
  assert.deepEqual(await jobPods(h, 'bye'), [], 'no runner pod outlives its job');
  for (const i of [0, 1]) assert.ok(existsSync(join(h.controlDir, `${h.namespace}.bye.${i}.terminated`)), `runner ${i} stopped cleanly`);
});

test('metrics and health endpoints answer', async () => {
  const base = `http://127.0.0.1:${operator.port}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /sluice_operator_reconcile_total\{result="success"\} [1-9]/);
  assert.match(text, /sluice_operator_workqueue_adds_total [1-9]/);
  assert.match(text, /sluice_operator_reconcile_duration_seconds_bucket/);
  assert.match(text, /sluice_operator_api_requests_total\{verb="POST",resource="pods"\} [1-9]/);
  assert.match(text, /sluice_operator_api_requests_total\{verb="PATCH",resource="ingestjobs\/status"\} [1-9]/);
});

test('a pod that cannot start shows why on the job: Ready condition, an events.k8s.io Event, kubectl get -o wide', async () => {
  const base = testJob(h, 'nosecret');
  const tmpl = base.spec.runner!.podTemplate as { spec: Record<string, unknown> };
  tmpl.spec.containers = [{ name: 'runner', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'absent', key: 'token' } } }] }];
  await createJob(h, base);
  await createJob(h, testJob(h, 'noimage', { runner: { ...testJob(h, 'x').spec.runner, image: 'registry.invalid/nothing:1' } }));

  for (const [job, reason, text] of [['nosecret', 'CreateContainerConfigError', /Secret .*absent not found/], ['noimage', 'ErrImagePull', /registry\.invalid\/nothing:1/]] as const) {
    const ready = await poll(`${job}: Ready reason ${reason}`, async () => {
      const c = (await getJob(h, job))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.reason === reason ? c : undefined;
    }, 60_000);
    assert.match(ready.message, new RegExp(`^runner 0 \\(pod ${job}-runner-0\\) cannot start: ${reason}: `));
    assert.match(ready.message, text);
    const ev = await poll(`${job}: RunnerCannotStart event`, async () => {
      const list = await h.kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: h.namespace, fieldSelector: `regarding.name=${job},reason=RunnerCannotStart` });
      return list.items[0];
    });
    assert.equal(ev.note, ready.message);
    assert.equal(ev.type, 'Warning');
    const wide = await kubectlAsync(h.kubeconfigPath, ['get', 'ingestjob', job, '-n', h.namespace, '-o', 'wide']);
    assert.match(wide.split('\n')[0]!, /MESSAGE$/);
    assert.match(wide, new RegExp(`cannot start: ${reason}`));
  }
});

test('scale-down keeps lifetime totals: the removed runners\' records move to status.retired', async () => {
  await createJob(h, testJob(h, 'rescale', { parallelism: 3 }));
  // fake runners report 10, 20, 30 records
  await poll('rescale: 60 records from 3 runners', async () => ((await getJob(h, 'rescale'))?.status?.committed?.records === 60 ? true : undefined), 60_000);
  await patchSpec(h, 'rescale', { parallelism: 1 });
  const after = await poll('rescale: one runner entry left, running', async () => {
    const j = await getJob(h, 'rescale');
    const runners = j?.status?.runners ?? [];
    return runners.length === 1 && j?.status?.phase === 'Running' && j.status.retired?.folded.length === 0 ? j : undefined;
  }, 90_000);
  assert.equal(after.status!.committed!.records, 60, 'committed went backwards on scale-down');
  assert.equal(after.status!.retired!.records, 50);
  assert.ok((await eventsOf('rescale')).includes('Rescaled'));
});
