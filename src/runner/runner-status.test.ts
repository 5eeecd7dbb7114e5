import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PartitionInfo } from '../sink/partition-committer.ts';
import { MAX_RECENT_PARTITIONS, recentPartitions, runnerFieldManager, runnerStatus, runnerStatusApply } from './runner-status.ts';

const part = (path: string, lastCommitAt: string | null, records = 10): PartitionInfo => ({ path, files: 1, records, bytes: 100, lastCommitAt, successFile: lastCommitAt !== null });

test('the server-side apply body holds identity and only this runner\'s entry', () => {
  const status = runnerStatus({
    index: 2, state: 'Running', epoch: 4,
    checkpoint: { id: 1432, at: Date.UTC(2026, 0, 2, 3, 4, 5), durationMs: 41.4 },
    counters: { recordsIn: 3100, records: 3000, bytes: 45_000, files: 12, skipped: 1 },
    lag: 17, splits: 2, finished: false,
    partitions: [part('pid=0', '2026-01-02T03:04:05.000Z'), part('pid=1', null)], partitionsTotal: 2,
  });
  assert.deepEqual(runnerStatusApply({ namespace: 'ingest', name: 'uids' }, status), {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'IngestJob',
    metadata: { name: 'uids', namespace: 'ingest' },
    status: {
      runners: [{
        index: 2, state: 'Running', epoch: 4,
        checkpointId: 1432, checkpointAt: '2026-01-02T03:04:05.000Z', checkpointDurationMs: 41,
        records: 3000, bytes: 45_000, files: 12, skipped: 1, lag: 17, splits: 2, finished: false,
        recentPartitions: [{ path: 'pid=0', files: 1, records: 10, lastCommitAt: '2026-01-02T03:04:05.000Z', successFile: true }],
        partitionsTotal: 2,
      }],
    },
  });
  assert.equal(runnerFieldManager(2), 'sluice-runner-2');
});

test('facts not known yet are left out rather than reported as zero', () => {
  const s = runnerStatus({
    index: 0, state: 'Running', epoch: 1, checkpoint: null,
    counters: { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 }, finished: false, partitions: [], partitionsTotal: 0,
  });
  assert.equal('checkpointId' in s, false);
  assert.equal('checkpointAt' in s, false);
  assert.equal('lag' in s, false);
  assert.equal('splits' in s, false);
  assert.equal('message' in s, false);
  // a restored checkpoint has an id but this process did not time it
  const r = runnerStatus({
    index: 0, state: 'Running', epoch: 2, checkpoint: { id: 7, at: null, durationMs: null },
    counters: { recordsIn: 5, records: 5, bytes: 50, files: 1, skipped: 0 }, finished: false, partitions: [], partitionsTotal: 0,
  });
  assert.equal(r.checkpointId, 7);
  assert.equal('checkpointAt' in r, false);
  assert.equal('checkpointDurationMs' in r, false);
});

test('recent partitions: committed only, newest first, at most five', () => {
  const parts = Array.from({ length: 8 }, (_, i) => part(`pid=${i}`, `2026-01-01T00:00:0${i}.000Z`));
  parts.push(part('pid=x', null));
  const recent = recentPartitions(parts);
  assert.equal(recent.length, MAX_RECENT_PARTITIONS);
  assert.deepEqual(recent.map((p) => p.path), ['pid=7', 'pid=6', 'pid=5', 'pid=4', 'pid=3']);
  // the total is the committer's (the lineage's), not the length of the list it was given
  assert.equal(runnerStatus({
    index: 0, state: 'Running', epoch: 1, checkpoint: null, counters: { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 }, finished: false, partitions: parts, partitionsTotal: 4000,
  }).partitionsTotal, 4000);
});

test('a long failure message is cut to a bounded size', () => {
  const s = runnerStatus({
    index: 0, state: 'Failed', epoch: 1, checkpoint: null, counters: { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 },
    finished: false, partitions: [], partitionsTotal: 0, message: 'x'.repeat(5000),
  });
  assert.equal(s.message!.length, 1024);
  assert.ok(s.message!.endsWith('…'));
});

test('records-lag-max and the partitions furthest behind (bounded, largest first) reach the status', () => {
  const splits = Array.from({ length: 12 }, (_, p) => ({ id: `t-${p}`, topic: 't', partition: p, position: '0', lag: p === 3 ? 0 : p * 10 }));
  const s = runnerStatus({
    index: 0, state: 'Running', epoch: 1, checkpoint: null, lag: 650,
    counters: { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 }, finished: false, partitions: [], partitionsTotal: 0,
    source: { lag: 650, lagMax: 110, splits },
  });
  assert.equal(s.lagMax, 110);
  assert.deepEqual(s.laggingPartitions, [110, 100, 90, 80, 70].map((lag) => ({ partition: `t-${lag / 10}`, lag })));
});
