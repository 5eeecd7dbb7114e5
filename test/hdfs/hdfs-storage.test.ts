/**
 * HdfsStorage (the recoverable-writer Storage) against a real HDFS, through both spellings
 * of a path: `hdfs://<rpc>` mapped by `namenodes`, and `webhdfs://<http>` directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HdfsStorage } from '../../src/storage/hdfs/hdfs-storage.ts';
import type { HdfsPendingFile } from '../../src/storage/hdfs/hdfs-part-writer.ts';
import { WebHdfsClient } from '../../src/storage/hdfs/webhdfs-client.ts';
import { StorageError } from '../../src/storage/errors.ts';
import { freshDir, useHdfs } from './cluster.ts';

/** What a stat says of kind and size (its version fields, mtime and ETag, are checked where they matter). */
const kind = (st: { size: number; isDirectory: boolean } | null): { size: number; isDirectory: boolean } | null => (st === null ? null : { size: st.size, isDirectory: st.isDirectory });

const fixture = useHdfs();
const rpc = new URL(fixture.namenode).host; // 127.0.0.1:18020
const http = new URL(fixture.webhdfs).host; // 127.0.0.1:19870
const storage = (writeBufferBytes?: number): HdfsStorage =>
  new HdfsStorage({ namenodes: { [rpc]: fixture.webhdfs }, writeBufferBytes });
const raw = new WebHdfsClient({ baseUrl: fixture.webhdfs });
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString());

for (const scheme of ['hdfs', 'webhdfs'] as const) {
  const root = (label: string): string => `${scheme}://${scheme === 'hdfs' ? rpc : http}${freshDir(label)}`;

  test(`${scheme}://: open → write → closeForCommit leaves a hidden temp file; commit publishes it`, async () => {
    const s = storage();
    const dir = root('commit');
    const target = s.join(dir, 'pid=0', 'part-job-0-0');
    const w = await s.open(target);
    await w.write(Buffer.from('a,1\n'));
    await w.write(Buffer.from('b,2\n'));
    assert.equal(w.bytes, 8);
    const pending = (await w.closeForCommit()) as HdfsPendingFile;
    assert.equal(pending.target, target);
    assert.equal(pending.bytes, 8);
    assert.match(pending.temp, new RegExp(`^${dir}/pid=0/\\.part-job-0-0\\.inprogress\\.[0-9a-f-]{36}$`));
    assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending, 'plain JSON');
    assert.equal(await s.stat(target), null, 'invisible before commit');
    assert.deepEqual(kind(await s.stat(pending.temp)), { size: 8, isDirectory: false }, 'durable at closeForCommit');
    assert.equal(typeof (await s.stat(pending.temp))?.modifiedMs, 'number', 'FileStatus.modificationTime is the version the file source keeps');

    await s.commit(pending);
    assert.equal(text(await s.read(target)), 'a,1\nb,2\n');
    assert.equal(await s.stat(pending.temp), null);
    await assert.rejects(s.commit(pending), /pending file .* for .* is missing/, 'commit() is the strict path');
    await s.commitAfterRecovery(pending); // idempotent: already committed
    await s.commitAfterRecovery(pending);
    await s.close();
  });

  test(`${scheme}://: a part file bigger than the write buffer is CREATEd then APPENDed`, async () => {
    const s = storage(1000);
    const target = s.join(root('append'), 'part-0');
    const w = await s.open(target);
    const expected: Buffer[] = [];
    for (let i = 0; i < 7; i++) {
      const chunk = Buffer.alloc(600, 65 + i);
      expected.push(chunk);
      await w.write(chunk);
    }
    const pending = (await w.closeForCommit()) as HdfsPendingFile;
    assert.equal(pending.bytes, 4200);
    await s.commit(pending);
    assert.ok(Buffer.from((await s.read(target)) ?? []).equals(Buffer.concat(expected)));
  });
}

test('commitAfterRecovery: commits a pending file; a missing temp with a wrong-size or missing target fails', async () => {
  const s = storage();
  const dir = `webhdfs://${http}${freshDir('recovery')}`;
  const w = await s.open(`${dir}/part-1`);
  await w.write(Buffer.from('12345'));
  const pending = (await w.closeForCommit()) as HdfsPendingFile;
  await s.commitAfterRecovery(pending);
  assert.equal(text(await s.read(`${dir}/part-1`)), '12345');
  await s.commitAfterRecovery(pending);

  await assert.rejects(s.commitAfterRecovery({ ...pending, bytes: 4 }), (e: unknown) => {
    assert.ok(e instanceof StorageError);
    assert.match(e.message, /cannot recover .*part-1: neither its pending file .* nor a committed file of 4 bytes exists/);
    return true;
  });
  await assert.rejects(s.commitAfterRecovery({ ...pending, target: `${dir}/never` }), /cannot recover/);
});

test('a partial temp file (an interrupted CREATE) is detected and not committed', async () => {
  const s = storage();
  const dir = `hdfs://${rpc}${freshDir('partial')}`;
  const w = await s.open(`${dir}/part-2`);
  await w.write(Buffer.from('full record\n'));
  const pending = (await w.closeForCommit()) as HdfsPendingFile;
  // Simulate what a CREATE cut off mid-body leaves: a closed file holding fewer bytes.
  await raw.truncate(new URL(pending.temp.replace(/^hdfs:/, 'http:')).pathname, 0);
  await raw.append(new URL(pending.temp.replace(/^hdfs:/, 'http:')).pathname, Buffer.from('full'));
  for (const commit of [s.commit.bind(s), s.commitAfterRecovery.bind(s)]) {
    await assert.rejects(commit(pending), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.match(e.message, /pending file .*\.part-2\.inprogress\..* has 4 bytes, checkpoint recorded 12 for .*part-2: an interrupted write left it partial/);
      return true;
    });
  }
  assert.equal(await s.stat(`${dir}/part-2`), null, 'nothing published');
});

test('commit refuses to replace an existing target (RENAME answered false)', async () => {
  const s = storage();
  const dir = `webhdfs://${http}${freshDir('clash')}`;
  await s.put(`${dir}/part-3`, Buffer.from('someone else'));
  const w = await s.open(`${dir}/part-3`);
  await w.write(Buffer.from('mine'));
  const pending = await w.closeForCommit();
  await assert.rejects(s.commit(pending), /RENAME .*part-3\.inprogress.* → .*part-3 was refused by HDFS \(answer false\): the target already exists with 12 bytes/);
  assert.equal(text(await s.read(`${dir}/part-3`)), 'someone else');
});

test('abort and abortPending remove temp files; listUncommitted finds hidden in-progress files recursively', async () => {
  const s = storage();
  const dir = `hdfs://${rpc}${freshDir('orphans')}`;
  const a = await s.open(`${dir}/k=1/part-a-0`);
  await a.write(Buffer.from('aa'));
  const pa = (await a.closeForCommit()) as HdfsPendingFile;
  const b = await s.open(`${dir}/k=2/sub/part-a-1`);
  await b.write(Buffer.from('bbb'));
  const pb = (await b.closeForCommit()) as HdfsPendingFile;
  const other = await s.open(`${dir}/k=1/part-other-0`);
  await other.write(Buffer.from('o'));
  await other.closeForCommit();
  const state = await s.open(`${dir}/_sluice/part-a-9`); // state dirs are not walked
  await state.write(Buffer.from('s'));
  await state.closeForCommit();

  const found = (await s.listUncommitted(dir, 'part-a-')) as HdfsPendingFile[];
  found.sort((x, y) => x.target.localeCompare(y.target));
  assert.deepEqual(found, [
    { target: `${dir}/k=1/part-a-0`, temp: pa.temp, bytes: 2 },
    { target: `${dir}/k=2/sub/part-a-1`, temp: pb.temp, bytes: 3 },
  ]);
  for (const p of found) await s.abortPending(p);
  await s.abortPending(pa); // already gone: fine
  assert.deepEqual(await s.listUncommitted(dir, 'part-a-'), []);
  assert.deepEqual(await s.listUncommitted(`${dir}/missing`, 'part-'), []);

  const c = await s.open(`${dir}/part-c`);
  await c.write(Buffer.from('x'));
  await c.abort(); // nothing created yet (buffered): nothing to delete
  const big = await (storage(1)).open(`${dir}/part-d`);
  await big.write(Buffer.from('xy')); // over the 1-byte buffer: CREATEd now
  await big.abort();
  assert.deepEqual(await s.listUncommitted(dir, 'part-'), (await s.listUncommitted(dir, 'part-other')));
});

test('createIfAbsent: exactly one of 8 concurrent callers wins, the record is the winner\'s, no temp files stay', async () => {
  const s = storage();
  const path = `hdfs://${rpc}${freshDir('claim')}/_sluice/epoch-1`;
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.createIfAbsent(path, Buffer.from(`{"owner":${i}}`))));
  assert.equal(results.filter((r) => r).length, 1, JSON.stringify(results));
  const winner = results.indexOf(true);
  assert.equal(text(await s.read(path)), `{"owner":${winner}}`);
  assert.equal(await s.createIfAbsent(path, Buffer.from('late')), false);
  const dirList = await s.list(s.join(path, '..'));
  assert.deepEqual(dirList.map((e) => e.name), ['epoch-1'], 'no temp files left behind');
});

test('put replaces; read/stat/delete of absent paths; list of files and directories', async () => {
  const s = storage();
  const dir = `webhdfs://${http}${freshDir('misc')}`;
  await s.put(`${dir}/_SUCCESS`, Buffer.from(''));
  await s.put(`${dir}/_SUCCESS`, Buffer.from('v2'));
  assert.equal(text(await s.read(`${dir}/_SUCCESS`)), 'v2');
  await s.put(`${dir}/pid=1/x`, Buffer.from('123'));
  const listed = await s.list(dir);
  assert.deepEqual(listed.map(({ name, path, isDirectory, size }) => ({ name, path, isDirectory, size })), [
    { name: '_SUCCESS', path: `${dir}/_SUCCESS`, isDirectory: false, size: 2 },
    { name: 'pid=1', path: `${dir}/pid=1`, isDirectory: true, size: 0 },
  ]);
  assert.ok(listed.every((e) => typeof e.modifiedMs === 'number'), 'LISTSTATUS carries each FileStatus.modificationTime');
  assert.deepEqual(await s.list(`${dir}/_SUCCESS`), [], 'a file has no children');
  assert.deepEqual(await s.list(`${dir}/missing`), []);
  assert.equal(await s.read(`${dir}/missing`), null);
  assert.equal(await s.stat(`${dir}/missing`), null);
  assert.deepEqual(kind(await s.stat(`${dir}/pid=1`)), { size: 0, isDirectory: true });
  await s.delete(`${dir}/pid=1/x`);
  await s.delete(`${dir}/pid=1/x`); // absent: fine
  assert.equal(await s.stat(`${dir}/pid=1/x`), null);
});

test('readStream streams from an offset; Hive-escaped names round-trip', async () => {
  const s = storage();
  const file = `hdfs://${rpc}${freshDir('stream')}/k=a%3Ab%2Fc/part-0`;
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
  await s.put(file, data);
  const chunks: Buffer[] = [];
  for await (const c of s.readStream(file, 100)) chunks.push(Buffer.from(c));
  assert.ok(Buffer.concat(chunks).equals(data.subarray(100)));
  const parent = await s.list(s.join(file, '..', '..'));
  assert.deepEqual(parent.map((e) => e.name), ['k=a%3Ab%2Fc']);
  await assert.rejects(async () => {
    for await (const _ of s.readStream(`${file}-missing`)) assert.fail('no bytes expected');
  }, /WebHDFS OPEN .*part-0-missing: FileNotFoundException/);
});

test('join keeps scheme and authority; unmapped hdfs:// authorities are refused naming the field', async () => {
  const s = storage();
  assert.equal(s.join(`hdfs://${rpc}/a`, 'b', 'c'), `hdfs://${rpc}/a/b/c`);
  assert.equal(s.join(`webhdfs://${http}`, 'x'), `webhdfs://${http}/x`);
  await assert.rejects(s.stat('hdfs://elsewhere:8020/x'), /add "elsewhere:8020": .* to spec\.storage\.hdfs\.namenodes/);
  assert.deepEqual(s.capabilities, { atomicRename: true, hiddenTempFiles: true, concurrency: 16 });
});
