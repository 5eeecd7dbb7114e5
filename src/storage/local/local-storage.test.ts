import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from './local-storage.ts';

const tmp = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'sluice-local-'));

test('part file is invisible until committed, then appears whole', async () => {
  const dir = await tmp();
  const s = new LocalStorage();
  const w = await s.open(path.join(dir, 'p=1', 'part-x-0-0'));
  await w.write(Buffer.from('a\n'));
  await w.write(Buffer.from('b\n'));
  const pending = await w.closeForCommit();
  assert.equal(pending.bytes, 4);
  assert.deepEqual((await readdir(path.join(dir, 'p=1'))).filter((n) => !n.startsWith('.')), []);
  await s.commit(pending);
  assert.equal(await readFile(path.join(dir, 'p=1', 'part-x-0-0'), 'utf8'), 'a\nb\n');
  assert.deepEqual(await readdir(path.join(dir, 'p=1')), ['part-x-0-0']);
});

test('commitAfterRecovery is idempotent and refuses a lost file', async () => {
  const dir = await tmp();
  const s = new LocalStorage();
  const w = await s.open(path.join(dir, 'f'));
  await w.write(Buffer.from('xyz'));
  const p = await w.closeForCommit();
  await s.commitAfterRecovery(p);
  await s.commitAfterRecovery(p);
  assert.equal(await readFile(path.join(dir, 'f'), 'utf8'), 'xyz');
  await assert.rejects(s.commitAfterRecovery({ ...p, target: path.join(dir, 'missing'), temp: path.join(dir, '.nope') }), /cannot recover/);
  // a committed file of the wrong length is not taken for ours
  await writeFile(path.join(dir, 'g'), 'short');
  await assert.rejects(s.commitAfterRecovery({ target: path.join(dir, 'g'), temp: path.join(dir, '.gone'), bytes: 99 }), /cannot recover/);
});

test('commit checks the recorded length', async () => {
  const dir = await tmp();
  const s = new LocalStorage();
  const w = await s.open(path.join(dir, 'f'));
  await w.write(Buffer.from('12345'));
  const p = await w.closeForCommit();
  await assert.rejects(s.commit({ ...p, bytes: 3 }), /has 5 bytes, checkpoint recorded 3/);
});

test('listUncommitted finds hidden in-progress files by name prefix, recursively; abortPending removes them', async () => {
  const dir = await tmp();
  const s = new LocalStorage();
  await (await s.open(path.join(dir, 'a=1', 'part-u-0-1'))).write(Buffer.from('x'));
  await (await s.open(path.join(dir, 'a=2', 'b=3', 'part-u-0-2'))).closeForCommit();
  await (await s.open(path.join(dir, 'a=2', 'part-u-1-9'))).closeForCommit();
  const found = await s.listUncommitted(dir, 'part-u-0-');
  assert.deepEqual(found.map((f) => path.relative(dir, f.target)).sort(), ['a=1/part-u-0-1', 'a=2/b=3/part-u-0-2']);
  for (const f of found) await s.abortPending(f);
  assert.deepEqual(await s.listUncommitted(dir, 'part-u-0-'), []);
  assert.equal((await s.listUncommitted(dir, 'part-u-1-')).length, 1);
});

test('createIfAbsent: exactly one of many concurrent writers wins', async () => {
  const dir = await tmp();
  const s = new LocalStorage();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.createIfAbsent(path.join(dir, 'claim'), Buffer.from(String(i)))));
  assert.equal(results.filter(Boolean).length, 1);
  const winner = results.indexOf(true);
  assert.equal(await readFile(path.join(dir, 'claim'), 'utf8'), String(winner));
  assert.deepEqual(await readdir(dir), ['claim']);
});

test('list, read, stat, put, delete, readStream from an offset', async () => {
  const dir = await tmp();
  const s = new LocalStorage();
  await s.put(s.join(dir, 'sub', 'x'), Buffer.from('hello world'));
  await s.put(s.join(dir, 'sub', 'x'), Buffer.from('hello again'));
  assert.equal(Buffer.from((await s.read(s.join(dir, 'sub', 'x')))!).toString(), 'hello again');
  assert.equal(await s.read(s.join(dir, 'nope')), null);
  assert.deepEqual((await s.list(dir)).map((e) => [e.name, e.isDirectory]), [['sub', true]]);
  const st = await s.stat(s.join(dir, 'sub', 'x'));
  assert.deepEqual({ size: st?.size, isDirectory: st?.isDirectory }, { size: 11, isDirectory: false });
  assert.ok(typeof st?.modifiedMs === 'number' && Math.abs(st.modifiedMs - Date.now()) < 60_000, `modifiedMs is the file's mtime: ${st?.modifiedMs}`);
  const chunks: Buffer[] = [];
  for await (const c of s.readStream(s.join(dir, 'sub', 'x'), 6)) chunks.push(Buffer.from(c));
  assert.equal(Buffer.concat(chunks).toString(), 'again');
  await s.delete(s.join(dir, 'sub', 'x'));
  assert.equal(await s.stat(s.join(dir, 'sub', 'x')), null);
  assert.deepEqual(await s.list(s.join(dir, 'missing')), []);
});

test('put of an empty file (a success file) writes in place: no hidden temp file, even over an old one', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-put-'));
  try {
    const s = new LocalStorage();
    const f = s.join(dir, 'p=1', '_SUCCESS');
    await s.put(f, Buffer.from('old'));
    await s.put(f, new Uint8Array(0));
    assert.equal((await s.read(f))?.length, 0);
    assert.deepEqual(await readdir(path.join(dir, 'p=1')), ['_SUCCESS']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
