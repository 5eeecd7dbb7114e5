import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OssStorage, OssStorageError, createOssStorage } from '../../src/storage/oss/index.ts';
import type { OssPendingFile } from '../../src/storage/oss/index.ts';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET, bytes, startTestEmulator } from '../oss-emulator/test-helpers.ts';
import type { TestEmulator } from '../oss-emulator/test-helpers.ts';

/** What a stat says of kind and size (its version fields, mtime and ETag, are checked where they matter). */
const kind = (st: { size: number; isDirectory: boolean } | null): { size: number; isDirectory: boolean } | null => (st === null ? null : { size: st.size, isDirectory: st.isDirectory });

const KB = 1024;
const root = `oss://${TEST_BUCKET}/out`;

function storageFor(t: TestEmulator, extra: { v4?: boolean; secret?: string; readChunkSize?: number; partSize?: number } = {}): OssStorage {
  return new OssStorage({
    endpoint: t.emulator.endpoint,
    region: t.emulator.region,
    pathStyle: true,
    signatureVersion: extra.v4 ? 'v4' : 'v1',
    keys: { accessKeyId: TEST_KEY_ID, accessKeySecret: extra.secret ?? TEST_KEY_SECRET },
    partSize: extra.partSize ?? 100 * KB,
    readChunkSize: extra.readChunkSize ?? 64 * KB,
    timeoutMs: 2000,
    retry: { attempts: 5, initialDelayMs: 5, maxDelayMs: 20 },
  });
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of it) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Write `data` in uneven chunks, as a sink flushing buffers would. */
async function writeFile(s: OssStorage, target: string, data: Buffer): Promise<OssPendingFile> {
  const w = await s.open(target);
  for (let pos = 0, step = 1; pos < data.length; pos += step, step = (step * 7 + 13) % (90 * KB) + 1) {
    await w.write(data.subarray(pos, Math.min(data.length, pos + step)));
  }
  assert.equal(w.bytes, data.length);
  return await w.closeForCommit() as OssPendingFile;
}

describe('OssStorage on the emulator', () => {
  let t: TestEmulator;
  let s: OssStorage;
  before(async () => {
    t = await startTestEmulator();
    s = storageFor(t);
  });
  beforeEach(() => t.emulator.faults.clear());
  after(() => t.dispose());

  it('multipart part file: parts uploaded as data accumulates, invisible until commit, exact bytes after', async () => {
    const data = bytes(350 * KB + 17, 11);
    const target = `${root}/p=1/part-a-0-0`;
    const pending = await writeFile(s, target, data);
    assert.equal(pending.bytes, data.length);
    assert.deepEqual(pending.parts.map((p) => p.number), [1, 2, 3, 4]);
    assert.match(pending.token, /^[0-9a-f]{32}$/);
    assert.equal(await s.stat(target), null);
    const json = JSON.parse(JSON.stringify(pending)) as OssPendingFile;
    await s.commit(json);
    assert.deepEqual(kind(await s.stat(target)), { size: data.length, isDirectory: false });
    assert.match((await s.stat(target))?.etag ?? '', /\S/, 'the ETag is the version the file source keeps');
    assert.ok(data.equals(await collect(s.readStream(target))));
    assert.ok(data.subarray(200 * KB).equals(await collect(s.readStream(target, 200 * KB))));
    assert.ok(data.equals(Buffer.from((await s.read(target))!)));
  });

  it('parts of 1 MiB and more (hashed off the main thread, in reused buffers): concurrent files stay exact', async () => {
    // Parts this big go to the Content-MD5 worker and their buffers are reused from part to part
    // and file to file; the emulator checks every Content-MD5, and the bytes are compared after.
    const big = storageFor(t, { partSize: 1024 * KB });
    const files = [bytes(2560 * KB + 3, 21), bytes(3 * 1024 * KB + 5, 22), bytes(1024 * KB, 23), bytes(1500 * KB, 24)];
    const targets = files.map((_, i) => `${root}/big/part-m-0-${i}`);
    const pending = await Promise.all(files.map((d, i) => writeFile(big, targets[i]!, d)));
    assert.deepEqual(pending.map((p) => p.parts.length), [3, 4, 1, 2]);
    for (const p of pending) await big.commit(p);
    for (const [i, d] of files.entries()) assert.ok((await collect(big.readStream(targets[i]!))).equals(d), `${targets[i]} exact`);
    await big.close();
  });

  it('commitAfterRecovery after a completed commit: NoSuchUpload → HEAD verifies size and token', async () => {
    const target = `${root}/recover/part-b-0-0`;
    const pending = await writeFile(s, target, bytes(120 * KB, 2));
    await s.commit(pending);
    await s.commitAfterRecovery(pending);
    await s.commitAfterRecovery(pending);
    const impostor = { ...pending, token: 'someone-else' };
    await assert.rejects(s.commitAfterRecovery(impostor), (e: unknown) => {
      assert.ok(e instanceof OssStorageError);
      assert.equal(e.code, 'CommitVerificationFailed');
      assert.match(e.message, /recover\/part-b-0-0.*NoSuchUpload/);
      return true;
    });
  });

  it('a Complete whose response is lost is retried and verified (connection reset after the operation)', async () => {
    const target = `${root}/lost/part-c-0-0`;
    const data = bytes(210 * KB, 3);
    const pending = await writeFile(s, target, data);
    t.emulator.faults.add({ kind: 'reset', operation: 'CompleteMultipartUpload', when: 'after' });
    await s.commit(pending);
    assert.ok(data.equals(Buffer.from((await s.read(target))!)));
    assert.equal(t.emulator.requests().filter((r) => r.operation === 'CompleteMultipartUpload' && r.key === 'out/lost/part-c-0-0' && r.code === 'NoSuchUpload').length, 1);
  });

  it('5xx, resets and a mid-body reset are retried for every step; the data stays exact', async () => {
    const before = t.emulator.stats().faultsFired;
    t.emulator.faults.add({ kind: 'error', operation: 'InitiateMultipartUpload' });
    t.emulator.faults.add({ kind: 'error', code: 'ServiceUnavailable', operation: 'UploadPart', nth: 2 });
    t.emulator.faults.add({ kind: 'reset', operation: 'UploadPart', nth: 3 });
    t.emulator.faults.add({ kind: 'reset', operation: 'UploadPart', when: 'after', nth: 5 });
    t.emulator.faults.add({ kind: 'error', operation: 'CompleteMultipartUpload' });
    t.emulator.faults.add({ kind: 'reset', operation: 'GetObject', when: 'mid-body', nth: 2 });
    t.emulator.faults.add({ kind: 'error', operation: 'HeadObject' });
    const target = `${root}/faulty/part-d-0-0`;
    const data = bytes(450 * KB + 3, 4);
    const pending = await writeFile(s, target, data);
    await s.commit(pending);
    assert.ok(data.equals(await collect(s.readStream(target))));
    assert.equal(t.emulator.stats().faultsFired - before, 7);
  });

  it('a part corrupted on the way is refused (Content-MD5) and sent again: the object is exact', async () => {
    t.emulator.faults.add({ kind: 'corrupt', operation: 'UploadPart', nth: 2 });
    t.emulator.faults.add({ kind: 'corrupt', operation: 'PutObject' });
    const target = `${root}/corrupt/part-e-0-0`;
    const data = bytes(330 * KB + 5, 9);
    await s.commit(await writeFile(s, target, data));
    assert.ok(data.equals(await collect(s.readStream(target))));
    const small = bytes(1000, 3);
    await s.put(`${root}/corrupt/small`, small);
    assert.ok(small.equals(Buffer.from((await s.read(`${root}/corrupt/small`))!)));
    const refused = t.emulator.requests().filter((r) => r.code === 'InvalidDigest' && r.key.startsWith('out/corrupt/'));
    assert.deepEqual(refused.map((r) => r.operation).sort(), ['PutObject', 'UploadPart']);
  });

  it('abortPending leaves no open upload; a second abort is fine; listUncommitted finds orphans by name prefix', async () => {
    const a = await writeFile(s, `${root}/orphans/x=1/part-job-0-1`, bytes(10, 5));
    const b = await writeFile(s, `${root}/orphans/x=2/part-job-0-2`, bytes(10, 6));
    const other = await writeFile(s, `${root}/orphans/x=2/part-other-0-1`, bytes(10, 7));
    const found = await s.listUncommitted(`${root}/orphans`, 'part-job-');
    assert.deepEqual(found.map((p) => (p as OssPendingFile).uploadId).sort(), [a.uploadId, b.uploadId].sort());
    for (const p of found) await s.abortPending(p);
    await s.abortPending(a);
    await s.abortPending(other);
    assert.equal(t.emulator.stats().openUploads, 0);
    assert.deepEqual(await s.listUncommitted(`${root}/orphans`, ''), []);
    // An aborted file can never be committed, and says so.
    await assert.rejects(s.commit(a), (e: unknown) => e instanceof OssStorageError && e.code === 'CommitVerificationFailed');
  });

  it('a writer aborted before close releases its upload', async () => {
    const w = await s.open(`${root}/aborted/part-e-0-0`);
    const before = t.emulator.stats().byOperation.UploadPart ?? 0;
    await w.write(bytes(250 * KB, 8)); // a full part: its upload starts and travels while write returns
    await w.abort(); // waits for the part in flight, then aborts the upload
    assert.ok((t.emulator.stats().byOperation.UploadPart ?? 0) > before, 'a part was uploaded before the abort');
    assert.equal(t.emulator.stats().openUploads, 0);
  });

  it('createIfAbsent claims once; a lost response on the claim still reports true', async () => {
    const claim = `${root}/_sluice/checkpoints/job/0/epoch-1`;
    assert.equal(await s.createIfAbsent(claim, Buffer.from('a')), true);
    assert.equal(await s.createIfAbsent(claim, Buffer.from('b')), false);
    assert.equal(Buffer.from((await s.read(claim))!).toString(), 'a');
    t.emulator.faults.add({ kind: 'reset', operation: 'PutObject', when: 'after' });
    assert.equal(await s.createIfAbsent(`${root}/_sluice/checkpoints/job/0/epoch-2`, Buffer.from('c')), true);
  });

  it('put, list (files and directories), stat, read, delete', async () => {
    await s.put(`${root}/ls/p=1/_SUCCESS`, new Uint8Array());
    await s.put(`${root}/ls/p=1/_SUCCESS`, Buffer.from('again'));
    await s.put(`${root}/ls/p=2/f`, Buffer.from('12345'));
    await s.put(`${root}/ls/top`, Buffer.from('xy'));
    const entries = await s.list(`${root}/ls`);
    assert.deepEqual(entries.map((e) => [e.name, e.isDirectory, e.size, e.path]), [
      ['p=1', true, 0, `${root}/ls/p=1`],
      ['p=2', true, 0, `${root}/ls/p=2`],
      ['top', false, 2, `${root}/ls/top`],
    ]);
    assert.deepEqual((await s.list(`${root}/ls/p=1`)).map((e) => e.name), ['_SUCCESS']);
    assert.deepEqual(await s.list(`${root}/nothing-here`), []);
    assert.deepEqual(kind(await s.stat(`${root}/ls/p=2`)), { size: 0, isDirectory: true });
    assert.deepEqual(kind(await s.stat(`${root}/ls/p=2/f`)), { size: 5, isDirectory: false });
    assert.equal(await s.stat(`${root}/ls/none`), null);
    assert.equal(Buffer.from((await s.read(`${root}/ls/p=1/_SUCCESS`))!).toString(), 'again');
    assert.equal(await s.read(`${root}/ls/none`), null);
    await s.delete(`${root}/ls/top`);
    await s.delete(`${root}/ls/top`);
    assert.equal(await s.stat(`${root}/ls/top`), null);
    assert.equal(s.join(`${root}/ls/`, 'p=1', '_SUCCESS'), `${root}/ls/p=1/_SUCCESS`);
  });

  it('V4 signatures and the IP endpoint (bucket in the Host header) work end to end', async () => {
    const v4 = storageFor(t, { v4: true });
    const pending = await writeFile(v4, `${root}/v4/part-f-0-0`, bytes(130 * KB, 9));
    await v4.commit(pending);
    assert.equal((await v4.stat(`${root}/v4/part-f-0-0`))?.size, 130 * KB);
    const ip = new OssStorage({ endpoint: t.emulator.ipEndpoint, region: t.emulator.region, pathStyle: true, keys: { accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET } });
    assert.equal((await ip.stat(`${root}/v4/part-f-0-0`))?.size, 130 * KB);
  });

  it('errors name the path and operation and never contain the secret', async () => {
    const secret = 'sEcReT-value-that-must-not-leak';
    const bad = storageFor(t, { secret });
    await assert.rejects(bad.put(`${root}/denied`, Buffer.from('x')), (e: unknown) => {
      assert.ok(e instanceof OssStorageError);
      assert.equal(e.code, 'SignatureDoesNotMatch');
      assert.match(e.message, /PutObject oss:\/\/sluice-test\/out\/denied/);
      assert.ok(!e.message.includes(secret) && !JSON.stringify(e).includes(secret) && !String(e.stack).includes(secret));
      return true;
    });
    assert.throws(() => createOssStorage({ endpoint: t.emulator.endpoint, fromEnv: true }, { sources: { env: { OSS_ACCESS_KEY_ID: 'id' } } }),
      /spec\.storage\.oss\.fromEnv is set but OSS_ACCESS_KEY_SECRET/);
    const fromEnv = createOssStorage({ endpoint: t.emulator.endpoint, region: t.emulator.region, pathStyle: true, fromEnv: true },
      { sources: { env: { OSS_ACCESS_KEY_ID: TEST_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_KEY_SECRET } } });
    await fromEnv.put(`${root}/env`, Buffer.from('ok'));
    assert.equal(Buffer.from((await fromEnv.read(`${root}/env`))!).toString(), 'ok');
  });

  it('refuses OSS-HDFS paths and endpoints, and part sizes under 100 KB', async () => {
    await assert.rejects(s.open('oss://bkt.cn-hangzhou.oss-dls.aliyuncs.com/data/f'), /OSS-HDFS.*JindoSDK/);
    await assert.rejects(s.put(`oss://${TEST_BUCKET}/.dlsdata/x`, Buffer.from('x')), /\.dlsdata/);
    assert.throws(() => new OssStorage({ endpoint: 'cn-hangzhou.oss-dls.aliyuncs.com', keys: { accessKeyId: 'a', accessKeySecret: 'b' } }), /storage\.oss\.endpoint .*OSS-HDFS/);
    assert.throws(() => new OssStorage({ endpoint: 'x', partSize: 50 * KB, keys: { accessKeyId: 'a', accessKeySecret: 'b' } }), /uploadPartSize must be at least 100KB/);
  });
});
