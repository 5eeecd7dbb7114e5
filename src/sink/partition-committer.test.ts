import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { statusSchema } from '../api/schema.ts';
import { MAX_PERSISTED_PARTITIONS, MAX_TRACKED_PARTITIONS, PartitionCommitter } from './partition-committer.ts';
import type { PartitionCommitOptions } from './partition-committer.ts';
import type { PartitionTotals } from '../pipeline/checkpoint-record.ts';

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

const one = (p: string, records = 1): Map<string, { records: number; files: number; bytes: number }> => new Map([[p, { records, files: 1, bytes: records * 10 }]]);

test('figures are kept for the MAX_TRACKED_PARTITIONS most recently active partitions only; records carry the MAX_PERSISTED_PARTITIONS most recent', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter({ ...base, successFileName: null }, new LocalStorage(), root);
  const n = MAX_TRACKED_PARTITIONS + 100;
  for (let i = 0; i < n; i++) c.addActivity(one(`p=${i}`), i + 1, i);
  assert.equal(c.recent(n).length, MAX_TRACKED_PARTITIONS, 'the least recently active were dropped');
  const t = c.totals();
  assert.deepEqual(t.recent.map((p) => p.path), Array.from({ length: MAX_PERSISTED_PARTITIONS }, (_, i) => `p=${n - MAX_PERSISTED_PARTITIONS + i}`), 'the most recent, least recent first');
  const total = c.partitionsTotal;
  assert.ok(Math.abs(total - n) / n < 0.07, `${total} estimated for ${n}`);
  // a partition still tracked moves up; one whose figures were dropped starts again from 0; neither counts twice
  c.addActivity(one('p=200', 5), n + 1, n);
  assert.deepEqual(c.totals().recent.at(-1), { path: 'p=200', files: 2, records: 6, bytes: 60, lastCommitAt: null, successFile: false });
  c.addActivity(one('p=0', 5), n + 2, n);
  assert.deepEqual(c.totals().recent.at(-1), { path: 'p=0', files: 1, records: 5, bytes: 50, lastCommitAt: null, successFile: false });
  assert.equal(c.partitionsTotal, total);
  assert.equal(c.recent(n).length, MAX_TRACKED_PARTITIONS);
});

test('the partitions total is exact up to MAX_PERSISTED_PARTITIONS, then estimated: a partition dropped and written again is not counted twice', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter({ ...base, successFileName: null }, new LocalStorage(), root);
  for (let i = 0; i < MAX_PERSISTED_PARTITIONS; i++) c.addActivity(one(`k=${i}`), 1, 0);
  assert.equal(c.partitionsTotal, MAX_PERSISTED_PARTITIONS);
  assert.equal(c.totals().sketch, undefined, 'no sketch while the count is exact');
  c.addActivity(one('k=new'), 2, 0);
  assert.ok(c.totals().sketch !== undefined);
  assert.ok(c.partitionsTotal > MAX_PERSISTED_PARTITIONS);
  // 3,000 partitions written round and round: the least recently active are dropped over and
  // over (counted once each time, the total would reach 12,000)
  for (let round = 0; round < 4; round++) for (let i = 0; i < 3000; i++) c.addActivity(one(`k=${i}`), 3 + round, 0);
  const total = c.partitionsTotal;
  assert.ok(Math.abs(total - 3001) / 3001 < 0.07, `${total} estimated for 3001`);
  // through a record: the same estimate, and the same partitions again add nothing
  const again = new PartitionCommitter({ ...base, successFileName: null }, new LocalStorage(), root, [], JSON.parse(JSON.stringify(c.totals())) as PartitionTotals);
  assert.equal(again.partitionsTotal, total);
  for (let i = 0; i < 3000; i++) again.addActivity(one(`k=${i}`), 10, 0);
  assert.equal(again.partitionsTotal, total);
  for (let i = 0; i < 3000; i++) again.addActivity(one(`other=${i}`), 11, 0);
  assert.ok(Math.abs(again.partitionsTotal - 6001) / 6001 < 0.07, `${again.partitionsTotal} estimated for 6001`);
});

test('recency: data and commits move a partition to the most recent; recent() lists by commit time, newest first', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const c = new PartitionCommitter({ ...base, successFileName: null }, new LocalStorage(), root);
  c.addActivity(act('a', 'b', 'c'), 1, 0);
  await c.commit({ now: Date.UTC(2026, 0, 1, 0, 0, 1), minCommittedId: 1, watermark: null });
  assert.deepEqual(c.totals().recent.map((p) => p.path), ['a', 'b', 'c']);
  c.addActivity(act('b'), 2, 0);
  await c.commit({ now: Date.UTC(2026, 0, 1, 0, 0, 2), minCommittedId: 2, watermark: null });
  c.addActivity(act('a'), 3, 0); // written, not committed yet
  assert.deepEqual(c.totals().recent.map((p) => p.path), ['c', 'b', 'a']);
  // by commit time: b, then a and c (same time) by path; a's newer data has no commit time yet
  assert.deepEqual(c.recent(10).map((p) => [p.path, p.lastCommitAt]), [['b', '2026-01-01T00:00:02.000Z'], ['a', '2026-01-01T00:00:01.000Z'], ['c', '2026-01-01T00:00:01.000Z']]);
  assert.deepEqual(c.recent(2).map((p) => p.path), ['b', 'a']);
  c.addActivity(act('d'), 4, 0);
  assert.deepEqual(c.recent(4).map((p) => p.path), ['b', 'a', 'c', 'd'], 'never committed: last');
  assert.deepEqual(c.recent(0), []);
  // recent() gives copies: what a caller does with them does not change the figures
  c.recent(1)[0]!.records = 1000;
  assert.equal(c.recent(1)[0]!.records, 2);
});

test('a restored committer goes on from the record\'s figures; a record without them starts empty', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-pc-'));
  const first = new PartitionCommitter(base, new LocalStorage(), root);
  first.addActivity(new Map([['x=1', { records: 7, files: 2, bytes: 70 }], ['x=2', { records: 3, files: 1, bytes: 30 }]]), 1, 0);
  await first.commit({ now: 1000, minCommittedId: 1, watermark: null });
  const saved = JSON.parse(JSON.stringify(first.totals())) as PartitionTotals;
  const again = new PartitionCommitter(base, new LocalStorage(), root, [], saved);
  assert.equal(again.partitionsTotal, 2);
  assert.deepEqual(again.recent(5), first.recent(5));
  again.addActivity(act('x=1', 'x=3'), 2, 2000);
  assert.equal(again.partitionsTotal, 3);
  assert.deepEqual(again.recent(5).find((p) => p.path === 'x=1'), { path: 'x=1', files: 3, records: 8, bytes: 71, lastCommitAt: new Date(1000).toISOString(), successFile: true });
  const old = new PartitionCommitter(base, new LocalStorage(), root, [{ path: 'x=1', createdAt: 0, checkpointId: 3 }], undefined);
  assert.equal(old.partitionsTotal, 0);
  assert.deepEqual(old.totals(), { total: 0, recent: [] });
  assert.deepEqual(await old.commit({ now: 0, minCommittedId: 3, watermark: null }), ['x=1'], 'its awaiting partitions are still committed');
});

test('the CRD\'s descriptions of the partition totals name the bound the committer keeps', () => {
  const runner = statusSchema.properties!.runners!.items as { properties: Record<string, { description?: string }> };
  for (const d of [runner.properties.partitionsTotal!.description!, (runner.properties.recentPartitions as { items: { description: string } }).items.description]) {
    assert.match(d, new RegExp(`\\b${MAX_PERSISTED_PARTITIONS}\\b`));
  }
});
