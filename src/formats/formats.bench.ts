/**
 * Throughput of the format hot paths, one core: `npx node src/formats/formats.bench.ts`.
 * Targets: JSON decode of `{"uid": 42}` ≥ 3M records/s; CSV encode of `[uid]` ≥ 5M rows/s.
 * Each case runs a few rounds and reports the best, since the machine is shared.
 */
import type { Field, Format, Row } from '../api/types.ts';
import { createDecoder, createEncoder } from './index.ts';

const N = 1_000_000;
const BATCH = 1000;
const ROUNDS = 5;

function best(label: string, target: number, run: () => number): void {
  let rate = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    const count = run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rate = Math.max(rate, count / seconds);
  }
  const verdict = target > 0 ? (rate >= target ? '  ok' : `  BELOW target ${(target / 1e6).toFixed(1)}M/s`) : '';
  console.log(`${label.padEnd(44)} ${(rate / 1e6).toFixed(2).padStart(6)} M/s${verdict}`);
}

function decodeCase(label: string, target: number, format: Format, schema: Field[], make: (i: number) => string): void {
  const decoder = createDecoder(format, schema);
  const batches: string[][] = [];
  for (let i = 0; i < N; i += BATCH) batches.push(Array.from({ length: BATCH }, (_, j) => make(i + j)));
  const out: Row[] = [];
  best(label, target, () => {
    let rows = 0;
    for (const b of batches) {
      out.length = 0;
      rows += decoder.decodeBatch(b, out, (i, e) => { throw e; });
    }
    return rows;
  });
}

function encodeCase(label: string, target: number, format: Format, schema: Field[], columns: number[], make: (i: number) => Row): void {
  const encoder = createEncoder(format, schema, columns);
  const rows = Array.from({ length: 100_000 }, (_, i) => make(i));
  best(label, target, () => {
    let bytes = 0;
    for (let k = 0; k < N / rows.length; k++) for (const r of rows) bytes += encoder.encode(r).length;
    return bytes > 0 ? N : 0;
  });
}

const uid: Field[] = [{ name: 'uid', type: 'INT' }];
const wide: Field[] = [
  { name: 'uid', type: 'INT' }, { name: 'name', type: 'STRING' }, { name: 'amount', type: 'DECIMAL(10, 2)' },
  { name: 'ts', type: 'TIMESTAMP(3)' }, { name: 'big', type: 'BIGINT' }, { name: 'ok', type: 'BOOLEAN' },
];

decodeCase('json decode {"uid": 42}', 3e6, { type: 'json' }, uid, (i) => `{"uid": ${i % 100000}}`);
decodeCase('json decode 6 columns', 0, { type: 'json' }, wide,
  (i) => `{"uid":${i},"name":"user ${i}","amount":${i}.25,"ts":"2024-01-02 03:04:05.678","big":${i + 1}000000000,"ok":true,"extra":1}`);
decodeCase('csv decode uid', 0, { type: 'csv' }, uid, (i) => `${i % 100000}`);
decodeCase('csv decode 6 columns', 0, { type: 'csv' }, wide, (i) => `${i},user ${i},${i}.25,2024-01-02 03:04:05.678,${i + 1}000000000,true`);
encodeCase('csv encode [uid]', 5e6, { type: 'csv' }, uid, [0], (i) => [i]);
encodeCase('csv encode 6 columns', 0, { type: 'csv' }, wide, [0, 1, 2, 3, 4, 5],
  (i) => [i, `user ${i}`, `${i}.25`, '2024-01-02 03:04:05.678', BigInt(i) * 1000000000n, i % 2 === 0]);
encodeCase('json encode [uid]', 0, { type: 'json' }, uid, [0], (i) => [i]);
encodeCase('json encode 6 columns', 0, { type: 'json' }, wide, [0, 1, 2, 3, 4, 5],
  (i) => [i, `user ${i}`, `${i}.25`, '2024-01-02 03:04:05.678', BigInt(i) * 1000000000n, i % 2 === 0]);
