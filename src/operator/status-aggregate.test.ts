import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PartitionStatus, RunnerStatus } from '../api/types.ts';
import { setCondition } from './conditions.ts';
import { RECENT_PARTITIONS_LIMIT, aggregateRunners, jobCheckpoint } from './status-aggregate.ts';

const part = (path: string, at: string, files = 1, records = 10, successFile = false): PartitionStatus => ({ path, files, records, lastCommitAt: at, successFile });

test('checkpoint is the minimum id over every runner, timed by the slowest at that id', () => {
  const runners: RunnerStatus[] = [
    { index: 0, state: 'Running', checkpointId: 7, checkpointAt: '2026-01-01T00:00:07Z', checkpointDurationMs: 40 },
    { index: 1, state: 'Running', checkpointId: 6, checkpointAt: '2026-01-01T00:00:05Z', checkpointDurationMs: 30 },
    { index: 2, state: 'Running', checkpointId: 6, checkpointAt: '2026-01-01T00:00:06Z', checkpointDurationMs: 55 },
  ];
  assert.deepEqual(jobCheckpoint(runners, 3), { id: 6, completedAt: '2026-01-01T00:00:06Z', durationMs: 55 });
  assert.equal(jobCheckpoint(runners.slice(0, 2), 3), undefined, 'a runner with no checkpoint yet: none for the job');
  assert.equal(jobCheckpoint([...runners.slice(0, 2), { index: 2, state: 'Pending' }], 3), undefined);
});

test('committed counts every lineage (removed indexes too, until folded into retired); lag only current ones', () => {
  const agg = aggregateRunners([
    { index: 0, state: 'Running', records: 100, bytes: 1000, files: 3, skipped: 1, lag: 5, lagMax: 4 },
    { index: 1, state: 'Running', records: 50, bytes: 400, files: 2, lag: 7, lagMax: 6 },
    { index: 5, state: 'Running', records: 1_000_000, lag: 1_000, lagMax: 1_000 },
  ], 2);
  assert.deepEqual(agg.committed, { records: 1_000_150, bytes: 1400, files: 5, skipped: 1 });
  // lag sums the partitions of all runners; records-lag-max is the largest single partition's
  assert.deepEqual(agg.source, { lag: 12, lagMax: 6 });
  assert.deepEqual(aggregateRunners([{ index: 0, state: 'Pending' }], 1), {}, 'nothing reported: nothing claimed');
});

test('recent partitions are merged by path, newest first, and bounded whatever the runners report', () => {
  const many = Array.from({ length: 50 }, (_, i) => part(`pid=${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()));
  const agg = aggregateRunners([
    { index: 0, state: 'Running', recentPartitions: many.slice(0, 30), partitionsTotal: 30 },
    { index: 1, state: 'Running', recentPartitions: [...many.slice(20), part('pid=49', '2026-01-01T00:00:00Z', 2, 5, true)], partitionsTotal: 40 },
  ], 2);
  assert.equal(agg.partitions!.recent.length, RECENT_PARTITIONS_LIMIT);
  assert.equal(agg.partitions!.recent[0]!.path, 'pid=49');
  assert.deepEqual(agg.partitions!.recent[0], { path: 'pid=49', files: 3, records: 15, lastCommitAt: '2026-01-01T00:00:49.000Z', successFile: true });
  assert.deepEqual(agg.partitions!.recent.map((p) => p.path), Array.from({ length: 10 }, (_, i) => `pid=${49 - i}`));
  assert.equal(agg.partitions!.total, 40);
  assert.ok(JSON.stringify(agg).length < 2000, 'status stays small');
});

test('setCondition keeps lastTransitionTime while the status stays, moves it when it changes', () => {
  let c = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'RunnersStarting', message: '0 of 1' }, 1, 'T1');
  assert.deepEqual(c, [{ type: 'Ready', status: 'False', reason: 'RunnersStarting', message: '0 of 1', observedGeneration: 1, lastTransitionTime: 'T1' }]);
  c = setCondition(c, { type: 'Ready', status: 'False', reason: 'RunnerRestarting', message: 'x' }, 2, 'T2');
  assert.equal(c[0]!.lastTransitionTime, 'T1');
  assert.equal(c[0]!.reason, 'RunnerRestarting');
  assert.equal(c[0]!.observedGeneration, 2);
  c = setCondition(c, { type: 'Ready', status: 'True', reason: 'Running', message: '' }, 2, 'T3');
  assert.equal(c[0]!.lastTransitionTime, 'T3');
  c = setCondition(c, { type: 'Stalled', status: 'False', reason: 'Running', message: '' }, 2, 'T4');
  assert.deepEqual(c.map((x) => x.type), ['Ready', 'Stalled']);
});
