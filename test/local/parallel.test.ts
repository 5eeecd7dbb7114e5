/**
 * `sluice run FILE --runner i/N`: N processes share a directory of files (file j goes to runner
 * j % N), each with its own checkpoint lineage; a partition gets `_SUCCESS` only after every
 * runner has published its data up to that checkpoint, so the last runner to finish commits it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

test('three runners share a directory; every record once; _SUCCESS after all of them', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-par-'));
  await mkdir(path.join(dir, 'in'));
  let seq = 0;
  for (let f = 0; f < 7; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000 * (f + 1); i++, seq++) lines.push(`{"seq": ${seq}, "uid": ${seq % 101}}`);
    await writeFile(path.join(dir, 'in', `part-${f}.jsonl`), lines.join('\n') + '\n');
  }
  await writeFile(path.join(dir, 'in', '_ignored'), 'not data\n');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: par}
spec:
  source: {files: {path: in}, format: {type: json}, schema: [{name: seq, type: BIGINT}, {name: uid, type: INT}]}
  transform: {query: "SELECT seq, PMOD(uid, 3) AS pid FROM source"}
  sink: {path: out, format: {type: csv}, partitionBy: [pid], partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 200ms}
  parallelism: 3
`);
  const runners = [0, 1, 2].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json']));
  for (const r of runners) {
    const x = await r.exited;
    assert.equal(x.code, 0, r.stderr);
  }
  const restores = runners.map((r) => r.events.find((e) => e.event === 'restore')!);
  assert.deepEqual(restores.map((e) => [e.runner, e.parallelism]), [[0, 3], [1, 3], [2, 3]]);
  const committed = runners.map((r) => r.events.find((e) => e.event === 'summary')!.recordsCommitted as number);
  assert.deepEqual(committed, [(1 + 4 + 7) * 20_000, (2 + 5) * 20_000, (3 + 6) * 20_000]);
  const out = path.join(dir, 'out');
  const seen = new Uint8Array(seq);
  for (const pid of [0, 1, 2]) {
    for (const l of await readLines(await visibleFiles(path.join(out, `pid=${pid}`)))) {
      const s = Number(l);
      assert.equal(seen[s], 0, `seq ${s} twice`);
      seen[s] = 1;
      assert.equal((s % 101) % 3, pid);
    }
    assert.ok((await readdir(path.join(out, `pid=${pid}`))).includes('_SUCCESS'));
  }
  assert.equal(seen.indexOf(0), -1);
});

/** 5 files of 10,000 `{"seq"}` lines and a job reading them into `out/`, checkpointing every 200 ms. */
async function fiveFileJob(name: string): Promise<{ dir: string; job: string; records: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), `sluice-par-${name}-`));
  await mkdir(path.join(dir, 'in'));
  let seq = 0;
  for (let f = 0; f < 5; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++, seq++) lines.push(`{"seq": ${seq}}`);
    await writeFile(path.join(dir, 'in', `part-${f}.jsonl`), lines.join('\n') + '\n');
  }
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: ${name}}
spec:
  source: {files: {path: in}, format: {type: json}, schema: [{name: seq, type: BIGINT}]}
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 200ms}
`);
  return { dir, job, records: seq };
}

/** Every seq below `records` is visible under `dir/out` exactly once. */
async function assertEachSeqOnce(dir: string, records: number, context = ''): Promise<void> {
  const seen = new Uint8Array(records);
  for (const l of await readLines(await visibleFiles(path.join(dir, 'out')))) {
    const s = Number(l);
    assert.equal(seen[s], 0, `seq ${s} twice${context}`);
    seen[s] = 1;
  }
  assert.equal(seen.indexOf(0), -1, `seq ${seen.indexOf(0)} missing`);
}

test('parallelism 3 → 2 while reading files: moved files resume where they were published, none is read twice', { timeout: 120_000 }, async () => {
  const { dir, job, records } = await fiveFileJob('rescale');
  // 3 runners, slowed down, stopped (final checkpoint) once each has published some records:
  // files 0, 1, 2 are then half read, and with 2 runners file 2 moves from runner 2 to runner 0
  // Each is stopped as soon as it has published: at 2,000 records/s a file of 10,000 takes 5 s,
  // so even on a busy machine none has read its share by then (waiting for all three before
  // stopping any let a runner finish first there).
  const slow = { SLUICE_TEST_MAX_RATE: '2000' };
  const three = [0, 1, 2].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json'], slow));
  await Promise.all(three.map(async (r) => {
    await r.waitFor((e) => e.event === 'checkpoint' && (e.counters as { records: number }).records > 0);
    r.kill('SIGTERM');
  }));
  const firstPhase: number[] = [];
  for (const r of three) {
    assert.equal((await r.exited).code, 0, r.stderr);
    const summary = r.events.find((e) => e.event === 'summary')!;
    assert.equal(summary.finished, false, 'stopped mid-read');
    firstPhase.push(summary.recordsCommitted as number);
  }
  const two = [0, 1].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/2`, '--json']));
  for (const r of two) assert.equal((await r.exited).code, 0, r.stderr);
  await assertEachSeqOnce(dir, records, ` (first phase committed ${firstPhase.join(' + ')})`);
  // A lineage's partition figures are its own over its restarts, as its counters are: runner 0
  // does not take over those of lineage 2, which it retired (a scale-up restores them there).
  for (const r of two) {
    const s = r.events.find((e) => e.event === 'summary')!;
    assert.deepEqual([s.partitions, (s.recentPartitions as Array<{ path: string; records: number }>).map((p) => [p.path, p.records])], [1, [['', s.recordsCommitted]]]);
  }
});

for (const doomed of [2, 1]) {
  test(`parallelism 3 → 2 after runner ${doomed} died between publishing a checkpoint and its committed marker: none is read twice`, { timeout: 120_000 }, async () => {
    const { dir, job, records } = await fiveFileJob('settle');
    // Runner `doomed` publishes its 2nd checkpoint's files and dies before its marker names it;
    // the others stop cleanly mid-read. Then 2 runners read everything that is left.
    const slow = { SLUICE_TEST_MAX_RATE: '8000' };
    const others = [0, 1, 2].filter((i) => i !== doomed).map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json'], slow));
    const dying = new SluiceProcess(['run', job, '--runner', `${doomed}/3`, '--json'], { ...slow, SLUICE_FAILPOINTS: 'before-marker:2' });
    assert.equal((await dying.exited).signal, 'SIGKILL', dying.stderr);
    for (const r of others) await r.waitFor((e) => e.event === 'checkpoint');
    for (const r of others) r.kill('SIGTERM');
    for (const r of others) assert.equal((await r.exited).code, 0, r.stderr);
    const two = [0, 1].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/2`, '--json']));
    for (const r of two) assert.equal((await r.exited).code, 0, r.stderr);
    await assertEachSeqOnce(dir, records);
  });
}

// Under load, a runner can read its whole share before the others are stopped. Its record says
// finished — for its files at the old parallelism. The runner of that index at the new
// parallelism owns other files (here file 3, runner 0's before), and once skipped reading at all.
test('parallelism 3 → 2 after runner 1 finished its share: its index still reads its new share', { timeout: 120_000 }, async () => {
  const { dir, job, records } = await fiveFileJob('finished-share');
  const slow = { SLUICE_TEST_MAX_RATE: '2000' };
  const others = [0, 2].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json'], slow));
  const done = new SluiceProcess(['run', job, '--runner', '1/3', '--json']);
  // runner 1's final checkpoint; it then waits for the others to finish before its partition commit
  await done.waitFor((e) => e.event === 'checkpoint' && e.finished === true);
  for (const r of others) await r.waitFor((e) => e.event === 'checkpoint' && (e.counters as { records: number }).records > 0);
  for (const r of [done, ...others]) r.kill('SIGTERM');
  for (const r of [done, ...others]) assert.equal((await r.exited).code, 0, r.stderr);
  for (const r of others) assert.equal(r.events.find((e) => e.event === 'summary')?.finished, false, 'stopped mid-read');
  const two = [0, 1].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/2`, '--json']));
  for (const r of two) assert.equal((await r.exited).code, 0, r.stderr);
  await assertEachSeqOnce(dir, records);
});
