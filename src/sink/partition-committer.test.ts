import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { PartitionCommitter } from './partition-committer.ts';
import type { PartitionCommitOptions } from './partition-committer.ts';

const base: PartitionCommitOptions = { trigger: 'process-time', delayMs: 0, successFileName: '_SUCCESS', timestampPattern: null, timestampFormatter: 'yyyy-MM-dd HH:mm:ss', timeZone: 'UTC' };
const act = (...paths: string[]): Map<string, { records: number; files: number; bytes: number }> => new Map(paths.map((p) => [p, { records: 1, files: 1, bytes: 1 }]));
const exists = (f: string): Promise<boolean> => stat(f).then(() => true, () => false);

test('process-time, delay 0: committed right after the checkpoint, again and again', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter(base, new LocalStorage(), root);
  c.addActivity(act('pid=0'), 5, 0);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 5, watermark: null }), ['pid=0']);
  assert.ok(await exists(path.join(root, 'pid=0', '_SUCCESS')));
  c.addActivity(act('pid=0'), 6, 10);
  assert.deepEqual(await c.commit({ now: 10, minCommittedId: 6, watermark: null }), ['pid=0']);
});

test('a partition waits until every runner has published the checkpoint that wrote it', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter(base, new LocalStorage(), root);
  c.addActivity(act('pid=1'), 9, 0);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 8, watermark: null }), []);
  assert.equal(await exists(path.join(root, 'pid=1', '_SUCCESS')), false);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 9, watermark: null }), ['pid=1']);
});

test('process-time with delay: committed once now > creation + delay, or at end of input', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter({ ...base, delayMs: 1000 }, new LocalStorage(), root);
  c.addActivity(act('a=1', 'a=2'), 1, 100);
  assert.deepEqual(await c.commit({ now: 1100, minCommittedId: 1, watermark: null }), []);
  assert.deepEqual((await c.commit({ now: 1101, minCommittedId: 1, watermark: null })).sort(), ['a=1', 'a=2']);
  c.addActivity(act('a=3'), 2, 2000);
  assert.deepEqual(await c.commit({ now: 2001, minCommittedId: Infinity, watermark: null }), ['a=3']);
});

test('partition-time: committed when the watermark passes partition time + delay', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter({ ...base, trigger: 'partition-time', delayMs: 3_600_000, timestampPattern: '$dt $hour:00:00' }, new LocalStorage(), root);
  c.addActivity(act('dt=2024-01-01/hour=10', 'dt=2024-01-01/hour=11'), 1, 0);
  const t10 = Date.UTC(2024, 0, 1, 10);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 1, watermark: null }), []);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 1, watermark: t10 + 3_600_000 }), []);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 1, watermark: t10 + 3_600_001 }), ['dt=2024-01-01/hour=10']);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 1, watermark: Infinity }), ['dt=2024-01-01/hour=11']);
  assert.ok(await exists(path.join(root, 'dt=2024-01-01', 'hour=11', '_SUCCESS')));
});

test('without the success-file policy nothing is written, but partitions still leave the queue', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter({ ...base, successFileName: null }, new LocalStorage(), root);
  c.addActivity(act('p=1'), 1, 0);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 1, watermark: null }), ['p=1']);
  assert.equal(await exists(path.join(root, 'p=1', '_SUCCESS')), false);
  assert.deepEqual(c.awaitingPartitions(), []);
});

test('restored awaiting partitions are committed after a restart', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter(base, new LocalStorage(), root, [{ path: 'x=1', createdAt: 0, checkpointId: 3 }]);
  assert.deepEqual(await c.commit({ now: 0, minCommittedId: 3, watermark: null }), ['x=1']);
});
