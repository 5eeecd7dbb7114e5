import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type OSS from 'ali-oss';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET, bytes, emulatorClient, ossCode, startTestEmulator, withMeta } from './test-helpers.ts';
import type { TestEmulator } from './test-helpers.ts';
import { rawRequest } from './raw-request.ts';
import { page, afterKey } from './listing.ts';

describe('OSS emulator: objects and listing', () => {
  let t: TestEmulator;
  let c: OSS;
  before(async () => {
    t = await startTestEmulator();
    c = emulatorClient(t.emulator);
  });
  after(() => t.dispose());

  it('PutObject with x-oss-forbid-overwrite answers FileAlreadyExists the second time', async () => {
    const opts = { headers: { 'x-oss-forbid-overwrite': 'true' } } as OSS.PutObjectOptions;
    await c.put('obj/once', Buffer.from('first'), opts);
    await assert.rejects(c.put('obj/once', Buffer.from('second'), opts), (e: unknown) => ossCode(e) === 'FileAlreadyExists' && (e as { status: number }).status === 409);
    assert.equal((await c.get('obj/once')).content.toString(), 'first');
  });

  it('HeadObject returns size, ETag and x-oss-meta-* with no body; a missing key is a bodiless 404 with x-oss-err', async () => {
    const data = bytes(1234);
    const put = await c.put('obj/head', data, withMeta({ token: 'abc' }));
    const res = await rawRequest(t.emulator, { method: 'HEAD', bucket: TEST_BUCKET, key: 'obj/head', keyId: TEST_KEY_ID, secret: TEST_KEY_SECRET });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['content-length'], '1234');
    assert.equal(res.headers['x-oss-meta-token'], 'abc');
    assert.equal(res.headers.etag, (put.res.headers as Record<string, string>).etag);
    const missing = await rawRequest(t.emulator, { method: 'HEAD', bucket: TEST_BUCKET, key: 'obj/none', keyId: TEST_KEY_ID, secret: TEST_KEY_SECRET });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.length, 0);
    assert.match(Buffer.from(String(missing.headers['x-oss-err']), 'base64').toString(), /<Code>NoSuchKey<\/Code>/);
  });

  it('GetObject honours Range (206 + Content-Range), ignores an unsatisfiable one like OSS', async () => {
    const data = bytes(1000, 9);
    await c.put('obj/range', data);
    const r = await c.get('obj/range', { headers: { Range: 'bytes=100-199' } } as OSS.GetObjectOptions);
    assert.equal(r.res.status, 206);
    assert.equal((r.res.headers as Record<string, string>)['content-range'], 'bytes 100-199/1000');
    assert.ok(data.subarray(100, 200).equals(r.content as Buffer));
    const tail = await c.get('obj/range', { headers: { Range: 'bytes=990-' } } as OSS.GetObjectOptions);
    assert.ok(data.subarray(990).equals(tail.content as Buffer));
    const ignored = await c.get('obj/range', { headers: { Range: 'bytes=5000-6000' } } as OSS.GetObjectOptions);
    assert.equal(ignored.res.status, 200);
    assert.equal((ignored.content as Buffer).length, 1000);
    await assert.rejects(c.get('obj/range', { headers: { Range: 'bytes=5000-6000', 'x-oss-range-behavior': 'standard' } } as OSS.GetObjectOptions),
      (e: unknown) => ossCode(e) === 'InvalidRange');
  });

  it('DeleteObject is idempotent; DeleteMultipleObjects removes a batch; CopyObject copies bytes and meta', async () => {
    await c.put('obj/del', Buffer.from('x'));
    await c.delete('obj/del');
    await c.delete('obj/del');
    await assert.rejects(c.get('obj/del'), (e: unknown) => ossCode(e) === 'NoSuchKey');
    await c.put('obj/m1', Buffer.from('1'));
    await c.put('obj/m2', Buffer.from('2'));
    const del = await c.deleteMulti(['obj/m1', 'obj/m2', 'obj/m3']);
    assert.deepEqual((del.deleted as unknown as { Key: string }[]).map((d) => d.Key).sort(), ['obj/m1', 'obj/m2', 'obj/m3']);
    assert.equal((await c.listV2({ prefix: 'obj/m' })).objects.length, 0);
    await c.put('obj/src', Buffer.from('copy me'), withMeta({ a: '1' }));
    await c.copy('obj/dst', 'obj/src');
    assert.equal((await c.get('obj/dst')).content.toString(), 'copy me');
    assert.deepEqual((await c.head('obj/dst')).meta, { a: '1' });
  });

  it('ListObjectsV2: delimiter folds CommonPrefixes, max-keys + continuation-token pages, start-after skips', async () => {
    const keys = ['ls/a.txt', 'ls/b/1', 'ls/b/2', 'ls/c.txt', 'ls/d/x/y', 'ls/e.txt'];
    for (const k of keys) await c.put(k, Buffer.from(k));
    const top = await c.listV2({ prefix: 'ls/', delimiter: '/' });
    assert.deepEqual(top.objects.map((o) => o.name), ['ls/a.txt', 'ls/c.txt', 'ls/e.txt']);
    assert.deepEqual(top.prefixes, ['ls/b/', 'ls/d/']);
    const names: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await c.listV2({ prefix: 'ls/', delimiter: '/', 'max-keys': '2', ...(token ? { 'continuation-token': token } : {}) });
      assert.ok(res.objects.length + (res.prefixes?.length ?? 0) <= 2);
      names.push(...res.objects.map((o) => o.name), ...(res.prefixes ?? []));
      if (!res.isTruncated) break;
      token = res.nextContinuationToken;
    }
    assert.deepEqual(names.sort(), ['ls/a.txt', 'ls/b/', 'ls/c.txt', 'ls/d/', 'ls/e.txt']);
    const after = await c.listV2({ prefix: 'ls/', 'start-after': 'ls/b/2' });
    assert.deepEqual(after.objects.map((o) => o.name), ['ls/c.txt', 'ls/d/x/y', 'ls/e.txt']);
    const v1 = await c.list({ prefix: 'ls/', delimiter: '/', 'max-keys': 2 }, {});
    assert.equal(v1.isTruncated, true);
    assert.deepEqual([...v1.objects.map((o) => o.name), ...(v1.prefixes ?? [])], ['ls/a.txt', 'ls/b/']);
    const v1next = await c.list({ prefix: 'ls/', delimiter: '/', 'max-keys': 10, marker: v1.nextMarker ?? '' }, {});
    assert.deepEqual(v1next.objects.map((o) => o.name), ['ls/c.txt', 'ls/e.txt']);
    assert.deepEqual(v1next.prefixes, ['ls/d/']);
  });

  it('unknown bucket is NoSuchBucket; PutBucket creates one', async () => {
    const other = emulatorClient(t.emulator, { bucket: 'made-later' });
    await assert.rejects(other.put('k', Buffer.from('x')), (e: unknown) => ossCode(e) === 'NoSuchBucket');
    await other.putBucket('made-later');
    await other.put('k', Buffer.from('x'));
    assert.equal((await other.get('k')).content.toString(), 'x');
  });
});

describe('listing page()', () => {
  const keys = ['a/1', 'a/2', 'b', 'c/1', 'd'];
  it('counts common prefixes toward max and resumes after a common prefix marker', () => {
    const first = page(keys, (k) => k, () => '', { prefix: '', delimiter: '/', after: afterKey(''), max: 2 });
    assert.deepEqual(first.commonPrefixes, ['a/']);
    assert.deepEqual(first.items, ['b']);
    assert.equal(first.truncated, true);
    const second = page(keys, (k) => k, () => '', { prefix: '', delimiter: '/', after: afterKey(first.last!.key), max: 2 });
    assert.deepEqual(second.commonPrefixes, ['c/']);
    assert.deepEqual(second.items, ['d']);
    assert.equal(second.truncated, false);
  });
});
