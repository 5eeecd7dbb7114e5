import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CheckpointRecord, PartitionTotals } from './checkpoint-record.ts';
import { decodeRecord, encodeRecord, RECORD_VERSION, takeoverRecord } from './checkpoint-record.ts';
import { DamagedStateError, sealState } from './sealed-state.ts';
import { DistinctSketch } from '../sink/distinct-sketch.ts';

const who = { job: 'j', runner: 0, epoch: 1, id: 2 };
const partitions: PartitionTotals = {
  total: 300,
  recent: [
    { path: 'dt=2026-01-01/hour=10', files: 12, records: 120_000, bytes: 4_800_000, lastCommitAt: '2026-01-01T11:00:05.000Z', successFile: true },
    { path: 'dt=2026-01-01/hour=11', files: 1, records: 17, bytes: 680, lastCommitAt: null, successFile: false },
  ],
};
const record = (extra: Partial<CheckpointRecord> = {}): CheckpointRecord => ({
  version: RECORD_VERSION, job: 'j', runner: 0, parallelism: 1, epoch: 1, id: 2, createdAt: new Date(0).toISOString(), jobUuid: 'u',
  partCounter: 2, source: { at: 2 }, pending: [], counters: { recordsIn: 2, records: 2, bytes: 0, files: 0, skipped: 0 },
  watermark: null, awaiting: [], finished: false, ...extra,
});

test('a record\'s partition figures survive encode and decode', () => {
  const r = record({ partitions });
  assert.deepEqual(decodeRecord(encodeRecord(r), 'f', who), r);
  const sketch = DistinctSketch.empty();
  for (let i = 0; i < 300; i++) sketch.add(`p=${i}`);
  const many = record({ partitions: { ...partitions, sketch: sketch.encode() } });
  assert.deepEqual(decodeRecord(encodeRecord(many), 'f', who), many);
});

test('records without partition figures (older ones, of both versions) still decode, with none', async () => {
  const older = record(); // no `partitions`, as before they were kept
  assert.equal(decodeRecord(encodeRecord(older), 'f', who).partitions, undefined);
  const v1 = Buffer.from(JSON.stringify({ ...older, version: 1 }));
  assert.equal(decodeRecord(v1, 'f', who).partitions, undefined);
  // the fixture of format version 1, as that Sluice wrote it
  const file = fileURLToPath(new URL('../../test/fixtures/checkpoint-v1/state/out/_sluice/checkpoints/v1/0/chk-0000000000000002-0000008980915727', import.meta.url));
  const fixture = decodeRecord(await readFile(file), file, { job: 'v1', runner: 0, epoch: 2, id: 8980915727 });
  assert.equal(fixture.version, 1);
  assert.equal(fixture.partitions, undefined);
});

test('a takeover record keeps the partition figures it takes over; an empty one has none', () => {
  const by = { job: 'j', runner: 0, parallelism: 1, epoch: 5, jobUuid: 'u', at: new Date(1).toISOString() };
  assert.deepEqual(takeoverRecord(record({ partitions }), by).partitions, partitions);
  assert.deepEqual(takeoverRecord(null, by).partitions, { total: 0, recent: [] });
});

test('partition figures of the wrong shape are damaged state, named', () => {
  const bad: unknown[] = [
    null, { total: -1, recent: [] }, { total: 1 }, { total: 1, recent: [{ path: 'p=1', files: 1, records: '3', bytes: 0, lastCommitAt: null, successFile: false }] },
    { total: 1, recent: [{ path: 'p=1', files: 1, records: 3, bytes: 0, lastCommitAt: 5, successFile: false }] },
    { total: 300, recent: [], sketch: 'AAAA' },
  ];
  for (const p of bad) {
    // sealed with a correct checksum: a broken writer, not a damaged disk
    const data = sealState({ kind: 'checkpoint-record', ...who }, { ...record(), partitions: p });
    assert.throws(() => decodeRecord(data, 'chk-p', who), (e: Error) => e instanceof DamagedStateError && /chk-p: its partitions are not \{total, recent/.test(e.message), JSON.stringify(p));
  }
});
