import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8, invalidUtf8Lines, invalidUtf8Of } from './invalid-utf8.ts';
import { createDecoder } from './index.ts';
import type { Row } from '../api/types.ts';

const bytes = (...b: number[]): Buffer => Buffer.from(b);

test('the validator agrees with the native isUtf8 on every kind of sequence, and points at the first bad byte', () => {
  const cases: Array<[Buffer, number]> = [
    [Buffer.from('plain ascii'), -1],
    [Buffer.from('é日本🚀'), -1],
    [bytes(0x61, 0xff, 0x62), 1],
    [bytes(0x61, 0xc3), 1], // cut 2-byte sequence
    [bytes(0xc0, 0x80), 0], // overlong NUL
    [bytes(0xe0, 0x80, 0x80), 0], // overlong
    [bytes(0xed, 0xa0, 0x80), 0], // a UTF-16 surrogate
    [bytes(0xf4, 0x90, 0x80, 0x80), 0], // above U+10FFFF
    [bytes(0xf0, 0x9f, 0x9a), 0], // cut 4-byte sequence
    [bytes(0x41, 0xe6, 0x97, 0xa5, 0x80), 4], // a lone continuation byte after a valid char
  ];
  for (const [b, want] of cases) {
    assert.equal(firstInvalidUtf8(b, 0, b.length), want, b.toString('hex'));
    assert.equal(want === -1, isUtf8(b), b.toString('hex'));
  }
  // random bytes, biased towards the multi-byte range
  let s = 7;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) >> 8;
  for (let n = 0; n < 20000; n++) {
    const b = Buffer.alloc(1 + (rnd() % 6));
    for (let i = 0; i < b.length; i++) b[i] = rnd() % 3 === 0 ? rnd() % 128 : 0x80 + (rnd() % 128);
    assert.equal(firstInvalidUtf8(b, 0, b.length) === -1, isUtf8(b), b.toString('hex'));
  }
});

test('invalidUtf8Lines finds exactly the bad lines, with the char index where the U+FFFD stands', () => {
  const buf = Buffer.concat([Buffer.from('ok\né'), bytes(0xff, 0x0a), Buffer.from('fine\n'), Buffer.from('x,日'), bytes(0xe6, 0x97)]);
  const bad = invalidUtf8Lines(buf, 0, buf.length);
  assert.deepEqual([...bad.keys()], [1, 3]);
  assert.deepEqual(bad.get(1), { at: 1, byteOffset: 2, bytes: '0xFF', rawBytes: 3 });
  assert.deepEqual(bad.get(3), { at: 3, byteOffset: 5, bytes: '0xE6 0x97', rawBytes: 7 });
  const line = buf.subarray(buf.lastIndexOf(0x0a) + 1).toString('utf8');
  assert.equal(line[bad.get(3)!.at], '\uFFFD');
  assert.equal(invalidUtf8Of(Buffer.from('日本'), 0, 6), null);
});

test('a record that is not UTF-8 is a bad record naming the field (CSV, JSON); ignoreParseErrors counts it', () => {
  const schema = [{ name: 'uid', type: 'INT' }, { name: 'name', type: 'STRING' }, { name: 'city', type: 'STRING' }];
  const cases: Array<[{ type: 'csv' | 'json'; ignoreParseErrors?: boolean }, Buffer, string | undefined]> = [
    [{ type: 'csv' }, Buffer.concat([Buffer.from('1,"a,b",x'), bytes(0xff)]), 'city'],
    [{ type: 'csv' }, Buffer.concat([Buffer.from('1,'), bytes(0xc3, 0x28), Buffer.from(',x')]), 'name'],
    [{ type: 'json' }, Buffer.concat([Buffer.from('{"uid": 1, "name": "a\\"'), bytes(0xff), Buffer.from('", "city": "x"}')]), 'name'],
    [{ type: 'json' }, Buffer.concat([Buffer.from('{"uid": 1, "nested": {"city": "'), bytes(0xff), Buffer.from('"}}')]), 'nested'],
    [{ type: 'json' }, Buffer.concat([Buffer.from('{"na'), bytes(0xff), Buffer.from('me": 1}')]), undefined],
  ];
  for (const [format, raw, field] of cases) {
    const bad = invalidUtf8Of(raw, 0, raw.length)!;
    const values = ['', raw.toString('utf8')];
    const d = createDecoder(format, schema);
    const errors: Array<[number, Error & { field?: string }]> = [];
    const out: Row[] = [];
    assert.equal(d.decodeBatch(values, out, (i, e) => errors.push([i, e]), false, new Map([[1, bad]])), 0);
    assert.equal(errors.length, 1, raw.toString('hex'));
    assert.equal(errors[0]![0], 1);
    assert.equal(errors[0]![1].field, field, raw.toString('hex'));
    assert.match(errors[0]![1].message, new RegExp(`is not valid UTF-8: ${bad.bytes} at byte ${bad.byteOffset} of the record`));
    const lenient = createDecoder({ ...format, ignoreParseErrors: true }, schema);
    assert.equal(lenient.decodeBatch(values, out, () => assert.fail('ignoreParseErrors calls no onError'), false, new Map([[1, bad]])), 0);
    assert.equal(lenient.skippedRecords, 1);
  }
});
