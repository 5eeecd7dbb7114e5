/**
 * WebHdfsClient against a real HDFS (MiniDFSCluster): every operation, the booleans, the
 * RemoteException classes, DataNode redirects to 127.0.0.1, paging, streaming reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebHdfsClient } from '../../src/storage/hdfs/webhdfs-client.ts';
import { WebHdfsError } from '../../src/storage/hdfs/webhdfs-error.ts';
import { eventually, freshDir, useHdfs } from './cluster.ts';

const fixture = useHdfs();
const client = (user = 'sluice'): WebHdfsClient => new WebHdfsClient({ baseUrl: fixture.webhdfs, user });

function remoteClass(name: string, javaClassName?: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof WebHdfsError, `expected WebHdfsError, got ${String(e)}`);
    assert.equal(e.exception, name);
    if (javaClassName !== undefined) assert.equal(e.javaClassName, javaClassName);
    assert.equal(e.retriable, false);
    return true;
  };
}

test('CREATE (create-if-absent by default), APPEND, OPEN with offset and length, GETFILESTATUS', async () => {
  const c = client('alice');
  const f = `${freshDir('client-data')}/sub/f.txt`;
  await c.create(f, Buffer.from('hello '));
  await c.append(f, Buffer.from('world'));
  assert.equal(Buffer.from(await c.readAll(f)).toString(), 'hello world');
  const parts: string[] = [];
  for await (const chunk of c.open(f, { offset: 6, length: 3 })) parts.push(Buffer.from(chunk).toString());
  assert.equal(parts.join(''), 'wor');
  const st = await c.getFileStatus(f);
  assert.equal(st.type, 'FILE');
  assert.equal(st.length, 11);
  assert.equal(st.owner, 'alice', 'user.name is the owner');
  await assert.rejects(c.create(f, Buffer.from('again')), remoteClass('FileAlreadyExistsException', 'org.apache.hadoop.fs.FileAlreadyExistsException'));
  await c.create(f, Buffer.from('replaced'), { overwrite: true });
  assert.equal(Buffer.from(await c.readAll(f)).toString(), 'replaced');
});

test('RemoteException classes are kept: FileNotFoundException, PathIsNotEmptyDirectoryException, ParentNotDirectoryException', async () => {
  const c = client();
  const dir = freshDir('client-errors');
  await assert.rejects(c.getFileStatus(`${dir}/nope`), remoteClass('FileNotFoundException', 'java.io.FileNotFoundException'));
  await assert.rejects(c.readAll(`${dir}/nope`), remoteClass('FileNotFoundException'));
  await assert.rejects(c.append(`${dir}/nope`, Buffer.from('x')), remoteClass('FileNotFoundException'));
  await c.create(`${dir}/d/f`, Buffer.from('x'));
  await assert.rejects(c.delete(`${dir}/d`), remoteClass('PathIsNotEmptyDirectoryException'));
  await assert.rejects(c.create(`${dir}/d/f/child`, Buffer.from('x')), remoteClass('ParentNotDirectoryException'));
  assert.equal(await c.statOrNull(`${dir}/nope`), null);
});

test('RENAME, DELETE, MKDIRS return the server boolean', async () => {
  const c = client();
  const dir = freshDir('client-bool');
  assert.equal(await c.mkdirs(`${dir}/a/b`), true);
  assert.equal(await c.mkdirs(`${dir}/a/b`), true, 'MKDIRS of an existing dir is true');
  await c.create(`${dir}/src`, Buffer.from('s'));
  await c.create(`${dir}/dst`, Buffer.from('d'));
  assert.equal(await c.rename(`${dir}/missing`, `${dir}/x`), false, 'missing source');
  assert.equal(await c.rename(`${dir}/src`, `${dir}/dst`), false, 'existing destination file');
  assert.equal(await c.rename(`${dir}/src`, `${dir}/moved`), true);
  assert.equal(Buffer.from(await c.readAll(`${dir}/moved`)).toString(), 's');
  assert.equal(await c.delete(`${dir}/moved`), true);
  assert.equal(await c.delete(`${dir}/moved`), false, 'already gone');
  assert.equal(await c.delete(`${dir}/a`, { recursive: true }), true);
});

test('CREATE overwrite=false race: of 6 concurrent creators exactly one wins, the rest see it exists', async () => {
  const c = client();
  const f = `${freshDir('client-race')}/claim`;
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => c.create(f, Buffer.from(`writer-${i}`))));
  const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  for (const r of results) {
    if (r.status === 'rejected') {
      assert.ok(r.reason instanceof WebHdfsError);
      // The loser sees the file either closed or still being written by the winner.
      assert.ok(['FileAlreadyExistsException', 'AlreadyBeingCreatedException'].includes(r.reason.exception), r.reason.message);
    }
  }
  assert.equal(Buffer.from(await c.readAll(f)).toString(), `writer-${won[0]}`);
});

test('LISTSTATUS and LISTSTATUS_BATCH page through a directory bigger than dfs.ls.limit (100)', async () => {
  const c = client();
  const dir = freshDir('client-list');
  const names = Array.from({ length: 230 }, (_, i) => `d${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map((n) => c.mkdirs(`${dir}/${n}`)));
  const pages: number[] = [];
  const seen: string[] = [];
  for await (const page of c.listStatusBatches(dir)) {
    pages.push(page.length);
    seen.push(...page.map((s) => s.pathSuffix));
  }
  assert.deepEqual(seen, names);
  assert.deepEqual(pages, [100, 100, 30]);
  assert.deepEqual((await c.listStatus(dir)).map((s) => s.pathSuffix), names);
});

test('OPEN streams a large file in bounded chunks and can stop early', async () => {
  const c = client();
  const f = `${freshDir('client-stream')}/big`;
  const size = 24 << 20;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) data.writeUInt32BE(i, i);
  await c.create(f, data);
  let total = 0;
  let largest = 0;
  let mismatch = -1;
  for await (const chunk of c.open(f, { offset: 4096 })) {
    for (let i = 0; i < chunk.length && mismatch < 0; i++) if (chunk[i] !== data[4096 + total + i]) mismatch = total + i;
    total += chunk.length;
    largest = Math.max(largest, chunk.length);
  }
  assert.equal(mismatch, -1);
  assert.equal(total, size - 4096);
  assert.ok(largest <= 1 << 20, `chunks are small (largest ${largest} bytes), not the whole file`);

  let first = 0;
  for await (const chunk of c.open(f)) {
    first = chunk.length;
    break; // stop early: the request is aborted, nothing else is read
  }
  assert.ok(first > 0 && first < size);
  // The DataNode is still fine after the aborted read.
  await eventually('file still readable after an aborted read', 10_000, async () => (await c.getFileStatus(f)).length === size);
});

test('TRUNCATE cuts a file (true: done at once on a block boundary)', async () => {
  const c = client();
  const f = `${freshDir('client-truncate')}/t`;
  await c.create(f, Buffer.from('0123456789'));
  assert.equal(await c.truncate(f, 0), true);
  assert.equal((await c.getFileStatus(f)).length, 0);
});
