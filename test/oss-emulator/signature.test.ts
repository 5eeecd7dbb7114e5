import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_KEY_ID, TEST_KEY_SECRET, TEST_BUCKET, emulatorClient, ossCode, startTestEmulator } from './test-helpers.ts';
import type { TestEmulator } from './test-helpers.ts';
import { rawRequest } from './raw-request.ts';

describe('OSS emulator: signatures', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(() => t.dispose());

  for (const v4 of [false, true]) {
    for (const ip of [false, true]) {
      const label = `${v4 ? 'V4' : 'V1'} ${ip ? 'IP endpoint (bucket in Host)' : 'path style (sldEnable)'}`;
      it(`${label}: a correctly signed request succeeds`, async () => {
        const c = emulatorClient(t.emulator, { v4, ip });
        const key = `sig/${v4 ? 'v4' : 'v1'}-${ip ? 'ip' : 'path'} name+with spaces&?.txt`;
        await c.put(key, Buffer.from('signed'));
        const got = await c.get(key);
        assert.equal(got.content.toString(), 'signed');
        const listed = await c.listV2({ prefix: 'sig/', 'max-keys': '1000' });
        assert.ok(listed.objects.some((o) => o.name === key));
      });

      it(`${label}: a wrong secret is rejected with 403 SignatureDoesNotMatch`, async () => {
        const c = emulatorClient(t.emulator, { v4, ip, secret: 'not-the-secret' });
        await assert.rejects(c.put('sig/bad', Buffer.from('x')), (err: unknown) => {
          assert.equal(ossCode(err), 'SignatureDoesNotMatch');
          assert.equal((err as { status: number }).status, 403);
          return true;
        });
        // Nothing was written by the rejected request.
        await assert.rejects(emulatorClient(t.emulator, { v4, ip }).head('sig/bad'), (err: unknown) => ossCode(err) === 'NoSuchKey');
      });

      it(`${label}: an unknown AccessKeyId is rejected with InvalidAccessKeyId`, async () => {
        const c = emulatorClient(t.emulator, { v4, ip, keyId: 'LTAIunknown' });
        await assert.rejects(c.get('sig/anything'), (err: unknown) => ossCode(err) === 'InvalidAccessKeyId' && (err as { status: number }).status === 403);
      });
    }
  }

  it('a tampered sub-resource fails verification (sub-resources are signed in V1)', async () => {
    const c = emulatorClient(t.emulator);
    const up = await c.initMultipartUpload('sig/mp');
    const res = await rawRequest(t.emulator, {
      method: 'GET', bucket: TEST_BUCKET, key: 'sig/mp', query: { uploadId: up.uploadId }, keyId: TEST_KEY_ID, secret: TEST_KEY_SECRET,
    });
    assert.equal(res.status, 200);
    assert.match(res.body.toString(), /<ListPartsResult>/);
    const tampered = await rawRequest(t.emulator, {
      method: 'GET', bucket: TEST_BUCKET, key: 'sig/mp', query: { uploadId: up.uploadId }, signQuery: { uploadId: 'OTHER' },
      keyId: TEST_KEY_ID, secret: TEST_KEY_SECRET,
    });
    assert.equal(tampered.status, 403);
    assert.match(tampered.body.toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
    await c.abortMultipartUpload('sig/mp', up.uploadId);
  });

  it('V4 scoped to another region is rejected', async () => {
    const c = emulatorClient(t.emulator, { v4: true });
    (c as unknown as { options: { region: string } }).options.region = 'oss-us-west-1';
    await assert.rejects(c.get('sig/x'), (err: unknown) => ossCode(err) === 'SignatureDoesNotMatch' && /region/.test((err as Error).message));
  });

  it('an anonymous request is AccessDenied, with the OSS error XML shape and x-oss-request-id', async () => {
    const res = await fetch(`${t.emulator.endpoint}/${TEST_BUCKET}/sig/x`);
    assert.equal(res.status, 403);
    const requestId = res.headers.get('x-oss-request-id');
    assert.match(requestId ?? '', /^[0-9A-F]{24}$/);
    const body = await res.text();
    assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>\n {2}<Code>AccessDenied<\/Code>\n {2}<Message>[^<]+<\/Message>\n {2}<RequestId>[0-9A-F]{24}<\/RequestId>\n {2}<HostId>[^<]+<\/HostId>/);
    assert.ok(body.includes(`<RequestId>${requestId}</RequestId>`));
  });

  it('a SignatureDoesNotMatch error carries StringToSign but never the secret', async () => {
    const res = await rawRequest(t.emulator, { method: 'GET', bucket: TEST_BUCKET, key: 'sig/x', keyId: TEST_KEY_ID, secret: 'wrong' });
    assert.equal(res.status, 403);
    const body = res.body.toString();
    assert.match(body, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.match(body, /<StringToSign>GET\n/);
    assert.ok(!body.includes(TEST_KEY_SECRET));
  });
});
