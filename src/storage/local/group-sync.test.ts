import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { GroupSync } from './group-sync.ts';

async function openFiles(n: number): Promise<{ dir: string; files: Array<{ path: string; handle: fs.FileHandle }> }> {
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'group-sync-'));
  const files = [];
  for (let i = 0; i < n; i++) {
    const p = path.join(dir, `f${i}`);
    const handle = await fs.open(p, 'wx');
    await handle.write(Buffer.from(`file ${i}\n`));
    files.push({ path: p, handle });
  }
  return { dir, files };
}

test('requests that arrive while a sync runs share the next one: one syncfs for the batch', async (t) => {
  const calls: string[] = [];
  const { dir, files } = await openFiles(21);
  t.after(async () => {
    for (const f of files) await f.handle.close().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });
  const sync = new GroupSync({ minBatch: 8, syncfs: async (p) => (calls.push(p), true) });
  await Promise.all(files.map((f) => sync.file(f.handle, f.path)));
  // the first request found nothing running and went alone; the other 20 waited for it and became one batch
  assert.deepEqual(sync.stats, { syncfs: 1, single: 1 });
  assert.equal(calls.length, 1);
});

test('a small batch, or a syncfs that cannot run, falls back to an fsync per request', async (t) => {
  const { dir, files } = await openFiles(12);
  t.after(async () => {
    for (const f of files) await f.handle.close().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });
  const refused = new GroupSync({ minBatch: 4, syncfs: async () => false });
  await Promise.all(files.map((f) => refused.file(f.handle, f.path)));
  assert.deepEqual(refused.stats, { syncfs: 0, single: 12 });
  const small = new GroupSync({ minBatch: 100, syncfs: async () => assert.fail('not for a small batch') });
  await Promise.all([small.dir(dir, (await fs.stat(dir)).dev), ...files.slice(0, 3).map((f) => small.file(f.handle, f.path))]);
  assert.deepEqual(small.stats, { syncfs: 0, single: 4 });
});

test('a request that cannot be synced fails, in a batch as alone; the others still succeed', async (t) => {
  const { dir, files } = await openFiles(10);
  t.after(async () => {
    for (const f of files) await f.handle.close().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });
  await files[5]!.handle.close(); // its fd is gone: fstat/fsync fail with EBADF
  const sync = new GroupSync({ minBatch: 2, syncfs: async () => true });
  const results = await Promise.allSettled(files.map((f) => sync.file(f.handle, f.path)));
  assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
  assert.equal(results[5]!.status, 'rejected');
  const missing = await sync.dir(path.join(dir, 'no-such-dir'), 0).then(() => 'synced', (e: NodeJS.ErrnoException) => e.code);
  assert.equal(missing, 'ENOENT');
});

test('a directory is covered by the syncfs only on a journaled file system and on its device: others are fsynced', async (t) => {
  const { dir, files } = await openFiles(1);
  t.after(async () => {
    for (const f of files) await f.handle.close().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });
  const dirs: string[] = [];
  for (let i = 0; i < 10; i++) {
    dirs.push(path.join(dir, `d${i}`));
    await fs.mkdir(dirs[i]!);
  }
  const { dev } = await fs.stat(dir);
  const journaled = [0xef53, 0x58465342, 0x9123683e].includes((await fs.statfs(dir)).type);
  const sync = new GroupSync({ minBatch: 4, syncfs: async () => true });
  // one request first (alone), then a batch: 8 directories on the device, 1 said to be on another
  await Promise.all([sync.file(files[0]!.handle, files[0]!.path), ...dirs.slice(0, 8).map((d) => sync.dir(d, dev)), sync.dir(dirs[8]!, dev + 1)]);
  assert.equal(sync.stats.syncfs, 1);
  assert.equal(sync.stats.single, 1 + (journaled ? 1 : 9));
});
