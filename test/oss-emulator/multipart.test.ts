import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type OSS from 'ali-oss';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET, bytes, emulatorClient, ossCode, startTestEmulator, withMeta } from './test-helpers.ts';
import type { TestEmulator } from './test-helpers.ts';
import { rawRequest } from './raw-request.ts';

const KB = 1024;

async function upload(c: OSS, key: string, parts: Buffer[], meta?: Record<string, string>): Promise<{ uploadId: string; etags: string[] }> {
  const { uploadId } = await c.initMultipartUpload(key, meta ? withMeta(meta) : undefined);
  const etags: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    etags.push((await c.uploadPart(key, uploadId, i + 1, p, 0, p.length)).etag);
  }
  return { uploadId, etags };
}

describe('OSS emulator: multipart uploads', () => {
  let t: TestEmulator;
  let c: OSS;
  before(async () => {
    t = await startTestEmulator();
    c = emulatorClient(t.emulator);
  });
  after(() => t.dispose());

  it('assembles parts in order; the object appears only at Complete and keeps the Initiate metadata', async () => {
    const parts = [bytes(100 * KB, 1), bytes(150 * KB, 2), bytes(7, 3)];
    const { uploadId, etags } = await upload(c, 'mp/ok', parts, { 'sluice-token': 'tok-1' });
    await assert.rejects(c.head('mp/ok'), (e: unknown) => ossCode(e) === 'NoSuchKey');
    assert.equal((await c.listV2({ prefix: 'mp/' })).objects.length, 0);
    const listed = await c.listParts('mp/ok', uploadId);
    assert.deepEqual(listed.parts.map((p) => Number((p as unknown as { PartNumber: string }).PartNumber)), [1, 2, 3]);
    const done = await c.completeMultipartUpload('mp/ok', uploadId, etags.map((etag, i) => ({ number: i + 1, etag })));
    assert.match(done.etag, /^"[0-9A-F]{32}-3"$/);
    const got = await c.get('mp/ok');
    assert.ok(Buffer.concat(parts).equals(got.content as Buffer));
    const head = await c.head('mp/ok');
    assert.deepEqual(head.meta, { 'sluice-token': 'tok-1' });
    assert.equal((head.res.headers as Record<string, string>)['x-oss-object-type'], 'Multipart');
  });

  it('NoSuchUpload after Complete (a retried Complete) and for parts uploaded after it', async () => {
    const parts = [bytes(10, 4)];
    const { uploadId, etags } = await upload(c, 'mp/twice', parts);
    await c.completeMultipartUpload('mp/twice', uploadId, [{ number: 1, etag: etags[0]! }]);
    await assert.rejects(c.completeMultipartUpload('mp/twice', uploadId, [{ number: 1, etag: etags[0]! }]),
      (e: unknown) => ossCode(e) === 'NoSuchUpload' && (e as { status: number }).status === 404);
    await assert.rejects(c.uploadPart('mp/twice', uploadId, 2, parts[0], 0, 10), (e: unknown) => ossCode(e) === 'NoSuchUpload');
  });

  it('NoSuchUpload after Abort; parts are gone and nothing is published', async () => {
    const { uploadId, etags } = await upload(c, 'mp/aborted', [bytes(5)]);
    await c.abortMultipartUpload('mp/aborted', uploadId);
    await assert.rejects(c.completeMultipartUpload('mp/aborted', uploadId, [{ number: 1, etag: etags[0]! }]), (e: unknown) => ossCode(e) === 'NoSuchUpload');
    await assert.rejects(c.abortMultipartUpload('mp/aborted', uploadId), (e: unknown) => ossCode(e) === 'NoSuchUpload');
    await assert.rejects(c.listParts('mp/aborted', uploadId), (e: unknown) => ossCode(e) === 'NoSuchUpload');
    await assert.rejects(c.head('mp/aborted'), (e: unknown) => ossCode(e) === 'NoSuchKey');
  });

  it('EntityTooSmall when a part other than the last is under 100 KB; the upload survives', async () => {
    const { uploadId, etags } = await upload(c, 'mp/small', [bytes(100 * KB - 1), bytes(100 * KB)]);
    await assert.rejects(c.completeMultipartUpload('mp/small', uploadId, etags.map((etag, i) => ({ number: i + 1, etag }))),
      (e: unknown) => ossCode(e) === 'EntityTooSmall' && (e as { status: number }).status === 400);
    // The last part alone may be tiny.
    const ok = await upload(c, 'mp/small-last', [bytes(100 * KB), bytes(1)]);
    await c.completeMultipartUpload('mp/small-last', ok.uploadId, ok.etags.map((etag, i) => ({ number: i + 1, etag })));
    await c.abortMultipartUpload('mp/small', uploadId);
  });

  it('InvalidPart for a wrong ETag or a missing part; InvalidPartOrder for a descending list', async () => {
    const { uploadId, etags } = await upload(c, 'mp/invalid', [bytes(100 * KB, 5), bytes(10, 6)]);
    await assert.rejects(c.completeMultipartUpload('mp/invalid', uploadId, [{ number: 1, etag: '"00000000000000000000000000000000"' }, { number: 2, etag: etags[1]! }]),
      (e: unknown) => ossCode(e) === 'InvalidPart');
    await assert.rejects(c.completeMultipartUpload('mp/invalid', uploadId, [{ number: 1, etag: etags[0]! }, { number: 3, etag: etags[1]! }]),
      (e: unknown) => ossCode(e) === 'InvalidPart');
    // ali-oss sorts the list itself, so send the XML by hand.
    const xml = `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${etags[1]}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${etags[0]}</ETag></Part></CompleteMultipartUpload>`;
    const res = await rawRequest(t.emulator, { method: 'POST', bucket: TEST_BUCKET, key: 'mp/invalid', query: { uploadId }, body: xml, keyId: TEST_KEY_ID, secret: TEST_KEY_SECRET });
    assert.equal(res.status, 400);
    assert.match(res.body.toString(), /<Code>InvalidPartOrder<\/Code>/);
    await c.abortMultipartUpload('mp/invalid', uploadId);
  });

  it('Complete with x-oss-forbid-overwrite answers FileAlreadyExists and leaves the existing object', async () => {
    await c.put('mp/exists', Buffer.from('original'));
    const { uploadId, etags } = await upload(c, 'mp/exists', [bytes(20)]);
    await assert.rejects(
      c.completeMultipartUpload('mp/exists', uploadId, [{ number: 1, etag: etags[0]! }], { headers: { 'x-oss-forbid-overwrite': 'true' } }),
      (e: unknown) => ossCode(e) === 'FileAlreadyExists' && (e as { status: number }).status === 409,
    );
    assert.equal((await c.get('mp/exists')).content.toString(), 'original');
    // Without the header Complete overwrites.
    await c.completeMultipartUpload('mp/exists', uploadId, [{ number: 1, etag: etags[0]! }]);
    assert.ok(bytes(20).equals((await c.get('mp/exists')).content as Buffer));
  });

  it('ListMultipartUploads filters by prefix and pages with key-marker/upload-id-marker', async () => {
    const ids: string[] = [];
    for (const k of ['lmu/a', 'lmu/a', 'lmu/b', 'lmu/c/d', 'other/x']) ids.push((await c.initMultipartUpload(k)).uploadId);
    const all = await c.listUploads({ prefix: 'lmu/' });
    assert.deepEqual(all.uploads.map((u) => u.name), ['lmu/a', 'lmu/a', 'lmu/b', 'lmu/c/d']);
    const seen: string[] = [];
    let keyMarker = '';
    let uploadIdMarker = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await c.listUploads({ prefix: 'lmu/', 'max-uploads': 1, 'key-marker': keyMarker, 'upload-id-marker': uploadIdMarker } as OSS.ListUploadsQuery);
      seen.push(...res.uploads.map((u) => `${u.name}#${u.uploadId}`));
      if (!res.isTruncated) break;
      keyMarker = res.nextKeyMarker;
      uploadIdMarker = res.nextUploadIdMarker;
    }
    assert.deepEqual(seen, all.uploads.map((u) => `${u.name}#${u.uploadId}`));
    assert.equal(new Set(seen).size, 4);
    const folded = await c.listUploads({ prefix: 'lmu/', delimiter: '/' } as OSS.ListUploadsQuery);
    assert.deepEqual(folded.uploads.map((u) => u.name), ['lmu/a', 'lmu/a', 'lmu/b']);
    assert.equal(t.emulator.stats().openUploads >= 5, true);
    const keys = ['lmu/a', 'lmu/a', 'lmu/b', 'lmu/c/d', 'other/x'];
    for (let i = 0; i < ids.length; i++) await c.abortMultipartUpload(keys[i]!, ids[i]!);
    assert.equal((await c.listUploads({ prefix: 'lmu/' })).uploads.length, 0);
  });

  it('rejects part numbers outside 1..10000 and a bad Content-MD5', async () => {
    const { uploadId } = await c.initMultipartUpload('mp/args');
    await assert.rejects(c.uploadPart('mp/args', uploadId, 10001, bytes(3), 0, 3), (e: unknown) => ossCode(e) === 'InvalidArgument');
    await assert.rejects(
      c.uploadPart('mp/args', uploadId, 1, bytes(3), 0, 3, { headers: { 'Content-MD5': 'AAAAAAAAAAAAAAAAAAAAAA==' } } as OSS.RequestOptions),
      (e: unknown) => ossCode(e) === 'InvalidDigest',
    );
    assert.equal((await c.listParts('mp/args', uploadId)).parts.length, 0);
    await c.abortMultipartUpload('mp/args', uploadId);
  });
});
