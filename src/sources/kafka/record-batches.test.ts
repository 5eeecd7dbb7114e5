import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordsBatch, crc32c } from '@platformatic/kafka';
import type { CompressionAlgorithmValue } from '@platformatic/kafka';
import { KafkaSourceError } from './errors.ts';
import { decodeRecordBatches } from './record-batches.ts';
import type { DecodeOptions } from './record-batches.ts';

/** One v2 record batch at `base` as the broker sends it (the client's own writer, then offset, attributes and CRC set). */
function batch(base: number, values: Array<string | null>, o: { compression?: CompressionAlgorithmValue; producerId?: bigint; transactional?: boolean; control?: boolean } = {}): Buffer {
  const b = Buffer.from(
    createRecordsBatch(
      values.map((v) => ({ topic: 't', ...(v === null ? {} : { value: Buffer.from(v) }) }) as { topic: string; value: Buffer }),
      { compression: o.compression ?? 'none', producerId: o.producerId ?? -1n, producerEpoch: 0 },
    ).buffer,
  );
  b.writeBigInt64BE(BigInt(base), 0);
  b.writeInt16BE(b.readInt16BE(21) | (o.transactional === true ? 0x10 : 0) | (o.control === true ? 0x20 : 0), 21);
  b.writeUInt32BE(crc32c(b.subarray(21)) >>> 0, 17);
  return b;
}

const opts = (extra: Partial<DecodeOptions> = {}): DecodeOptions => ({ topic: 't', partition: 3, from: 0, stop: Number.MAX_SAFE_INTEGER, aborted: null, ...extra });

test('consecutive records carry no offset array; ASCII and non-ASCII values decode alike', () => {
  const d = decodeRecordBatches(Buffer.concat([batch(0, ['a', '{"uid": 42}', 'ä€日本']), batch(3, ['x'.repeat(300), ''])]), opts());
  assert.deepEqual(d.values, ['a', '{"uid": 42}', 'ä€日本', 'x'.repeat(300), '']);
  assert.equal(d.offsets, null);
  assert.equal(d.first, 0);
  assert.equal(d.end, 5);
  assert.equal(d.truncated, false);
  assert.equal(d.controlFree, true);
  assert.equal(decodeRecordBatches(batch(0, ['ok', '{"a": "tab\there"}']), opts()).controlFree, false, 'a raw tab is a control byte');
});

test('a non-UTF-8 value is marked with where it breaks; ASCII and valid non-ASCII values are not', () => {
  const raw = (base: number, values: Buffer[]): Buffer => {
    const b = Buffer.from(createRecordsBatch(values.map((value) => ({ topic: 't', value })), { compression: 'none', producerId: -1n, producerEpoch: 0 }).buffer);
    b.writeBigInt64BE(BigInt(base), 0);
    b.writeUInt32BE(crc32c(b.subarray(21)) >>> 0, 17);
    return b;
  };
  const d = decodeRecordBatches(raw(0, [Buffer.from('ok'), Buffer.from([0x61, 0xff, 0x62]), Buffer.from('ä€'), Buffer.from([0xe2, 0x82])]), opts());
  assert.equal(d.values.length, 4);
  assert.deepEqual([...(d.invalid ?? new Map()).entries()].map(([i, b]) => [i, b.byteOffset, b.bytes]), [[1, 1, '0xFF'], [3, 0, '0xE2 0x82']]);
  assert.equal(decodeRecordBatches(raw(0, [Buffer.from('ä€日本'), Buffer.from('plain')]), opts()).invalid, null);
});

test('every codec the broker may send decodes: gzip, snappy, lz4, zstd', () => {
  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const values = Array.from({ length: 200 }, (_, i) => `{"uid": ${i}, "codec": "${compression}", "é": ${i % 7}}`);
    const d = decodeRecordBatches(batch(100, values, { compression }), opts({ from: 100 }));
    assert.deepEqual(d.values, values, compression);
    assert.equal(d.first, 100);
    assert.equal(d.end, 300);
  }
});

test('records before `from` (whole batches come back) and from `stop` on are left out; tombstones counted, offsets kept', () => {
  const d = decodeRecordBatches(Buffer.concat([batch(10, ['a', 'b', null, 'c']), batch(14, ['d', 'e'])]), opts({ from: 11, stop: 15 }));
  assert.deepEqual(d.values, ['b', 'c', 'd']);
  assert.deepEqual(d.offsets, [11, 13, 14]);
  assert.equal(d.tombstones, 1);
  assert.equal(d.end, 15);
});

test('control batches (transaction markers) and aborted transactions are skipped, committed ones kept', () => {
  const bytes = Buffer.concat([
    batch(0, ['kept0', 'kept1'], { producerId: 7n, transactional: true }),
    batch(2, ['\u0000'], { producerId: 7n, transactional: true, control: true }), // commit marker
    batch(3, ['gone0', 'gone1'], { producerId: 8n, transactional: true }),
    batch(5, ['\u0000'], { producerId: 8n, transactional: true, control: true }), // abort marker
    batch(6, ['kept2'], { producerId: 8n, transactional: true }), // the same producer's next, committed transaction
  ]);
  const d = decodeRecordBatches(bytes, opts({ aborted: [{ producerId: 8n, firstOffset: 3 }] }));
  assert.deepEqual(d.values, ['kept0', 'kept1', 'kept2']);
  assert.deepEqual(d.offsets, [0, 1, 6]);
  assert.equal(d.end, 7);
});

test('a batch cut off by the fetch size is not decoded; alone it marks the response truncated', () => {
  const whole = batch(0, ['a', 'b']);
  const big = batch(2, ['x'.repeat(5000)]);
  const d = decodeRecordBatches(Buffer.concat([whole, big.subarray(0, 100)]), opts());
  assert.deepEqual(d.values, ['a', 'b']);
  assert.equal(d.end, 2);
  assert.equal(d.truncated, false);
  const only = decodeRecordBatches(big.subarray(0, 100), opts({ from: 2 }));
  assert.equal(only.truncated, true);
  assert.deepEqual(only.values, []);
});

test('a damaged batch fails its CRC naming topic, partition and offset', () => {
  const b = batch(41, ['{"uid": 1}', '{"uid": 2}']);
  b[b.length - 3] ^= 0xff;
  assert.throws(() => decodeRecordBatches(b, opts()), (e: unknown) => {
    assert.ok(e instanceof KafkaSourceError);
    assert.match(e.message, /^topic t partition 3 offset 41: record batch fails its CRC32C check/);
    return true;
  });
});
