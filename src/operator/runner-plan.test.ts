import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import type { IngestJob, IngestJobStatus } from '../api/types.ts';
import { restartDelayMs, restartsBefore, resolveRestartPolicy } from '../api/restart-policy.ts';
import { buildRunnerPod } from './runner-pod.ts';
import { planJob } from './runner-plan.ts';
import { specHash } from './spec-hash.ts';
import { sampleJob, withPhase } from './testing.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function podFor(job: IngestJob, index: number, restarts = 0, hash = specHash(job.spec)): V1Pod {
  return buildRunnerPod({ job, index, parallelism: job.spec.parallelism ?? 1, specHash: hash, restarts });
}

function withStatus(job: IngestJob, status: IngestJobStatus): IngestJob {
  return { ...job, status };
}

test('restart backoff: 5s doubling to 5m by default; maxRestarts 10; reset after a run of 1h', () => {
  const p = resolveRestartPolicy(undefined);
  assert.deepEqual(p, { maxRestarts: 10, initialMs: 5000, maxMs: 300_000, resetAfterMs: 3_600_000 });
  assert.deepEqual([0, 1, 2, 5, 6, 30].map((k) => restartDelayMs(p, k)), [5000, 10_000, 20_000, 160_000, 300_000, 300_000]);
  assert.deepEqual([undefined, 0, 3_599_999, 3_600_000].map((ran) => restartsBefore(p, 7, ran)), [7, 7, 7, 0]);
  assert.throws(() => resolveRestartPolicy({ backoff: { initial: '5 parsecs' } }), /spec\.restartPolicy\.backoff\.initial/);
  assert.throws(() => resolveRestartPolicy({ backoff: { resetThreshold: 'soon' } }), /spec\.restartPolicy\.backoff\.resetThreshold/);
});

test('spec hash ignores suspend and key order', () => {
  const a = sampleJob({ parallelism: 2 });
  const b = sampleJob({ parallelism: 2, suspend: true });
  assert.equal(specHash(a.spec), specHash(b.spec));
  assert.equal(specHash(a.spec), specHash(JSON.parse(JSON.stringify({ sink: a.spec.sink, parallelism: 2, source: a.spec.source }))));
  assert.notEqual(specHash(a.spec), specHash(sampleJob({ parallelism: 3 }).spec));
});

test('a new job gets one pod per index, Pending, Reconciling', () => {
  const job = sampleJob({ parallelism: 3 });
  const plan = planJob({ job, pods: [], now: NOW });
  assert.deepEqual(plan.create.map((p) => p.metadata?.name), ['uids-runner-0', 'uids-runner-1', 'uids-runner-2']);
  assert.equal(plan.status?.phase, 'Pending');
  assert.deepEqual(plan.status?.runners, [0, 1, 2].map((i) => ({ index: i, pod: `uids-runner-${i}`, state: 'Pending', restarts: 0 })));
  assert.equal(plan.status?.conditions?.find((c) => c.type === 'Reconciling')?.status, 'True');
  assert.equal(plan.status?.lastAppliedSpecHash, specHash(job.spec));
  assert.equal(plan.events.filter((e) => e.reason === 'RunnerStarted').length, 3);
});

test('all pods running: Ready, nothing to do; pods of other owners are ignored', () => {
  const job = sampleJob({ parallelism: 2 });
  const stranger = { ...withPhase(podFor(job, 0), 'Running'), metadata: { ...podFor(job, 0).metadata, name: 'x', ownerReferences: [] } };
  const pods = [withPhase(podFor(job, 0), 'Running'), withPhase(podFor(job, 1), 'Running'), stranger];
  const plan = planJob({ job, pods, now: NOW });
  assert.equal(plan.create.length, 0);
  assert.equal(plan.delete.length, 0);
  assert.equal(plan.status?.phase, 'Running');
  assert.equal(plan.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(plan.requeueAfterMs, undefined);
});

test('a failed runner is restarted after its backoff, and the restart is counted', () => {
  const job = withStatus(sampleJob(), { phase: 'Running', lastAppliedSpecHash: specHash(sampleJob().spec), runners: [{ index: 0, state: 'Running', restarts: 2 }] });
  const failedAt = new Date(NOW - 5_000).toISOString();
  const pod = withPhase(podFor(job, 0, 2), 'Failed', failedAt);
  const early = planJob({ job, pods: [pod], now: NOW });
  assert.equal(early.delete.length, 0, 'restart 3 waits 5s * 2^2 = 20s');
  assert.equal(early.requeueAfterMs, 15_000);
  assert.equal(early.status?.runners[0]?.state, 'Failed');
  assert.deepEqual(early.events.map((e) => e.reason), ['RunnerFailed']);

  const due = planJob({ job: withStatus(job, { ...job.status, runners: [{ index: 0, state: 'Failed', restarts: 2 }] }), pods: [pod], now: NOW + 15_000 });
  assert.deepEqual(due.delete, [{ name: 'uids-runner-0', uid: pod.metadata!.uid, cause: 'restart' }]);
  assert.equal(due.status?.runners[0]?.restarts, 3);
  assert.deepEqual(due.events.map((e) => e.reason), ['RunnerRestarted'], 'RunnerFailed was already reported');
});

test('the replacement pod carries the restart count, so it survives a stale status', () => {
  const job = withStatus(sampleJob(), { phase: 'Running', lastAppliedSpecHash: specHash(sampleJob().spec), runners: [{ index: 0, state: 'Restarting', restarts: 3 }] });
  const plan = planJob({ job, pods: [], now: NOW });
  assert.equal(plan.create[0]?.metadata?.annotations?.['sluice.dev/restarts'], '3');
  const stale = withStatus(job, { ...job.status, runners: [{ index: 0, state: 'Running', restarts: 1 }] });
  const again = planJob({ job: stale, pods: [withPhase(podFor(job, 0, 3), 'Running')], now: NOW });
  assert.equal(again.status?.runners[0]?.restarts, 3);
});

test('a runner that ran backoff.resetThreshold before failing counts from zero again: no Stalled after rare failures', () => {
  const base = sampleJob({ restartPolicy: { maxRestarts: 2, backoff: { resetThreshold: '1h' } } });
  const hash = specHash(base.spec);
  const job = withStatus(base, { phase: 'Running', lastAppliedSpecHash: hash, runners: [{ index: 0, state: 'Running', restarts: 2 }] });
  const failedAt = NOW - 6_000;
  const ran = (ms: number): V1Pod => {
    const pod = withPhase(podFor(job, 0, 2), 'Failed', new Date(failedAt).toISOString());
    pod.status!.containerStatuses![0]!.state!.terminated!.startedAt = new Date(failedAt - ms).toISOString() as unknown as Date;
    return pod;
  };
  // Two hours without a failure: restart 1 after the initial 5 s, not Stalled.
  const plan = planJob({ job, pods: [ran(2 * 3_600_000)], now: NOW });
  assert.deepEqual(plan.delete.map((d) => d.cause), ['restart']);
  assert.equal(plan.status?.runners[0]?.restarts, 1);
  assert.notEqual(plan.status?.phase, 'Stalled');
  assert.match(plan.events.find((e) => e.reason === 'RunnerRestarted')!.message, /restart 1 of at most 2/);
  const next = planJob({ job: withStatus(job, plan.status!), pods: [], now: NOW + 1000 });
  assert.equal(next.create[0]?.metadata?.annotations?.['sluice.dev/restarts'], '1');
  // A short run keeps the count: the same failure after 10 minutes stalls the job.
  const short = planJob({ job, pods: [ran(600_000)], now: NOW });
  assert.equal(short.status?.phase, 'Stalled');
  assert.equal(short.delete.length, 0);
});

test('maxRestarts exhausted: Stalled, the failed pod is kept, no new pod, sticky until the spec changes', () => {
  const base = sampleJob({ restartPolicy: { maxRestarts: 2 } });
  const hash = specHash(base.spec);
  const job = withStatus(base, { phase: 'Running', lastAppliedSpecHash: hash, runners: [{ index: 0, state: 'Running', restarts: 2 }] });
  const pod = withPhase(podFor(job, 0, 2), 'Failed', new Date(NOW - 3_600_000).toISOString(), 3);
  const plan = planJob({ job, pods: [pod], now: NOW });
  assert.equal(plan.delete.length, 0);
  assert.equal(plan.create.length, 0);
  assert.equal(plan.status?.phase, 'Stalled');
  const stalled = plan.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.reason, 'RestartsExhausted');
  assert.match(stalled!.message, /runner 0 .* failed 3 times: exit code 3/);
  assert.ok(plan.events.some((e) => e.reason === 'Stalled' && e.type === 'Warning'));

  // The failed pod is removed by hand: still Stalled, nothing recreated.
  const after = planJob({ job: withStatus(job, plan.status!), pods: [], now: NOW + 1000 });
  assert.equal(after.create.length, 0);
  assert.equal(after.status?.phase, 'Stalled');
  // A spec change clears it and starts from 0 restarts.
  const changed = sampleJob({ restartPolicy: { maxRestarts: 3 } });
  const fresh = planJob({ job: withStatus(changed, plan.status!), pods: [], now: NOW + 2000 });
  assert.equal(fresh.create.length, 1);
  assert.equal(fresh.status?.runners[0]?.restarts, 0);
  assert.equal(fresh.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'False');
});

test('suspend deletes every pod (final checkpoint on SIGTERM) and creates none; resume recreates', () => {
  const running = sampleJob({ parallelism: 2 });
  const pods = [withPhase(podFor(running, 0), 'Running'), withPhase(podFor(running, 1), 'Running')];
  const job = withStatus(sampleJob({ parallelism: 2, suspend: true }), { phase: 'Running', lastAppliedSpecHash: specHash(running.spec) });
  const plan = planJob({ job, pods, now: NOW });
  assert.deepEqual(plan.delete.map((d) => d.cause), ['suspend', 'suspend']);
  assert.equal(plan.create.length, 0);
  assert.equal(plan.status?.phase, 'Suspended');
  assert.ok(plan.events.some((e) => e.reason === 'Suspended'));
  const quiet = planJob({ job: withStatus(job, plan.status!), pods: [], now: NOW });
  assert.equal(quiet.status?.conditions?.find((c) => c.type === 'Reconciling')?.status, 'False');
  assert.deepEqual(quiet.status?.runners.map((r) => r.state), ['Suspended', 'Suspended']);
  const resumed = planJob({ job: withStatus(running, quiet.status!), pods: [], now: NOW });
  assert.equal(resumed.create.length, 2);
});

test('spec change: pods from the old spec are deleted, recreated from the new one when gone', () => {
  const old = sampleJob({ parallelism: 1 });
  const job = withStatus(sampleJob({ parallelism: 1, checkpoint: { interval: '10s' } }), { phase: 'Running', lastAppliedSpecHash: specHash(old.spec) });
  const pod = withPhase(podFor(old, 0, 4), 'Running');
  const plan = planJob({ job, pods: [pod], now: NOW });
  assert.deepEqual(plan.delete.map((d) => d.cause), ['spec-change']);
  assert.ok(plan.events.some((e) => e.reason === 'SpecChanged'));
  assert.equal(plan.status?.lastAppliedSpecHash, specHash(job.spec));
  assert.equal(plan.status?.conditions?.find((c) => c.type === 'Reconciling')?.reason, 'SpecChanged');
  const terminating = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(NOW) } };
  const waiting = planJob({ job: withStatus(job, plan.status!), pods: [terminating], now: NOW });
  assert.equal(waiting.create.length, 0, 'the same pod name cannot be reused until the old pod is gone');
  const next = planJob({ job: withStatus(job, waiting.status!), pods: [], now: NOW });
  assert.equal(next.create[0]?.metadata?.annotations?.['sluice.dev/spec-hash'], specHash(job.spec));
  assert.equal(next.create[0]?.metadata?.annotations?.['sluice.dev/restarts'], '0');
});

test('parallelism change: no runner of the new spec starts while any runner of the old one may still publish', () => {
  // 3 → 2 runners: runner 2's partitions move to runners 0 and 1, which restore from the
  // positions runner 2 publishes in its final checkpoint, so they must not start before it is gone.
  const old = sampleJob({ parallelism: 3 });
  const job = withStatus(sampleJob({ parallelism: 2 }), { phase: 'Running', lastAppliedSpecHash: specHash(old.spec) });
  const running = [0, 1, 2].map((i) => withPhase(podFor(old, i), 'Running'));
  const plan = planJob({ job, pods: running, now: NOW });
  assert.deepEqual(plan.delete.map((d) => [d.name, d.cause]).sort(), [['uids-runner-0', 'spec-change'], ['uids-runner-1', 'spec-change'], ['uids-runner-2', 'scale-down']]);
  assert.equal(plan.create.length, 0);
  const gone = (p: V1Pod): V1Pod => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(NOW) } });
  // runners 0 and 1 are gone, runner 2 still takes its final checkpoint
  const waiting = planJob({ job: withStatus(job, plan.status!), pods: [gone(running[2]!)], now: NOW });
  assert.equal(waiting.create.length, 0, 'runner 2 of the old spec may still publish');
  assert.deepEqual(waiting.status?.runners.map((r) => r.state), ['Pending', 'Pending']);
  const next = planJob({ job: withStatus(job, waiting.status!), pods: [], now: NOW });
  assert.deepEqual(next.create.map((p) => p.metadata?.name), ['uids-runner-0', 'uids-runner-1']);
});

test('scale down deletes pods of removed indexes and drops their status entries', () => {
  const job = withStatus(sampleJob({ parallelism: 1 }), { runners: [{ index: 0, state: 'Running' }, { index: 1, state: 'Running', records: 5 }] });
  const big = sampleJob({ parallelism: 2 });
  const pods = [withPhase(podFor(job, 0), 'Running'), withPhase(buildRunnerPod({ job: big, index: 1, parallelism: 2, specHash: specHash(job.spec), restarts: 0 }), 'Running')];
  const plan = planJob({ job, pods, now: NOW });
  assert.deepEqual(plan.delete.map((d) => [d.name, d.cause]), [['uids-runner-1', 'scale-down']]);
  assert.deepEqual(plan.staleRunnerIndexes, [], 'the entry stays until the pod is gone: its final report is still to come');
  assert.deepEqual(plan.status?.runners.map((r) => r.index), [0]);
  const gone = planJob({ job, pods: [pods[0]!], now: NOW });
  assert.deepEqual(gone.staleRunnerIndexes, [1]);
});

test('lifetime totals never go backwards on scale-down, and a retried entry removal counts nothing twice', () => {
  // 3 runners → 1: runners 1 and 2 made their final checkpoint (930,001 in all), then their pods went.
  const one = sampleJob({ parallelism: 1 });
  const entries = [
    { index: 0, state: 'Running', records: 310_001, bytes: 10, files: 1, checkpointId: 7 },
    { index: 1, state: 'Running', records: 310_000, bytes: 10, files: 1, checkpointId: 7 },
    { index: 2, state: 'Running', records: 310_000, bytes: 10, files: 1, checkpointId: 7 },
  ];
  const pod0 = withPhase(podFor(one, 0), 'Running');
  const first = planJob({ job: withStatus(one, { lastAppliedSpecHash: specHash(one.spec), runners: entries }), pods: [pod0], now: NOW });
  assert.equal(first.status!.committed!.records, 930_001);
  assert.deepEqual(first.staleRunnerIndexes, [1, 2]);
  assert.deepEqual(first.status!.retired, { records: 620_000, bytes: 20, files: 2, skipped: 0, folded: ['1:7', '2:7'] });
  // The removal failed (operator died): the entries are still there, with the written baseline.
  const retry = planJob({ job: withStatus(one, { ...first.status!, runners: entries }), pods: [pod0], now: NOW });
  assert.equal(retry.status!.committed!.records, 930_001);
  // Removed: runner 0 goes on from its own lineage; the retired totals stay counted.
  const after = planJob({ job: withStatus(one, { ...first.status!, runners: [{ ...entries[0]!, records: 320_001 }] }), pods: [pod0], now: NOW });
  assert.equal(after.status!.committed!.records, 940_001);
  assert.deepEqual(after.status!.retired!.folded, []);
});

test('all runners Succeeded: phase Succeeded, Ready reason Succeeded, nothing restarted later', () => {
  const job = sampleJob({ parallelism: 2 });
  const pods = [withPhase(podFor(job, 0), 'Succeeded', new Date(NOW).toISOString()), withPhase(podFor(job, 1), 'Succeeded', new Date(NOW).toISOString())];
  const plan = planJob({ job, pods, now: NOW });
  assert.equal(plan.status?.phase, 'Succeeded');
  const ready = plan.status?.conditions?.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason], ['True', 'Succeeded']);
  assert.ok(plan.events.some((e) => e.reason === 'Succeeded'));
  const gone = planJob({ job: withStatus(job, plan.status!), pods: [], now: NOW + 1 });
  assert.equal(gone.create.length, 0, 'a finished bounded job is not run again');
  assert.equal(gone.status?.phase, 'Succeeded');
});

test('deletion: every pod is stopped, the finalizer goes only when they are gone', () => {
  const job = sampleJob({ parallelism: 2 }, { deletionTimestamp: new Date(NOW).toISOString() });
  const pods = [withPhase(podFor(job, 0), 'Running'), withPhase(podFor(job, 1), 'Running')];
  const plan = planJob({ job, pods, now: NOW });
  assert.deepEqual(plan.delete.map((d) => d.cause), ['job-deleted', 'job-deleted']);
  assert.equal(plan.removeFinalizer, false);
  assert.equal(plan.status, undefined);
  assert.equal(plan.requeueAfterMs, 5000);
  assert.equal(planJob({ job, pods: [], now: NOW }).removeFinalizer, true);
});

test('a runner that refuses its job (exit 2) stalls the job at once: no restarts burned', () => {
  const base = sampleJob({ restartPolicy: { maxRestarts: 10 } });
  const hash = specHash(base.spec);
  const job = withStatus(base, {
    phase: 'Running', lastAppliedSpecHash: hash,
    runners: [{ index: 0, state: 'Failed', restarts: 0, message: "spec.transform.query: unknown column 'uidd' at line 1, column 8 (columns: uid)" }],
  });
  const pod = withPhase(podFor(job, 0, 0), 'Failed', new Date(NOW - 3_600_000).toISOString(), 2);
  const plan = planJob({ job, pods: [pod], now: NOW });
  assert.equal(plan.delete.length, 0);
  assert.equal(plan.create.length, 0);
  assert.equal(plan.status?.phase, 'Failed');
  const stalled = plan.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.reason, 'InvalidSpec');
  assert.match(stalled!.message, /runner 0 refused the job: spec\.transform\.query: unknown column 'uidd'/);
});

test('a pod that cannot start: its waiting reason is the Ready condition and one Warning event', () => {
  const job = sampleJob();
  const pod = podFor(job, 0);
  pod.status = {
    phase: 'Pending',
    containerStatuses: [{ name: 'runner', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "oss-creds" not found' } } }],
  };
  const plan = planJob({ job, pods: [pod], now: NOW });
  const ready = plan.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason], ['False', 'CreateContainerConfigError']);
  assert.equal(ready.message, 'runner 0 (pod uids-runner-0) cannot start: CreateContainerConfigError: secret "oss-creds" not found');
  assert.deepEqual(plan.events.map((e) => [e.type, e.reason, e.message]), [['Warning', 'RunnerCannotStart', ready.message]]);
  // The same cause on the next look: no second event.
  assert.deepEqual(planJob({ job: withStatus(job, plan.status!), pods: [pod], now: NOW + 1000 }).events, []);
  // Unschedulable comes from the PodScheduled condition.
  const unsched = podFor(job, 0);
  unsched.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] };
  assert.equal(planJob({ job, pods: [unsched], now: NOW }).status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'Unschedulable');
});

test('a failed runner\'s own message reaches the event and the Stalled condition', () => {
  const job = sampleJob({ restartPolicy: { maxRestarts: 0 } });
  const failed = withPhase(podFor(job, 0), 'Failed', new Date(NOW).toISOString());
  const prev: IngestJobStatus = { lastAppliedSpecHash: specHash(job.spec), phase: 'Running', runners: [{ index: 0, state: 'Running', pod: 'uids-runner-0', message: "topic 'uids' does not exist" }] };
  const plan = planJob({ job: withStatus(job, prev), pods: [failed], now: NOW });
  assert.match(plan.events.find((e) => e.reason === 'RunnerFailed')!.message, /failed: exit code 1.*: topic 'uids' does not exist$/);
  assert.match(plan.status!.conditions!.find((c) => c.type === 'Stalled')!.message, /topic 'uids' does not exist; restartPolicy\.maxRestarts is 0/);
});

test('transition events say what changed: Rescaled 1→3, Resumed, Replaced runner because its pod was deleted', () => {
  const one = sampleJob({ parallelism: 1 });
  const three = sampleJob({ parallelism: 3 });
  const running: IngestJobStatus = { lastAppliedSpecHash: specHash(one.spec), phase: 'Running', runners: [{ index: 0, state: 'Running', pod: 'uids-runner-0' }] };
  const pod = withPhase(podFor(one, 0), 'Running');
  const rescale = planJob({ job: withStatus(three, running), pods: [pod], now: NOW });
  assert.deepEqual(rescale.events.filter((e) => e.reason === 'Rescaled').map((e) => e.message), ['Rescaled 1→3: runners stop after a final checkpoint; the new ones resume their splits from it']);

  const resumed = planJob({ job: withStatus(one, { ...running, phase: 'Suspended', runners: [{ index: 0, state: 'Suspended' }] }), pods: [], now: NOW });
  assert.deepEqual(resumed.events.map((e) => e.reason), ['RunnerStarted', 'Resumed']);

  const replaced = planJob({ job: withStatus(one, running), pods: [], now: NOW });
  assert.deepEqual(replaced.events.map((e) => [e.reason, e.message]), [['RunnerReplaced', 'replacing runner 0 because its pod uids-runner-0 was deleted; it resumes from its last checkpoint']]);
});
