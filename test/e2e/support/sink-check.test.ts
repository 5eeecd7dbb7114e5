/** The crash tests are only as good as their checker: each way a sink can be wrong must fail it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExactlyOnce } from './sink-check.ts';
import type { SinkTree } from './sink-check.ts';
import { uidOf } from './sequenced-input.ts';

const N = 30;

/** A correct sink of N records in memory, then `mutate` breaks it. */
function sink(mutate: (files: Map<string, string>) => void = () => {}): SinkTree {
  const files = new Map<string, string>();
  for (const p of [0, 1, 2]) {
    files.set(`pid=${p}/_SUCCESS`, '');
    files.set(`pid=${p}/part-a`, '');
  }
  for (let i = 0; i < N; i++) {
    const k = `pid=${uidOf(i) % 3}/part-a`;
    files.set(k, `${files.get(k)!}${i},${uidOf(i)}\n`);
  }
  mutate(files);
  return {
    files: async () => [...files].map(([rel, t]) => ({ rel, size: Buffer.byteLength(t) })),
    read: async (rel) => Buffer.from(files.get(rel)!),
  };
}

const firstLine = (text: string): string => `${text.split('\n')[0]!}\n`;

test('a correct sink passes', async () => {
  let bytes = 0;
  for (let i = 0; i < N; i++) bytes += `${i},${uidOf(i)}\n`.length;
  assert.deepEqual(await checkExactlyOnce(sink(), N, 1), { visibleFiles: 3, bytes });
});

test('every kind of wrong sink fails with a message naming the record or file', async () => {
  const cases: Array<[string, (f: Map<string, string>) => void, RegExp]> = [
    ['duplicate', (f) => f.set('pid=0/part-b', firstLine(f.get('pid=0/part-a')!)), /seq 0 is visible twice \(second time in pid=0\/part-b/],
    ['missing', (f) => f.set('pid=1/part-a', f.get('pid=1/part-a')!.split('\n').slice(1).join('\n')), /seq \d+ is missing/],
    ['temp file', (f) => f.set('pid=2/.part-x.inprogress.1', 'x'), /hidden temp\/in-progress files/],
    ['no _SUCCESS', (f) => f.delete('pid=2/_SUCCESS'), /pid=2\/_SUCCESS is missing/],
    ['wrong partition', (f) => f.set('pid=0/part-a', f.get('pid=0/part-a')! + firstLine(f.get('pid=1/part-a')!)), /is in pid=0, not pid=1/],
    ['partial file', (f) => f.set('pid=0/part-a', f.get('pid=0/part-a')!.slice(0, -1)), /does not end with a newline/],
  ];
  for (const [name, mutate, message] of cases) {
    await assert.rejects(checkExactlyOnce(sink(mutate), N, 1), message, name);
  }
});

test('with partitions: N, records are checked against PMOD(seq, N) and every one of the N partitions needs _SUCCESS', async () => {
  const P = 12;
  const correct = (): Map<string, string> => {
    const files = new Map<string, string>();
    for (let p = 0; p < P; p++) files.set(`pid=${p}/_SUCCESS`, '');
    for (let i = 0; i < N; i++) {
      const k = `pid=${i % P}/part-${Math.floor(i / P) % 2}`;
      files.set(k, `${files.get(k) ?? ''}${i},${uidOf(i)}\n`);
    }
    return files;
  };
  const tree = (files: Map<string, string>): SinkTree => ({
    files: async () => [...files].map(([rel, t]) => ({ rel, size: Buffer.byteLength(t) })),
    read: async (rel) => Buffer.from(files.get(rel)!),
  });
  assert.equal((await checkExactlyOnce(tree(correct()), N, 1, { partitions: P })).visibleFiles, 2 * P);
  const noSuccess = correct();
  noSuccess.delete('pid=11/_SUCCESS');
  await assert.rejects(checkExactlyOnce(tree(noSuccess), N, 1, { partitions: P }), /pid=11\/_SUCCESS is missing/);
  const misplaced = correct();
  misplaced.set('pid=10/part-9', `1,${uidOf(1)}\n`);
  misplaced.set('pid=1/part-0', misplaced.get('pid=1/part-0')!.replace(`1,${uidOf(1)}\n`, ''));
  await assert.rejects(checkExactlyOnce(tree(misplaced), N, 1, { partitions: P }), /seq 1 is in pid=10, not pid=1/);
  // the seed's uid partitioning does not hold here: checked without `partitions`, it fails
  await assert.rejects(checkExactlyOnce(tree(correct()), N, 1), /_SUCCESS is missing|is in pid=/);
});
