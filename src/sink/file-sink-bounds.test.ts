/**
 * The sink's two bounds (file-sink.ts header): open part files (maxOpenFiles, least recently
 * written rolled first) and memory (memoryBudget: the part files' buffers plus what their
 * storage writers hold). A storage wrapper counts open writers and lets a test say how much
 * each writer holds, as an HDFS or OSS writer would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../storage/local/local-storage.ts';
import type { PartWriter, PendingFile } from '../storage/types.ts';
import { createEncoder } from '../formats/index.ts';
import { FileSink } from './file-sink.ts';
import type { FileSinkOptions, PendingPart } from './file-sink.ts';

/** LocalStorage whose writers are counted, and whose writers hold what they were given until closed (`holding`). */
class CountingStorage extends LocalStorage {
  open_ = 0;
  peakOpen = 0;
  opened: string[] = [];
  holding = false;

  override async open(target: string): Promise<PartWriter> {
    const inner = await super.open(target);
    this.open_++;
    this.peakOpen = Math.max(this.peakOpen, this.open_);
    this.opened.push(path.basename(path.dirname(target)));
    let held = 0;
    const count = { dec: () => this.open_--, holding: () => this.holding };
    return {
      get bytes() { return inner.bytes; },
      get bufferedBytes() { return held; },
      async write(chunk: Uint8Array) {
        if (count.holding()) held += chunk.length;
        await inner.write(chunk);
      },
      async closeForCommit(): Promise<PendingFile> {
        const f = await inner.closeForCommit();
        held = 0;
        count.dec();
        return f;
      },
      async abort() {
        count.dec();
        await inner.abort();
      },
    };
  }
}

async function sink(over: Partial<FileSinkOptions> = {}): Promise<{ s: FileSink; root: string; clock: { now: number }; storage: CountingStorage }> {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-bounds-'));
  const clock = { now: 1000 };
  const storage = new CountingStorage();
  const schema = [{ name: 'uid', type: 'INT' }, { name: 'pid', type: 'INT' }];
  const s = new FileSink({
    storage, root, partitionKeys: ['pid'], partitionIndexes: [1],
    encoder: createEncoder({ type: 'csv' }, schema, [0]),
    rolling: { fileSize: 1 << 30, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 },
    namePrefix: 'part-u-0-', suffix: '', counter: 0, clock: () => clock.now, ...over,
  });
  return { s, root, clock, storage };
}

/** Every row's uid, read back from the published files (each file's rows in order). */
async function published(storage: LocalStorage, pending: PendingPart[]): Promise<number[]> {
  const uids: number[] = [];
  for (const p of pending) {
    await storage.commit(p.file);
    uids.push(...(await readFile(p.file.target, 'utf8')).trimEnd().split('\n').map(Number));
  }
  return uids.sort((a, b) => a - b);
}

test('maxOpenFiles: never more writers open than the bound, every row lands once', async () => {
  const { s, storage } = await sink({ maxOpenFiles: 4, flushThreshold: 64, closeConcurrency: 8 });
  const rows = Array.from({ length: 4000 }, (_, i) => [i, i % 50]);
  for (let i = 0; i < rows.length; i += 100) {
    s.writeBatch(rows.slice(i, i + 100), 100);
    await s.flush();
    assert.ok(s.openFiles <= 4, `${s.openFiles} open`);
  }
  const { pending } = await s.snapshotState();
  assert.ok(storage.peakOpen <= 4, `peak ${storage.peakOpen} writers open`);
  assert.equal(storage.open_, 0, 'every writer closed by the checkpoint');
  assert.ok(s.forcedRolls.openFiles > 0, 'the bound forced rolls');
  assert.deepEqual(await published(storage, pending), rows.map((r) => r[0]));
});

test('maxOpenFiles: the least recently written open file rolls first', async () => {
  const { s, storage, clock } = await sink({ maxOpenFiles: 2, flushThreshold: 8 });
  const batch = async (pid: number, uid: number): Promise<void> => {
    clock.now += 10;
    s.writeBatch([[uid, pid], [uid + 1, pid], [uid + 2, pid]], 3); // 3 lines > 8 bytes: written out
    await s.flush();
  };
  await batch(0, 100); // opens pid=0
  await batch(1, 200); // opens pid=1
  await batch(0, 110); // pid=0 written again: pid=1 is now the least recently written
  await batch(2, 300); // needs a slot: pid=1 rolls, not pid=0
  const { pending } = await s.snapshotState();
  const files = pending.map((p) => [p.partition, p.records]).sort();
  assert.deepEqual(files, [['pid=0', 6], ['pid=1', 3], ['pid=2', 3]], 'pid=0 kept its one file');
  assert.equal(s.forcedRolls.openFiles, 1);
  assert.deepEqual(storage.opened, ['pid=0', 'pid=1', 'pid=2']);
});

test('memory: the buffers count chunk capacity and unencoded text, and stay under the budget', async () => {
  const budget = 256 << 10;
  const { s, storage } = await sink({ memoryBudget: budget, maxOpenFiles: 1000 });
  const rows = Array.from({ length: 200_000 }, (_, i) => [i, i % 500]);
  for (let i = 0; i < rows.length; i += 5000) {
    s.writeBatch(rows.slice(i, i + 5000), 5000);
    assert.ok(s.bufferedBytes > 0);
    await s.flush();
    assert.ok(s.bufferedBytes + s.writerBytes <= budget, `${s.bufferedBytes} + ${s.writerBytes} held after a flush`);
  }
  const { pending } = await s.snapshotState();
  assert.equal(s.bufferedBytes, 0, 'nothing held once every file closed');
  assert.deepEqual(await published(storage, pending), rows.map((r) => r[0]));
});

test('memory: when the writers hold more than the budget, the least recently written files roll', async () => {
  const budget = 64 << 10;
  const { s, storage, clock } = await sink({ memoryBudget: budget, flushThreshold: 4 << 10, maxOpenFiles: 100 });
  storage.holding = true; // like an HDFS writer: bytes held until the file closes
  const rows: number[][] = [];
  for (let b = 0; b < 60; b++) {
    clock.now += 10;
    const batch = Array.from({ length: 1000 }, (_, i) => [b * 1000 + i, b % 6]);
    rows.push(...batch);
    s.writeBatch(batch, batch.length);
    await s.flush();
    assert.ok(s.bufferedBytes + s.writerBytes <= budget, `${s.bufferedBytes} + ${s.writerBytes} held after batch ${b}`);
  }
  assert.ok(s.forcedRolls.memory > 0, 'writers\' memory forced rolls');
  const { pending } = await s.snapshotState();
  assert.ok(pending.length > 6, `${pending.length} files: more than one per partition`);
  assert.deepEqual(await published(storage, pending), rows.map((r) => r[0]));
});

test('a checkpoint of more partitions than maxOpenFiles closes them all within the bound', async () => {
  const { s, storage } = await sink({ maxOpenFiles: 3, closeConcurrency: 16 });
  const rows = Array.from({ length: 600 }, (_, i) => [i, i % 200]);
  s.writeBatch(rows, rows.length); // all buffered: no writer open yet
  assert.equal(storage.peakOpen, 0);
  const { pending, activity } = await s.snapshotState();
  assert.equal(pending.length, 200);
  assert.equal(activity.size, 200);
  assert.ok(storage.peakOpen <= 3, `peak ${storage.peakOpen}`);
  assert.deepEqual(await published(storage, pending), rows.map((r) => r[0]));
});
