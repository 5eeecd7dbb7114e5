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

// Four runs of one job at once, losing at every kind of moment: while restoring, while writing
// part files the winner's restore aborts, while publishing files the winner re-publishes. A
// loser ends only by the fence (exit 3 and the message), never exit 1 with a raw error; the
// output holds every record once.
test('four concurrent runs of one job, repeated: every loser exits 3 with the fencing message; exactly once', { timeout: 600_000 }, async () => {
  const rounds = 4;
  const n = 300_000;
  for (let round = 0; round < rounds; round++) {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-fence4-'));
    await writeFile(path.join(dir, 'in.csv'), Array.from({ length: n }, (_, i) => i).join('\n') + '\n');
    const job = path.join(dir, 'job.yaml');
    await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: fence4}
spec:
  source: {files: {path: in.csv}, format: {type: csv}, schema: [{name: n, type: INT}]}
  sink: {path: out, format: {type: csv}, rollingPolicy: {fileSize: 16kb}}
  checkpoint: {interval: 100ms}
`);
    const slow = { SLUICE_TEST_MAX_RATE: '100000' };
    const runs: SluiceProcess[] = [new SluiceProcess(['run', job, '--json'], slow)];
    // the others start at different moments each round: at once, after a restore, after
    // some checkpoints of the newest run
    for (let k = 1; k < 4; k++) {
      const newest = runs.at(-1)!;
      const wait = (round + k) % 3;
      if (wait === 1) await newest.waitFor((e) => e.event === 'restore').catch(() => {});
      if (wait === 2) {
        let seen = 0;
        await newest.waitFor((e) => e.event === 'checkpoint' && ++seen === 1 + round).catch(() => {});
      }
      runs.push(new SluiceProcess(['run', job, '--json'], slow));
    }
    const exits = await Promise.all(runs.map((r) => r.exited));
    exits.forEach((x, i) => {
      const r = runs[i]!;
      assert.ok(x.code === 0 || x.code === 3, `round ${round} run ${i}: exit ${x.code ?? x.signal}: ${r.stderr}`);
      if (x.code === 3) assert.match(r.stderr.trim(), /^sluice: another runner owns job fence4 runner 0: epoch \d+ was claimed after this process's epoch \d+; exiting without committing$/);
    });
    // the run that claimed the highest epoch (not always the last started) ends the job
    assert.ok(exits.some((x) => x.code === 0), `round ${round}: one run completes the job`);
    const got = (await readLines(await visibleFiles(path.join(dir, 'out')))).map(Number).sort((x, y) => x - y);
    assert.equal(got.length, n, `round ${round}`);
    for (let i = 0; i < n; i++) if (got[i] !== i) assert.fail(`round ${round}: record ${i} missing or duplicated (found ${got[i]})`);
  }
});
