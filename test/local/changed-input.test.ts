/**
 * An input file that changes under a job is noticed at the next restore: the file source keeps
 * each file's size and modification time in its position (ETag on OSS, FileStatus on HDFS).
 * A partly read file that was truncated or rewritten, or a file read to its end that changed,
 * fails the rerun with one line naming the file and what changed — not "ok" with records never
 * read, not an error blaming a valid line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, appendFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSluice, SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

const N = 200_000;
const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => from + i).join('\n') + '\n';

/** in/a.csv (1,000 lines) and in/b.csv (N lines), a job stopped (SIGTERM) with a read, b part read. */
async function stoppedMidFile(): Promise<{ dir: string; job: string; a: string; b: string; readOfB: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-changed-'));
  await mkdir(path.join(dir, 'in'));
  const a = path.join(dir, 'in', 'a.csv');
  const b = path.join(dir, 'in', 'b.csv');
  await writeFile(a, lines(0, 1000));
  await writeFile(b, lines(1000, N));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: changed}
spec:
  source: {files: {path: in}, format: {type: csv}, schema: [{name: n, type: INT}]}
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 100ms}
`);
  const p = new SluiceProcess(['run', job, '--json'], { SLUICE_TEST_MAX_RATE: '40000' });
  await p.waitFor((e) => e.event === 'checkpoint' && (e.counters as { records: number }).records > 20_000);
  p.kill('SIGTERM');
  assert.equal((await p.exited).code, 0, p.stderr);
  const summary = p.events.find((e) => e.event === 'summary')!;
  assert.equal(summary.finished, false, 'stopped mid-read');
  const readOfB = (summary.recordsCommitted as number) - 1000;
  assert.ok(readOfB > 0 && readOfB < N, `b.csv part read (${readOfB} lines)`);
  return { dir, job, a, b, readOfB };
}

async function assertRefused(s: { dir: string; job: string }, message: RegExp): Promise<void> {
  const before = await visibleFiles(path.join(s.dir, 'out'));
  const r = await runSluice(['run', s.job, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const err = r.stderr.trim().split('\n');
  assert.equal(err.length, 1, r.stderr);
  assert.match(err[0]!, message);
  assert.match(err[0]!, /put the file back as it was, or start the job over/);
  assert.deepEqual(await visibleFiles(path.join(s.dir, 'out')), before, 'nothing more published');
}

test('a partly read file truncated after a checkpoint fails the rerun naming it and its sizes', { timeout: 120_000 }, async () => {
  const s = await stoppedMidFile();
  await truncate(s.b, 7_000);
  await assertRefused(s, new RegExp(`input file ${s.b} changed after the job read it up to line \\d+ \\(byte \\d+\\): size ${Buffer.byteLength(lines(1000, N))} → 7000 bytes, modified`));
});

test('a partly read file rewritten at its head (same size) fails naming the change, not blaming a line', { timeout: 120_000 }, async () => {
  const s = await stoppedMidFile();
  const f = await open(s.b, 'r+');
  await f.write('xxxx\n', 0); // "1000\n" becomes a line that does not parse as INT
  await f.close();
  await assertRefused(s, new RegExp(`input file ${s.b} changed after the job read it up to line \\d+ \\(byte \\d+\\): modified \\S+ → \\S+;`));
});

test('a file read to its end that changed fails the rerun: its new content would never be read', { timeout: 120_000 }, async () => {
  const s = await stoppedMidFile();
  await appendFile(s.a, lines(5_000_000, 10));
  await assertRefused(s, new RegExp(`input file ${s.a} changed after the job read all of it: size \\d+ → \\d+ bytes, modified .*; its new content would never be read`));
});

test('a file added to the directory between runs is read; the rest resumes exactly once', { timeout: 120_000 }, async () => {
  const s = await stoppedMidFile();
  await writeFile(path.join(s.dir, 'in', 'c.csv'), lines(1000 + N, 500)); // sorts after the others
  const r = await runSluice(['run', s.job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const got = (await readLines(await visibleFiles(path.join(s.dir, 'out')))).map(Number).sort((x, y) => x - y);
  assert.equal(got.length, 1000 + N + 500);
  for (let i = 0; i < got.length; i++) if (got[i] !== i) assert.fail(`record ${i} missing or duplicated (found ${got[i]})`);
});
