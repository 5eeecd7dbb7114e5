/**
 * Two processes running the same job (a local run started twice, a zombie pod): the newer one
 * claims a higher epoch, the older one is fenced at its next checkpoint — it exits non-zero
 * saying another runner owns the job and commits nothing more — and the output is still
 * exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

const RECORDS = 1_000_000;

test('a second concurrent run fences the first; output stays exactly once', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-fence-'));
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) lines.push(`${i}`);
  await writeFile(path.join(dir, 'in.csv'), lines.join('\n') + '\n');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: fence}
spec:
  source: {files: {path: in.csv}, format: {type: csv}, schema: [{name: n, type: INT}]}
  sink: {path: out, format: {type: csv}, rollingPolicy: {fileSize: 32kb}}
  checkpoint: {interval: 100ms}
`);
  const a = new SluiceProcess(['run', job, '--json']);
  await a.waitFor((e) => e.event === 'checkpoint');
  // Freeze the first process (a zombie: a long GC pause, a partitioned node) while a second
  // one starts, claims the next epoch and restores; then let the first one go on.
  a.kill('SIGSTOP');
  const b = new SluiceProcess(['run', job, '--json']);
  await b.waitFor((e) => e.event === 'restore');
  a.kill('SIGCONT');
  const xa = await a.exited;
  assert.equal(xa.code, 3, `first run should be fenced; stderr: ${a.stderr}`);
  assert.match(a.stderr, /another runner owns job fence runner 0/);
  const xb = await b.exited;
  assert.equal(xb.code, 0, b.stderr);
  const got = (await readLines(await visibleFiles(path.join(dir, 'out')))).map(Number).sort((x, y) => x - y);
  assert.equal(got.length, RECORDS);
  for (let i = 0; i < RECORDS; i++) if (got[i] !== i) assert.fail(`record ${i} missing or duplicated (found ${got[i]})`);
});
