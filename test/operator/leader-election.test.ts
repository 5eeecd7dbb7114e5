/**
 * Leader election against the real apiserver: one leader at a time; when the leader stops
 * renewing (a crash) another takes over; and two real `sluice operator` processes fail over with
 * no duplicate runner pods.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/operator/leader-election.ts';
import { createJob, jobPods, poll, repoRoot, startHarness, testJob } from './harness.ts';
import type { Harness } from './harness.ts';

let h: Harness;
const children: ChildProcess[] = [];

before(async () => {
  h = await startHarness('sluice-le');
}, { timeout: 30 * 60_000 });

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.close();
});

async function holder(lease: string): Promise<string | undefined> {
  const l = await h.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: lease, namespace: h.namespace });
  return l.spec?.holderIdentity ?? undefined;
}

test('one leader at a time; a crashed leader is replaced after the lease expires', async () => {
  const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
  const mk = (identity: string): LeaderElector => new LeaderElector({ kubeConfig: h.kc, namespace: h.namespace, leaseName: 'le-unit', identity, ...timing });
  const a = mk('a');
  const b = mk('b');
  const events: string[] = [];
  a.run({ onStartedLeading: () => events.push('a leads'), onStoppedLeading: () => events.push('a lost') });
  await poll('a leads', async () => (a.isLeader() ? true : undefined), 10_000);
  b.run({ onStartedLeading: () => events.push('b leads'), onStoppedLeading: () => events.push('b lost') });
  // For longer than a lease, b must keep seeing a's renewals and stay a candidate.
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    assert.equal(b.isLeader(), false, 'b must not lead while a renews');
    assert.equal(await holder('le-unit'), 'a');
  }
  const crashedAt = Date.now();
  await a.stop(false); // stops renewing without releasing: what a crash looks like from outside
  await poll('b leads', async () => (b.isLeader() ? true : undefined), 15_000);
  const took = Date.now() - crashedAt;
  assert.ok(took >= 2000, `b waited for the lease to expire (${took} ms)`);
  assert.equal(await holder('le-unit'), 'b');
  const lease = await h.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'le-unit', namespace: h.namespace });
  assert.equal(lease.spec?.leaseTransitions, 1);
  await b.stop(true);
  assert.equal(await holder('le-unit'), '', 'a clean stop releases the lease');
  assert.deepEqual(events, ['a leads', 'b leads']);
});

function startOperator(name: string): ChildProcess {
  const child = spawn(process.execPath, [
    join(repoRoot, 'src', 'cli', 'operator.ts'), '--namespace', h.namespace, '--kubeconfig', h.kubeconfigPath,
    '--leader-election-namespace', h.namespace, '--metrics-port', '0',
  ], { env: { ...process.env, POD_NAME: name }, stdio: 'ignore' });
  children.push(child);
  return child;
}

test('two operator processes: the standby takes over when the leader is killed, without duplicate pods', { timeout: 180_000 }, async () => {
  const opA = startOperator('op-a');
  await poll('op-a holds the lease', async () => ((await holder('sluice-operator'))?.startsWith('op-a_') ? true : undefined), 30_000);
  const opB = startOperator('op-b');
  await createJob(h, testJob(h, 'ha', { parallelism: 2 }));
  const before = await poll('2 running pods from op-a', async () => {
    const ps = await jobPods(h, 'ha');
    return ps.length === 2 && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
  }, 60_000);
  assert.ok((await holder('sluice-operator'))?.startsWith('op-a_'), 'op-b stayed standby');

  opA.kill('SIGKILL');
  await poll('op-b holds the lease', async () => ((await holder('sluice-operator'))?.startsWith('op-b_') ? true : undefined), 40_000);
  // op-b reconciles the same job: it must adopt the running pods, not make new ones.
  await createJob(h, testJob(h, 'ha2', { parallelism: 2 }));
  await poll('ha2 pods from op-b', async () => ((await jobPods(h, 'ha2')).length === 2 ? true : undefined), 30_000);
  const afterPods = await jobPods(h, 'ha');
  assert.deepEqual(afterPods.map((p) => p.metadata!.uid).sort(), before.map((p) => p.metadata!.uid).sort());
  assert.equal(opB.exitCode, null, 'op-b is still running');

  opB.kill('SIGTERM');
  await poll('op-b exits cleanly on SIGTERM', async () => (opB.exitCode !== null ? opB.exitCode : undefined), 20_000).then((code) => assert.equal(code, 0));
  assert.equal(await holder('sluice-operator'), '', 'op-b released the lease on SIGTERM');
});
