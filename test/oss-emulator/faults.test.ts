import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type OSS from 'ali-oss';
import { bytes, emulatorClient, ossCode, startTestEmulator } from './test-helpers.ts';
import type { TestEmulator } from './test-helpers.ts';
import { FaultInjector, validateFaultRule } from './faults.ts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

describe('OSS emulator: fault injection', () => {
  let t: TestEmulator;
  let c: OSS;
  before(async () => {
    t = await startTestEmulator();
    c = emulatorClient(t.emulator, { timeout: 2000 });
  });
  beforeEach(() => t.emulator.faults.clear());
  after(() => t.dispose());

  it('error on the Nth matching request: 500 InternalError XML, other operations untouched', async () => {
    t.emulator.faults.add({ kind: 'error', operation: 'PutObject', nth: 2 });
    await c.put('f/1', Buffer.from('1'));
    await c.get('f/1');
    await assert.rejects(c.put('f/2', Buffer.from('2')), (e: unknown) => ossCode(e) === 'InternalError' && (e as { status: number }).status === 500);
    await assert.rejects(c.head('f/2'), (e: unknown) => ossCode(e) === 'NoSuchKey');
    await c.put('f/2', Buffer.from('2'));
    assert.equal((await c.get('f/2')).content.toString(), '2');
  });

  it('control endpoint: ServiceUnavailable at rate 1 for 2 requests, then stats show it fired', async () => {
    await c.put('f/ctl', Buffer.from('x'));
    const before = t.emulator.stats().faultsFired;
    const res = await fetch(`${t.emulator.endpoint}/_emulator/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'error', code: 'ServiceUnavailable', operation: ['GetObject'], rate: 1, times: 2 }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { ids: number[] }).ids.length, 1);
    for (let i = 0; i < 2; i++) await assert.rejects(c.get('f/ctl'), (e: unknown) => ossCode(e) === 'ServiceUnavailable' && (e as { status: number }).status === 503);
    assert.equal((await c.get('f/ctl')).content.toString(), 'x');
    const stats = await (await fetch(`${t.emulator.endpoint}/_emulator/stats`)).json() as { faultsFired: number; byOperation: Record<string, number> };
    assert.equal(stats.faultsFired - before, 2);
    assert.ok((stats.byOperation.GetObject ?? 0) >= 3);
    const bad = await fetch(`${t.emulator.endpoint}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'explode' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /\.kind/);
  });

  it('reset before the operation: the client sees a connection error and nothing is written', async () => {
    t.emulator.faults.add({ kind: 'reset', operation: 'PutObject' });
    await assert.rejects(c.put('f/reset', Buffer.from('x')), (e: unknown) => (e as { status?: number }).status === -1 || /socket|ECONNRESET|hang up/i.test((e as Error).message));
    await assert.rejects(c.head('f/reset'), (e: unknown) => ossCode(e) === 'NoSuchKey');
  });

  it('reset after the operation: the object is written although the client saw an error', async () => {
    t.emulator.faults.add({ kind: 'reset', operation: 'PutObject', when: 'after' });
    await assert.rejects(c.put('f/reset-after', Buffer.from('landed')));
    assert.equal((await c.get('f/reset-after')).content.toString(), 'landed');
  });

  it('mid-body reset on GetObject truncates the stream', async () => {
    await c.put('f/mid', bytes(64 * 1024));
    t.emulator.faults.add({ kind: 'reset', operation: 'GetObject', when: 'mid-body' });
    await assert.rejects(c.get('f/mid'));
    assert.equal((await c.get('f/mid')).content.length, 64 * 1024);
  });

  it('slow responses are delayed by delayMs', async () => {
    await c.put('f/slow', Buffer.from('x'));
    t.emulator.faults.add({ kind: 'slow', operation: 'GetObject', delayMs: 300 });
    const start = performance.now();
    assert.equal((await c.get('f/slow')).content.toString(), 'x');
    assert.ok(performance.now() - start >= 290);
  });

  it('corrupt: a body sent with Content-MD5 is refused with InvalidDigest; one without is stored as it arrived', async () => {
    const data = bytes(300 * 1024, 7);
    const md5 = createHash('md5').update(data).digest('base64');
    t.emulator.faults.add({ kind: 'corrupt', operation: 'PutObject' });
    await assert.rejects(c.put('f/corrupt-md5', data, { headers: { 'Content-MD5': md5 } }), (e: unknown) => ossCode(e) === 'InvalidDigest' && (e as { status: number }).status === 400);
    await assert.rejects(c.head('f/corrupt-md5'), (e: unknown) => ossCode(e) === 'NoSuchKey');
    t.emulator.faults.add({ kind: 'corrupt', operation: 'PutObject' });
    await c.putStream('f/corrupt-plain', Readable.from([data]), { contentLength: data.length } as OSS.PutStreamOptions); // a stream: ali-oss sends no Content-MD5
    const stored = (await c.get('f/corrupt-plain')).content as Buffer;
    assert.equal(stored.length, data.length);
    assert.equal(stored[0], data[0]! ^ 1, 'the first byte arrived with a bit flipped');
    assert.ok(stored.subarray(1).equals(data.subarray(1)));
    assert.throws(() => validateFaultRule({ kind: 'corrupt', when: 'after' }), /\.when must be before/);
  });

  it('stalled responses never send headers: the client times out', async () => {
    t.emulator.faults.add({ kind: 'stall', operation: 'HeadObject' });
    const quick = emulatorClient(t.emulator, { timeout: 300 });
    await assert.rejects(quick.head('f/anything'), (e: unknown) => /timeout/i.test(`${(e as Error).name} ${(e as Error).message}`));
    const log = t.emulator.requests().filter((r) => r.operation === 'HeadObject' && r.fault === 'stall');
    assert.equal(log.length, 1);
  });

  it('request log names operations and keys but holds no credentials', () => {
    const log = JSON.stringify(t.emulator.requests());
    assert.match(log, /"operation":"PutObject"/);
    assert.ok(!log.includes('Authorization') && !log.includes('OSS '));
  });
});

describe('FaultInjector', () => {
  it('nth counts matching requests only; rate uses the injected random; keyPrefix filters', () => {
    const f = new FaultInjector(() => 0.5);
    f.add({ kind: 'error', operation: 'UploadPart', nth: 2 });
    assert.equal(f.pick('PutObject', 'k'), undefined);
    assert.equal(f.pick('UploadPart', 'k'), undefined);
    assert.equal(f.pick('UploadPart', 'k')?.kind, 'error');
    assert.equal(f.pick('UploadPart', 'k'), undefined);
    f.clear();
    f.add({ kind: 'reset', rate: 0.6, keyPrefix: 'a/' });
    assert.equal(f.pick('GetObject', 'b/x'), undefined);
    assert.equal(f.pick('GetObject', 'a/x')?.kind, 'reset');
    f.clear();
    f.add({ kind: 'reset', rate: 0.4 });
    assert.equal(f.pick('GetObject', 'a/x'), undefined);
    assert.throws(() => f.add({ kind: 'slow' }), /delayMs/);
  });
});
