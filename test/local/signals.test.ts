/**
 * SIGTERM/SIGINT: a final checkpoint, commit, exit 0; the next run resumes from it and the
 * output holds every record once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SluiceProcess, runSluice } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

const N = 600_000;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: final checkpoint, exit 0, resume without loss or duplicates`, { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-sig-'));
    await writeFile(path.join(dir, 'in.csv'), Array.from({ length: N }, (_, i) => i).join('\n') + '\n');
    const job = path.join(dir, 'job.yaml');
    await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: sig}
spec:
  source: {files: {path: in.csv}, format: {type: csv}, schema: [{name: n, type: INT}]}
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 100ms}
`);
    const p = new SluiceProcess(['run', job, '--json']);
    await p.waitFor((e) => e.event === 'checkpoint');
    p.kill(signal);
    const x = await p.exited;
    assert.equal(x.code, 0, p.stderr);
    const first = p.events.find((e) => e.event === 'summary')!;
    assert.ok(first, 'a summary is printed');
    const committedFirst = first.recordsCommitted as number;
    const visible = (await readLines(await visibleFiles(path.join(dir, 'out')))).length;
    assert.equal(visible, committedFirst, 'what the summary says is committed is exactly what is visible');
    if (first.finished !== true) {
      const r = await runSluice(['run', job, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.events.find((e) => e.event === 'restore')!.restoredId !== null, true);
    }
    const all = (await readLines(await visibleFiles(path.join(dir, 'out')))).map(Number).sort((a, b) => a - b);
    assert.equal(all.length, N);
    all.forEach((v, i) => assert.equal(v, i));
  });
}

// A runner that reaches the end of its input as the kubelet (or a test) sends SIGTERM: the
// signal lands while the process closes its clients or in Node's own exit. It used to die by
// the signal there (exit code null), about every other time; it must exit 0 like any stop.
test('SIGTERM as a finished run exits: exit 0, never killed by the signal', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-sig-end-'));
  await writeFile(path.join(dir, 'in.csv'), Array.from({ length: 2000 }, (_, i) => i).join('\n') + '\n');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: sig-end}
spec:
  source: {files: {path: in.csv}, format: {type: csv}, schema: [{name: n, type: INT}]}
  sink: {path: out, format: {type: csv}}
`);
  for (let run = 0; run < 8; run++) {
    const p = new SluiceProcess(['run', job, '--json']);
    await p.waitFor((e) => e.event === 'summary');
    p.kill('SIGTERM');
    const x = await p.exited;
    assert.deepEqual(x, { code: 0, signal: null }, `run ${run}: ${p.stderr}`);
  }
  assert.equal((await readLines(await visibleFiles(path.join(dir, 'out')))).length, 2000);
});
