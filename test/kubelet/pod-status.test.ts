import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPodStatus, exitCodeOf, restartBackoffMs, shouldRestart } from './pod-status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');

test('running container: phase Running, Ready True, state.running', () => {
  const s = buildPodStatus({ phase: 'Running', startTime: t0, container: { name: 'main', image: 'i', state: { kind: 'running', startedAt: t0 }, restartCount: 2 } }, t0);
  assert.equal(s.phase, 'Running');
  const conds = s.conditions as { type: string; status: string }[];
  assert.equal(conds.find((c) => c.type === 'Ready')?.status, 'True');
  const cs = (s.containerStatuses as Record<string, unknown>[])[0]!;
  assert.deepEqual(cs.state, { running: { startedAt: '2026-01-01T00:00:00.000Z' } });
  assert.equal(cs.restartCount, 2);
  assert.equal(cs.ready, true);
});

test('failed container: phase Failed, terminated with exit code, Ready False (PodCompleted)', () => {
  const s = buildPodStatus({
    phase: 'Failed', startTime: t0,
    container: { name: 'main', image: 'i', restartCount: 0, state: { kind: 'terminated', exitCode: 137, reason: 'Error', startedAt: t0, finishedAt: t0 } },
  }, t0);
  const ready = (s.conditions as { type: string; status: string; reason?: string }[]).find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason], ['False', 'PodCompleted']);
  const cs = (s.containerStatuses as { state: { terminated: { exitCode: number } } }[])[0]!;
  assert.equal(cs.state.terminated.exitCode, 137);
});

test('restart policy is applied at the container level', () => {
  assert.equal(shouldRestart('Never', 1), false);
  assert.equal(shouldRestart('OnFailure', 0), false);
  assert.equal(shouldRestart('OnFailure', 2), true);
  assert.equal(shouldRestart('Always', 0), true);
});

test('exit code is 128 + signal number when killed', () => {
  assert.equal(exitCodeOf(null, 'SIGKILL', { SIGKILL: 9 }), 137);
  assert.equal(exitCodeOf(3, null, {}), 3);
});

test('restart back-off doubles and is capped', () => {
  assert.deepEqual([1, 2, 3, 10].map((n) => restartBackoffMs(n, 1000, 5000)), [1000, 2000, 4000, 5000]);
});
