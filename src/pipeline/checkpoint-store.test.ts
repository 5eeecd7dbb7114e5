import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import type { CheckpointRecord } from './checkpoint-record.ts';
import { decodeRecord, markerFor, RECORD_VERSION } from './checkpoint-record.ts';

const record = (epoch: number, id: number): CheckpointRecord => ({
  version: RECORD_VERSION, job: 'j', runner: 0, parallelism: 1, epoch, id, createdAt: new Date(0).toISOString(), jobUuid: 'u',
  partCounter: id, source: { at: id }, pending: [], counters: { recordsIn: id, records: id, bytes: 0, files: 0, skipped: 0 },
  watermark: null, awaiting: [], finished: false,
});

test('epochs are claimed upward; concurrent claims get distinct epochs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const s = new LocalStorage();
  const stores = Array.from({ length: 8 }, () => new CheckpointStore(s, dir, 'j', 0));
  const epochs = await Promise.all(stores.map((st) => st.claimEpoch()));
  assert.deepEqual([...epochs].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(await stores[0]!.highestEpoch(), 8);
});

test('latest orders by (epoch, id), not by id alone', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const st = new CheckpointStore(new LocalStorage(), dir, 'j', 0);
  await st.write(record(1, 500));
  await st.write(record(2, 7));
  assert.deepEqual((await st.latest())?.source, { at: 7 });
  await assert.rejects(st.write(record(2, 7)), /already exists/);
});

test('prune keeps the newest records and the current epoch', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const st = new CheckpointStore(new LocalStorage(), dir, 'j', 0);
  await st.claimEpoch();
  const e = await st.claimEpoch();
  for (let i = 1; i <= 5; i++) await st.write(record(e, i));
  await st.prune(e, 2);
  assert.deepEqual((await st.recordNames()).map((r) => r.id), [4, 5]);
  assert.deepEqual(await st.epochs(), [e]);
});

test('job identity is shared by every runner', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const s = new LocalStorage();
  const ids = await Promise.all([0, 1, 2].map((r) => new CheckpointStore(s, dir, 'j', r).jobIdentity()));
  assert.equal(new Set(ids.map((i) => i.uuid)).size, 1);
});

test('records of an unknown format version are refused with the file name', () => {
  assert.throws(() => decodeRecord(Buffer.from('{"version":99}'), 'chk-x'), /chk-x has format version 99/);
  assert.throws(() => decodeRecord(Buffer.from('{'), 'chk-y'), /chk-y is not valid JSON/);
  assert.equal(decodeRecord(Buffer.from(JSON.stringify(record(1, 2))), 'f').id, 2);
});

test('ids wider than the padding (100 ms intervals give 11+ digit ids) are still found and ordered', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const st = new CheckpointStore(new LocalStorage(), dir, 'j', 0);
  await st.write(record(1, 17956263190));
  await st.write(record(1, 9));
  await st.write(record(1, 123456789012345678));
  assert.deepEqual((await st.recordNames()).map((r) => r.id), [9, 17956263190, 123456789012345678]);
  assert.equal((await st.latest())?.id, 123456789012345678);
});

test('sweepTemps removes the temp files of a put or create-if-absent cut short, and nothing else', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const s = new LocalStorage();
  const st = new CheckpointStore(s, dir, 'j', 0);
  await st.claimEpoch();
  await st.write(record(1, 1));
  await st.writeCommitted({ version: 1, epoch: 1, id: 1, at: new Date(0).toISOString(), watermark: null, finished: false, counters: record(1, 1).counters });
  // what a kill between write and rename leaves (LocalStorage's temp naming)
  const left = ['.committed.inprogress.0b7c', '.chk-0000000000000001-0000000000000002.inprogress.9f1e'];
  for (const n of left) await writeFile(path.join(st.dir, n), 'half');
  const before = (await readdir(st.dir)).sort();
  assert.equal(await st.sweepTemps(), 2);
  assert.deepEqual((await readdir(st.dir)).sort(), before.filter((n) => !left.includes(n)));
  assert.deepEqual((await st.latest())?.source, { at: 1 });
  assert.equal(await st.sweepTemps(), 0);
});

test('settledRecord: the marker record, unless a newer record written at another parallelism still awaits its next owner', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const st = new CheckpointStore(new LocalStorage(), dir, 'j', 2);
  const at = (e: number, id: number, parallelism: number): CheckpointRecord => ({ ...record(e, id), runner: 2, parallelism });
  const marker = (r: CheckpointRecord) => markerFor(r, r.createdAt);
  assert.deepEqual(await st.settledRecord(2), { settled: true, record: null }, 'no record: nothing to resume');

  await st.write(at(1, 10, 3));
  await st.writeCommitted(marker(at(1, 10, 3)));
  const s1 = await st.settledRecord(2);
  assert.ok(s1.settled && s1.record?.id === 10, 'the marker names the newest record');

  // The parallelism-3 process published checkpoint 11 and died before its marker.
  await st.write(at(1, 11, 3));
  const s2 = await st.settledRecord(2);
  assert.ok(!s2.settled && /checkpoint 11, written at parallelism 3, is newer than the one its committed marker names \(10\)/.test(s2.why), JSON.stringify(s2));
  const same = await st.settledRecord(3);
  assert.ok(same.settled && same.record?.id === 10, 'at the same parallelism no split moved: the marker record');

  // Its next owner publishes 11 again and names it.
  await st.writeCommitted(marker(at(1, 11, 3)));
  const s3 = await st.settledRecord(2);
  assert.ok(s3.settled && s3.record?.id === 11);
  // ...and goes on at the new parallelism: its newer records do not block anyone.
  await st.write(at(2, 12, 2));
  const s4 = await st.settledRecord(2);
  assert.ok(s4.settled && s4.record?.id === 11);
});
