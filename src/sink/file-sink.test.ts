import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { createEncoder } from '../formats/index.ts';
import { FileSink } from './file-sink.ts';
import type { FileSinkOptions } from './file-sink.ts';

async function sink(over: Partial<FileSinkOptions> = {}): Promise<{ s: FileSink; root: string; clock: { now: number }; storage: LocalStorage }> {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-sink-'));
  const clock = { now: 1000 };
  const storage = new LocalStorage();
  const schema = [{ name: 'uid', type: 'INT' }, { name: 'pid', type: 'INT' }];
  const s = new FileSink({
    storage, root, partitionKeys: ['pid'], partitionIndexes: [1],
    encoder: createEncoder({ type: 'csv' }, schema, [0]),
    rolling: { fileSize: 1 << 20, rolloverIntervalMs: 10_000, inactivityIntervalMs: 5_000 },
    namePrefix: 'part-u-0-', suffix: '', counter: 7, clock: () => clock.now, ...over,
  });
  return { s, root, clock, storage };
}

test('rows go to Hive partitions, partition columns left out of the body, Flink part names', async () => {
  const { s, root, storage } = await sink();
  s.writeBatch([[1, 0], [2, 1], [3, 0], [4, null]], 4);
  const { pending, activity } = await s.snapshotState();
  assert.deepEqual(pending.map((p) => [p.partition, p.records, path.basename(p.file.target)]).sort(), [
    ['pid=0', 2, 'part-u-0-7'], ['pid=1', 1, 'part-u-0-8'], ['pid=__DEFAULT_PARTITION__', 1, 'part-u-0-9'],
  ]);
  assert.equal(activity.get('pid=0')?.records, 2);
  for (const p of pending) await storage.commit(p.file);
  assert.equal(await readFile(path.join(root, 'pid=0', 'part-u-0-7'), 'utf8'), '1\n3\n');
  assert.equal(s.nextCounter, 10);
});

test('one partition column: equal values share a bucket whatever their form (0 and -0, 5n and 5, null)', async () => {
  const { s } = await sink();
  s.writeBatch([[1, 0], [2, -0], [3, 5n], [4, 5], [5, null], [6, null], [7, 2n ** 60n], [8, 2n ** 60n], [9, 0n]], 9);
  const { pending } = await s.snapshotState();
  assert.deepEqual(pending.map((p) => [p.partition, p.records]).sort(), [
    ['pid=0', 3], ['pid=1152921504606846976', 2], ['pid=5', 2], ['pid=__DEFAULT_PARTITION__', 2],
  ]);
});

test('rolls by size before the record that would follow an over-size file', async () => {
  const { s } = await sink({ rolling: { fileSize: 4, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 } });
  // "10\n" = 3 bytes: after two rows the file holds 6 > 4 bytes, so the third row opens a new file
  s.writeBatch([[10, 0], [11, 0], [12, 0], [13, 0], [14, 0]], 5);
  await s.flush();
  const { pending } = await s.snapshotState();
  // closes run concurrently, so order by part file name (the counter)
  assert.deepEqual(pending.sort((a, b) => a.file.target.localeCompare(b.file.target)).map((p) => p.records), [2, 2, 1]);
});

test('long and multi-byte lines (encoded in runs) still roll at the exact byte size', async () => {
  // uid values of 20 digits make 21-byte lines, ropes that wait in a run before their UTF-8 write;
  // the size check must still see every byte: fileSize 1000 → files of ceil(1001/21) = 48 rows
  const { s } = await sink({ rolling: { fileSize: 1000, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 } });
  const rows = Array.from({ length: 1000 }, (_, i) => [10n ** 19n + BigInt(i), 0]);
  s.writeBatch(rows, rows.length);
  await s.flush();
  const { pending } = await s.snapshotState();
  const counter = (t: string): number => Number(t.slice(t.lastIndexOf('-') + 1));
  const sorted = pending.sort((a, b) => counter(a.file.target) - counter(b.file.target));
  assert.deepEqual(sorted.map((p) => p.records), [...Array(20).fill(48), 40]);
  assert.deepEqual(sorted.map((p) => p.file.bytes), [...Array(20).fill(48 * 21), 40 * 21]);
});

test('a checkpoint barrier hands over what was written before it; rows after it go to the next checkpoint', async () => {
  const { s } = await sink();
  s.writeBatch([[1, 0], [2, 1], [3, 0]], 3);
  const snapshot = s.beginSnapshot();
  // the pipeline goes on while the barrier's files close
  s.writeBatch([[4, 0], [5, 0]], 2);
  await s.flush();
  const first = await snapshot();
  assert.deepEqual(first.pending.map((p) => [p.partition, p.records]).sort(), [['pid=0', 2], ['pid=1', 1]]);
  const second = await s.snapshotState();
  assert.deepEqual(second.pending.map((p) => [p.partition, p.records]), [['pid=0', 2]]);
  assert.notEqual(second.pending[0]!.file.target, first.pending.find((p) => p.partition === 'pid=0')!.file.target, 'a new part file');
});

test('rolls by rollover interval and by inactivity on the processing-time timer', async () => {
  const { s, clock } = await sink();
  s.writeBatch([[1, 0]], 1);
  clock.now += 4_999;
  await s.onProcessingTime();
  s.writeBatch([[2, 1]], 1);
  clock.now += 1;
  await s.onProcessingTime(); // pid=0 idle for 5000 ms: rolls; pid=1 written 1 ms ago: stays
  const first = await s.snapshotState();
  assert.deepEqual(first.pending.map((p) => p.partition).sort(), ['pid=0', 'pid=1']);
  s.writeBatch([[3, 0]], 1);
  for (let i = 0; i < 12; i++) {
    clock.now += 1_000;
    s.writeBatch([[4, 0]], 1); // never inactive
    await s.onProcessingTime();
  }
  const second = await s.snapshotState();
  assert.equal(second.pending.length, 2, 'rolled once by the 10 s rollover interval (the 10th tick), then at the checkpoint');
});

test('buffers are written out past the threshold; memory stays bounded', async () => {
  const { s } = await sink({ flushThreshold: 1024, bufferLimit: 4096 });
  const rows = Array.from({ length: 5000 }, (_, i) => [i, i % 7]);
  s.writeBatch(rows, rows.length);
  assert.ok(s.needsFlush());
  await s.flush();
  assert.ok(s.bufferedBytes < 4096, `still ${s.bufferedBytes} bytes buffered`);
  const { pending } = await s.snapshotState();
  assert.equal(pending.reduce((n, p) => n + p.records, 0), 5000);
});

test('non-ASCII text is counted in bytes and written intact', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-sink-'));
  const storage = new LocalStorage();
  const s = new FileSink({
    storage, root, partitionKeys: [], partitionIndexes: [],
    encoder: createEncoder({ type: 'csv' }, [{ name: 'w', type: 'STRING' }], [0]),
    rolling: { fileSize: 1 << 20, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 },
    namePrefix: 'p-', suffix: '.csv', counter: 0,
  });
  const words = ['中文', 'emoji😀', 'ü'.repeat(30000)];
  s.writeBatch(words.map((w) => [w]), 3);
  const { pending } = await s.snapshotState();
  await storage.commit(pending[0]!.file);
  const text = await readFile(path.join(root, 'p-0.csv'), 'utf8');
  assert.equal(pending[0]!.file.bytes, Buffer.byteLength(text));
  assert.deepEqual(text.trimEnd().split('\n').map((l) => l.replace(/^"|"$/g, '')), words);
  assert.deepEqual(await readdir(root), ['p-0.csv']);
});
