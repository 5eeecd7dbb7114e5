/**
 * Property test: for seeded random rows of every type, decode(encode(row)) == row, for CSV
 * under several option sets and for JSON. Failures print the seed and the row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Field, Format, Row, RowValue } from '../api/types.ts';
import { createDecoder, createEncoder } from './index.ts';

/** mulberry32: small, seedable, good enough to spread test cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const schema: Field[] = [
  { name: 'i', type: 'INT' }, { name: 't', type: 'TINYINT' }, { name: 'big', type: 'BIGINT' }, { name: 'd', type: 'DOUBLE' },
  { name: 'f', type: 'FLOAT' }, { name: 'dec', type: 'DECIMAL(12, 3)' }, { name: 'b', type: 'BOOLEAN' }, { name: 's', type: 'STRING' },
  { name: 'day', type: 'DATE' }, { name: 'ts', type: 'TIMESTAMP(3)' }, { name: 's2', type: 'STRING' },
];

// Characters that stress every rule: delimiters, quotes, escapes, comment mark, blanks, line breaks, CJK, emoji.
const ALPHABET = [...'abcXYZ019 ,;"\'\\#\t|-_.+', '\n', '\r', '你', '好', '😀', '👍🏽', 'é', 'N', 'U', 'L'];

function generator(seed: number, allowEmptyString: boolean) {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: T[]): T => xs[int(0, xs.length - 1)];
  const two = (n: number) => String(n).padStart(2, '0');
  const text = (): string => {
    const len = pick([0, 1, 2, 5, 10, 24, 25, 40]);
    let s = '';
    for (let k = 0; k < len; k++) s += pick(ALPHABET);
    return s === '' && !allowEmptyString ? 'x' : s;
  };
  const values: Array<() => RowValue> = [
    () => pick([-2147483648, 2147483647, 0, int(-2147483648, 2147483647)]),
    () => int(-128, 127),
    () => pick([-(2n ** 63n), 2n ** 63n - 1n, 0n, BigInt(int(-1e9, 1e9)) * BigInt(int(0, 9e9)) + BigInt(int(0, 1e6))]),
    () => pick([0, -0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, (r() - 0.5) * 10 ** int(-30, 30), int(-1e6, 1e6)]),
    () => Math.fround(pick([0.1, -0, (r() - 0.5) * 10 ** int(-10, 10), 3.4028234663852886e38])),
    () => {
      const digits = String(int(0, 999999999)) + String(int(0, 999)).padStart(3, '0');
      const v = digits.replace(/^0+(?=\d{4})/, '');
      const dec = `${v.slice(0, -3) || '0'}.${v.slice(-3)}`;
      return r() < 0.5 && /[1-9]/.test(dec) ? `-${dec}` : dec;
    },
    () => r() < 0.5,
    text,
    () => `${String(int(1, 9999)).padStart(4, '0')}-${two(int(1, 12))}-${two(int(1, 28))}`,
    () => {
      const frac = pick(['', '.5', '.12', '.001', '.999']);
      return `${String(int(1970, 2100))}-${two(int(1, 12))}-${two(int(1, 28))} ${two(int(0, 23))}:${two(int(0, 59))}:${two(int(0, 59))}${frac}`;
    },
    text,
  ];
  return (): Row => values.map((make) => (r() < 0.1 ? null : make()));
}

function roundTrip(format: Format, seed: number, count: number, allowEmptyString = true): void {
  const next = generator(seed, allowEmptyString);
  const encoder = createEncoder(format, schema, schema.map((_, i) => i));
  const decoder = createDecoder(format, schema);
  const rows = Array.from({ length: count }, next);
  const lines = rows.map((row) => encoder.encode(row));
  for (const line of lines) assert.ok(line.endsWith('\n'));
  const decoded: Row[] = [];
  decoder.decodeBatch(lines, decoded, (i, e) => assert.fail(`seed ${seed} row ${i}: ${e.message}\n${JSON.stringify(lines[i])}`));
  assert.equal(decoded.length, rows.length);
  for (let i = 0; i < rows.length; i++) {
    assert.deepStrictEqual(decoded[i], rows[i], `seed ${seed} row ${i}: ${JSON.stringify(lines[i])}`);
  }
}

const SEEDS = [1, 42, 2024];
const N = 2000;

test('csv round trip, default options', () => { for (const s of SEEDS) roundTrip({ type: 'csv' }, s, N); });
test('csv round trip, tab delimiter and a NULL literal', () => { for (const s of SEEDS) roundTrip({ type: 'csv', fieldDelimiter: '\t', nullLiteral: 'NULL' }, s, N); });
test('csv round trip, escape character (one line per record)', () => {
  for (const s of SEEDS) roundTrip({ type: 'csv', escapeCharacter: '\\' }, s, N);
  const line = createEncoder({ type: 'csv', escapeCharacter: '\\' }, [{ name: 's', type: 'STRING' }], [0]).encode(['a\nb\r']);
  assert.equal(line.indexOf('\n'), line.length - 1);
});
test("csv round trip, ';' delimiter and ' quote", () => { for (const s of SEEDS) roundTrip({ type: 'csv', fieldDelimiter: ';', quoteCharacter: "'", allowComments: true }, s, N); });
test('csv round trip, quoting disabled with an escape character (empty strings excepted: they read as NULL)', () => {
  for (const s of SEEDS) roundTrip({ type: 'csv', disableQuoteCharacter: true, escapeCharacter: '\\', nullLiteral: 'NULL' }, s, N, false);
});
test('json round trip, SQL timestamps', () => { for (const s of SEEDS) roundTrip({ type: 'json' }, s, N); });
test('json round trip, ISO-8601 timestamps', () => { for (const s of SEEDS) roundTrip({ type: 'json', timestampFormat: 'ISO-8601' }, s, N); });
