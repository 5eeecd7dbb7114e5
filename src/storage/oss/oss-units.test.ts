import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOssUri } from './oss-location.ts';
import { withRetry } from './retry.ts';
import { isRetriable, redact, wrapOssError } from './oss-errors.ts';
import { resolveOssKeys } from './credentials.ts';

describe('oss:// locations', () => {
  it('parses bucket and key, accepts bucket.endpoint authorities, refuses OSS-HDFS', () => {
    assert.deepEqual(parseOssUri('oss://bkt/a/b/'), { bucket: 'bkt', key: 'a/b' });
    assert.deepEqual(parseOssUri('oss://bkt'), { bucket: 'bkt', key: '' });
    assert.deepEqual(parseOssUri('oss://bkt.oss-cn-hangzhou.aliyuncs.com/k'), { bucket: 'bkt', key: 'k' });
    assert.throws(() => parseOssUri('oss://bkt.cn-hangzhou.oss-dls.aliyuncs.com/k'), /OSS-HDFS/);
    assert.throws(() => parseOssUri('oss://bkt/x/.dlsdata/blk'), /\.dlsdata/);
    assert.throws(() => parseOssUri('s3://bkt/k'), /not an oss:\/\/ URI/);
    assert.throws(() => parseOssUri('oss://B_/k'), /not a valid OSS bucket name/);
  });
});

describe('retry', () => {
  it('retries retriable errors with growing, jittered, capped delays and gives up after the attempts', async () => {
    const delays: number[] = [];
    let calls = 0;
    await assert.rejects(withRetry(async () => {
      calls++;
      throw Object.assign(new Error('boom'), { status: 503, code: 'ServiceUnavailable' });
    }, { attempts: 4, initialDelayMs: 100, maxDelayMs: 250, random: () => 0.999, sleep: async (ms) => void delays.push(ms) }), /boom/);
    assert.equal(calls, 4);
    assert.deepEqual(delays, [99, 199, 249]);
  });

  it('does not retry 4xx answers', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => {
      calls++;
      throw Object.assign(new Error('nope'), { status: 404, code: 'NoSuchKey' });
    }, { sleep: async () => undefined }));
    assert.equal(calls, 1);
  });

  it('classifies network failures and timeouts as retriable', () => {
    assert.equal(isRetriable(Object.assign(new Error('x'), { status: -1 })), true);
    assert.equal(isRetriable(Object.assign(new Error('x'), { name: 'ResponseTimeoutError' })), true);
    assert.equal(isRetriable(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
    assert.equal(isRetriable(Object.assign(new Error('x'), { status: 403, code: 'SignatureDoesNotMatch' })), false);
    assert.equal(isRetriable(Object.assign(new Error('x'), { status: 400, code: 'InvalidDigest' })), true);
    assert.equal(isRetriable(Object.assign(new Error('x'), { status: 400, code: 'InvalidArgument' })), false);
  });
});

describe('errors and credentials', () => {
  it('redacts secrets from wrapped errors', () => {
    const e = wrapOssError(Object.assign(new Error('bad key s3cr3t-value'), { status: 403, code: 'X' }), 'PutObject', 'oss://b/k', ['s3cr3t-value']);
    assert.equal(e.message, 'OSS PutObject oss://b/k failed: X (HTTP 403): bad key ***');
    assert.equal(redact('aaaa', ['aaaa']), '***');
  });

  it('reads keys from a mounted Secret and names missing files by path', () => {
    const root = mkdtempSync(join(tmpdir(), 'oss-creds-'));
    try {
      mkdirSync(join(root, 'oss-creds'));
      writeFileSync(join(root, 'oss-creds', 'accessKeyId'), 'id\n');
      assert.throws(() => resolveOssKeys({ credentialsSecret: 'oss-creds' }, 'spec.storage.oss', { secretsRoot: root }), /spec\.storage\.oss\.credentialsSecret.*accessKeySecret/);
      writeFileSync(join(root, 'oss-creds', 'accessKeySecret'), 'secret\n');
      assert.deepEqual(resolveOssKeys({ credentialsSecret: 'oss-creds' }, 'spec.storage.oss', { secretsRoot: root }), { accessKeyId: 'id', accessKeySecret: 'secret' });
      const lookup = (name: string, key: string): string | undefined => (name === 'oss-creds' ? { accessKeyId: 'i2', accessKeySecret: 's2' }[key] : undefined);
      assert.deepEqual(resolveOssKeys({ credentialsSecret: 'oss-creds' }, 'f', { secret: lookup }), { accessKeyId: 'i2', accessKeySecret: 's2' });
      assert.throws(() => resolveOssKeys({ credentialsSecret: 'other' }, 'f', { secret: lookup }), /f\.credentialsSecret: Secret "other" has no key accessKeyId/);
      assert.throws(() => resolveOssKeys({}, 'spec.storage.jindofs.namespaces.test'), /spec\.storage\.jindofs\.namespaces\.test: no credentials configured/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
