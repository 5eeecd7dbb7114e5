import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mountTmpfs } from '../../test/helpers/tmpfs.ts';
import { StorageError } from './errors.ts';
import { LocalStorage } from './local/local-storage.ts';
import { describeOsError, findOsError, isOsError, storageErrorFrom, type OsError } from './os-error.ts';

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

test('errors Node raises become one line with the path and the cause in words', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-os-error-'));
  try {
    const long = path.join(dir, 'x'.repeat(300));
    const tooLong = await caught(mkdir(long));
    assert.ok(isOsError(tooLong));
    assert.equal(describeOsError(tooLong), `cannot create directory ${long}: name too long (ENAMETOOLONG)`);

    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const { port } = free.address() as net.AddressInfo;
    await new Promise((r) => free.close(r));
    const refused = await new Promise<unknown>((resolve) => net.connect(port, '127.0.0.1').on('error', resolve));
    assert.ok(isOsError(refused));
    assert.equal(describeOsError(refused), `cannot connect to 127.0.0.1:${port}: connection refused (nothing listens there) (ECONNREFUSED)`);

    // The suite runs as root, which no permission bit stops, so EACCES has the shape Node gives it.
    const denied = Object.assign(new Error(`EACCES: permission denied, open '${dir}/f'`), { code: 'EACCES', errno: -13, syscall: 'open', path: `${dir}/f` });
    assert.equal(describeOsError(denied), `cannot open ${dir}/f: permission denied (EACCES)`);
    // a write to a file handle names no path: the caller's path stands in
    const noPath = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }) as OsError;
    assert.equal(describeOsError(noPath, '/data/.part-0.inprogress.1'), 'cannot write /data/.part-0.inprogress.1: no space left on device (ENOSPC)');

    const wrapped = storageErrorFrom(tooLong, 'ignored: the error names its path');
    assert.ok(wrapped instanceof StorageError);
    assert.equal(wrapped.message, `cannot create directory ${long}: name too long (ENAMETOOLONG)`);
    assert.equal(wrapped.retriable, false);
    assert.equal((storageErrorFrom(refused) as StorageError).retriable, true);
    assert.equal(findOsError(new Error('outer', { cause: new Error('mid', { cause: refused }) })), refused);
    assert.equal(storageErrorFrom(new TypeError('not an OS error')) instanceof StorageError, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('local storage on a real read-only and a real full file system names the path and the cause', async () => {
  const fsys = await mountTmpfs(256 << 10);
  try {
    const s = new LocalStorage();
    // full: 256 KiB of room, 1 MiB of data
    const w = await s.open(path.join(fsys.dir, 'full', 'part-0'));
    const e = await caught((async () => {
      for (let i = 0; i < 16; i++) await w.write(Buffer.alloc(64 << 10, 97));
    })());
    assert.ok(e instanceof StorageError, String(e));
    assert.match(e.message, new RegExp(`^cannot write ${fsys.dir}/full/\\.part-0\\.inprogress\\.[0-9a-f-]+: no space left on device \\(ENOSPC\\)$`));
    await w.abort();

    await fsys.readOnly();
    // Node's recursive mkdir says ENOENT here; the real cause is found and named
    const ro = await caught(s.open(path.join(fsys.dir, 'dt=2024-01-01', 'hour=1', 'part-1')));
    assert.ok(ro instanceof StorageError, String(ro));
    assert.equal(ro.message, `cannot create directory ${fsys.dir}/dt=2024-01-01: read-only file system (EROFS)`);
    const put = await caught(s.put(path.join(fsys.dir, '_SUCCESS'), Buffer.alloc(0)));
    assert.ok(put instanceof StorageError);
    assert.equal(put.message, `cannot open ${fsys.dir}/_SUCCESS: read-only file system (EROFS)`);
  } finally {
    await fsys.unmount();
  }
});
