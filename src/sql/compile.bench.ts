/**
 * Throughput of the compiled transform on the seed's Kafka query:
 *   npx node src/sql/compile.bench.ts [rows]
 * Prints rows/s for applyBatch over batches of 1024 rows, beside a hand-written JS loop doing
 * the same work (the raw limit on this machine), so the figure reads as a ratio.
 * Target: > 5 million rows/s on one core.
 */
import type { Row } from '../api/types.ts';
import { compileQuery } from './index.ts';

const total = Number(process.argv[2] ?? 20_000_000);
const BATCH = 1024;

const query = compileQuery(
  'SELECT uid, uid_to_pid(uid) AS pid FROM source',
  [{ name: 'uid', type: 'INT' }],
  [{ name: 'uid_to_pid', params: [{ name: 'uid', type: 'INT' }], returns: 'INT', expression: 'PMOD(uid, 3)' }],
);

// Like the seed's producer: uid = random 0..100 (a few negatives and NULLs to keep branches honest).
const input: Row[][] = [];
for (let b = 0; b < 64; b++) {
  const rows: Row[] = [];
  for (let i = 0; i < BATCH; i++) rows.push([i % 97 === 0 ? null : Math.floor(Math.random() * 101) - (i % 13 === 0 ? 50 : 0)]);
  input.push(rows);
}
const out: Row[] = new Array<Row>(BATCH);

function run(label: string, step: (rows: Row[], out: Row[]) => number): number {
  let done = 0;
  let kept = 0;
  const start = process.hrtime.bigint();
  for (let b = 0; done < total; b = (b + 1) & 63) {
    kept += step(input[b], out);
    done += BATCH;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = done / seconds;
  console.log(`${label.padEnd(28)} ${(rate / 1e6).toFixed(2)} M rows/s  (${done} rows, ${kept} kept, ${seconds.toFixed(2)} s)`);
  return rate;
}

function handWritten(rows: Row[], o: Row[]): number {
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const uid = rows[i][0] as number | null;
    o[n++] = [uid, uid === null ? null : ((uid % 3) + 3) % 3];
  }
  return n;
}

run('warm-up (compiled)', query.applyBatch);
run('hand-written JS', handWritten);
const rate = run('compiled query', query.applyBatch);
console.log(rate > 5e6 ? 'OK: above 5 M rows/s' : 'BELOW TARGET: 5 M rows/s');
