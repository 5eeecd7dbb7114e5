import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import type { CheckpointRecord } from './checkpoint-record.ts';
import { decodeRecord, encodeRecord, markerFor, RECORD_VERSION } from './checkpoint-record.ts';
import { DamagedStateError, openState, sealState } from './sealed-state.ts';
import { fileURLToPath } from 'node:url';

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

test('records of an unknown format version, not JSON, or of another lineage are refused with the file name', () => {
  const who = { job: 'j', runner: 0, epoch: 1, id: 2 };
  assert.throws(() => decodeRecord(Buffer.from('{"version":99}'), 'chk-x', who), /chk-x: record format version 99/);
  assert.throws(() => decodeRecord(Buffer.from('{'), 'chk-y', who), /chk-y: not valid JSON/);
  assert.equal(decodeRecord(encodeRecord(record(1, 2)), 'f', who).id, 2);
  assert.throws(() => decodeRecord(encodeRecord(record(1, 2)), 'chk-z', { ...who, runner: 1 }), /checkpoint state damaged: chk-z: its header says runner 0, expected 1/);
  // a version 1 record (plain JSON) still reads, and its identity is still checked
  const v1 = Buffer.from(JSON.stringify({ ...record(1, 2), version: 1 }));
  assert.equal(decodeRecord(v1, 'f', who).version, 1);
  assert.throws(() => decodeRecord(v1, 'chk-w', { ...who, id: 3 }), /chk-w: the record says id 2, its file and lineage say 3/);
});

test('a sealed file that is truncated, appended to, edited, or of another kind is refused, naming what is wrong', () => {
  const good = sealState({ kind: 'committed', job: 'j', runner: 0, epoch: 1, id: 2 }, { n: 1 });
  const expect = { kind: 'committed', job: 'j', runner: 0 } as const;
  assert.deepEqual(openState(good, 'm', expect), { version: 2, body: { n: 1 } });
  assert.throws(() => openState(good.subarray(0, good.length - 2), 'm', expect), /m: 5 bytes after the header, the header says 7 \(truncated/);
  assert.throws(() => openState(good.subarray(0, 20), 'm', expect), /m: its header is cut short/);
  assert.throws(() => openState(Buffer.concat([good, Buffer.from(' ')]), 'm', expect), /appended/);
  assert.throws(() => openState(Buffer.from(good.toString().replace('"n":1', '"n":2')), 'm', expect), /m: SHA-256 of the body is .*, the header says .* \(edited\?\)/);
  assert.throws(() => openState(good, 'm', { ...expect, kind: 'retired' }), /it holds a committed, not a retired/);
  assert.throws(() => openState(Buffer.alloc(0), 'm', expect), /m: the file is empty/);
  assert.throws(() => openState(good.subarray(0, 30), 'm', expect, '/ck/j'), /put the lineage's files back from a backup, or start the job over \(delete \/ck\/j and the job's output\)/);
});

/** A lineage with records 1..3 of epoch 1, the marker naming `named`, and a claim of epoch 2. */
async function lineage(named: number): Promise<{ st: CheckpointStore; dir: string; uuid: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ck-'));
  const st = new CheckpointStore(new LocalStorage(), dir, 'j', 0);
  const uuid = (await st.jobIdentity()).uuid;
  await st.claimEpoch();
  for (let id = 1; id <= 3; id++) await st.write({ ...record(1, id), jobUuid: uuid });
  await st.writeCommitted(markerFor({ ...record(1, named), jobUuid: uuid }, 'now'));
  return { st, dir, uuid };
}

test('restorePoint: the newest record, checked against the marker, epoch claims and job identity', async () => {
  {
    const { st, uuid } = await lineage(3);
    assert.equal((await st.restorePoint(await st.claimEpoch(), uuid))?.id, 3);
  }
  {
    // died after writing record 3, before naming it: 3 is restored (its files are published again)
    const { st, uuid } = await lineage(2);
    assert.equal((await st.restorePoint(await st.claimEpoch(), uuid))?.id, 3);
  }
  {
    // the newest record removed: the marker names a record that is not there; never record 2
    const { st, uuid } = await lineage(3);
    await rm(path.join(st.dir, 'chk-0000000000000001-0000000000000003'));
    await assert.rejects(st.restorePoint(await st.claimEpoch(), uuid), (e: Error) =>
      e instanceof DamagedStateError && /chk-0000000000000001-0000000000000003: missing, yet .*\/committed names it as the last published checkpoint/.test(e.message));
  }
  {
    // the marker edited to name an older record, its checksum fixed up: the counters disagree
    const { st, uuid } = await lineage(3);
    await st.writeCommitted({ ...markerFor({ ...record(1, 2), jobUuid: uuid }, 'now'), counters: record(1, 3).counters });
    await assert.rejects(st.restorePoint(await st.claimEpoch(), uuid), /chk-0000000000000001-0000000000000002: its counters, watermark or finished flag disagree with .*committed/);
  }
  {
    // every epoch claim removed: a new claim of epoch 1 would sort new records below the old ones
    const { st, uuid } = await lineage(3);
    for (const n of await readdir(st.dir)) if (n.startsWith('epoch-')) await rm(path.join(st.dir, n));
    await assert.rejects(st.restorePoint(await st.claimEpoch(), uuid), /chk-0000000000000001-0000000000000001: written in epoch 1, but the highest epoch claimed before this process was 0 \(epoch-\* files removed\?\)/);
  }
  {
    // a lineage copied from another job
    const { st } = await lineage(3);
    await assert.rejects(st.restorePoint(await st.claimEpoch(), 'other-uuid'), /its part-file UUID .* is not the job's \(other-uuid in .*job.json\)/);
  }
  {
    // an epoch claim overwritten
    const { st, uuid } = await lineage(3);
    await writeFile(path.join(st.dir, 'epoch-0000000000000001'), 'x');
    await assert.rejects(st.restorePoint(await st.claimEpoch(), uuid), /epoch-0000000000000001: not valid JSON/);
  }
});

test('format version 1 state (test/fixtures/checkpoint-v1, written before checksums) reads', async () => {
  const fixture = fileURLToPath(new URL('../../test/fixtures/checkpoint-v1/state/out/_sluice', import.meta.url));
  const s = new LocalStorage();
  const st0 = new CheckpointStore(s, fixture, 'v1', 0);
  const id = await st0.jobIdentity();
  assert.equal(id.version, 1);
  assert.deepEqual(await st0.lineages(), [0, 1]);
  const m0 = await st0.readMarker();
  assert.equal(m0?.version, 1);
  const newest = await st0.latest();
  assert.equal(newest?.version, 1);
  assert.ok(newest!.id > m0!.id, 'the fixture died between publishing a checkpoint and naming it');
  const st1 = st0.lineage(1);
  assert.equal(await st1.retiredEpoch(), await st1.highestEpoch());
  const settled = await st1.settledRecord(1);
  assert.ok(settled.settled && settled.record?.finished === true && settled.record.version === 1);
  assert.equal((await st0.readCommitted(2)).filter((m) => m !== null).length, 2);
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
  await st.writeCommitted(markerFor(record(1, 1), new Date(0).toISOString()));
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
