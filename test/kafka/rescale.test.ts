/**
 * A parallelism change: two runners read a 6-partition topic and stop (SIGTERM, final
 * checkpoint); then three runners take over the same job. Flink's ownership moves partitions
 * between runners, so a runner now owns partitions it never read: it must resume them where
 * their previous owner published, not from the start. Every record lands exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTopic, produce, uniqueTopic, useBroker } from './helpers.ts';
import { SluiceProcess, type SluiceEvent } from '../helpers/sluice-process.ts';
import { allFiles, readLines, visibleFiles } from '../helpers/visible-files.ts';

const broker = useBroker();
const PER_PHASE = 20_000;

/** Start runners i/n, wait until together they committed `total` records, SIGTERM them, expect exit 0. */
async function runUntil(job: string, n: number, total: number): Promise<void> {
  const procs = Array.from({ length: n }, (_, i) => new SluiceProcess(['run', job, '--runner', `${i}/${n}`, '--json']));
  const committed = (): number => procs.reduce((sum, p) => {
    const last = [...p.events].reverse().find((e) => e.event === 'checkpoint');
    return sum + ((last?.counters as { records: number } | undefined)?.records ?? 0);
  }, 0);
  const deadline = Date.now() + 120_000;
  while (committed() < total) {
    if (Date.now() > deadline) assert.fail(`only ${committed()} of ${total} committed; stderr: ${procs.map((p) => p.stderr).join('\n')}`);
    await Promise.race([...procs.map((p) => p.waitFor((e) => e.event === 'checkpoint' && committed() >= total)), new Promise((r) => setTimeout(r, 500))]);
  }
  for (const p of procs) p.kill('SIGTERM');
  for (const p of procs) assert.equal((await p.exited).code, 0, p.stderr);
  assert.equal(committed(), total, 'no runner committed more than the topic held');
}

/** A fresh 6-partition topic holding PER_PHASE `{"seq"}` records, and a job reading it into `out/`. */
async function rescaleJob(name: string): Promise<{ job: string; out: string; produceMore: (from: number) => Promise<void> }> {
  const topic = uniqueTopic(name);
  await createTopic(broker, topic, 6);
  const msg = (seq: number): { partition: number; value: string } => ({ partition: seq % 6, value: JSON.stringify({ seq }) });
  const produceMore = async (from: number): Promise<void> => produce(broker, topic, Array.from({ length: PER_PHASE }, (_, i) => msg(from + i)));
  await produceMore(0);
  const dir = await mkdtemp(path.join(tmpdir(), `sluice-${name}-`));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: ${name}}
spec:
  source:
    kafka: {bootstrapServers: ["${broker.bootstrap}"], topic: ${topic}, startupMode: earliest-offset}
    format: {type: json}
    schema: [{name: seq, type: BIGINT}]
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 300ms}
`);
  return { job, out: path.join(dir, 'out'), produceMore };
}

/** Every seq below `total` is visible exactly once. */
async function assertExactlyOnce(out: string, total: number): Promise<void> {
  const seen = new Uint8Array(total);
  for (const line of await readLines(await visibleFiles(out))) {
    const s = Number(line);
    assert.equal(seen[s], 0, `seq ${s} landed twice`);
    seen[s] = 1;
  }
  assert.equal(seen.indexOf(0), -1, `seq ${seen.indexOf(0)} is missing`);
}

test('parallelism 2 → 3 on a 6-partition topic: moved partitions resume where they were published', { timeout: 300_000 }, async () => {
  const { job, out, produceMore } = await rescaleJob('rescale');
  await runUntil(job, 2, PER_PHASE);
  await produceMore(PER_PHASE);
  // counters are per lineage and cumulative: lineages 0 and 1 carry the first phase's records
  await runUntil(job, 3, 2 * PER_PHASE);
  await assertExactlyOnce(out, 2 * PER_PHASE);
});

/** Run runners i/n until the visible output holds `lines` lines, then SIGTERM them; every exit is 0. */
async function runUntilVisible(job: string, out: string, n: number, lines: number): Promise<void> {
  const procs = Array.from({ length: n }, (_, i) => new SluiceProcess(['run', job, '--runner', `${i}/${n}`, '--json']));
  const visible = async (): Promise<number> => (await readLines(await visibleFiles(out).catch(() => []))).length;
  const deadline = Date.now() + 120_000;
  const old = new Set<SluiceEvent>();
  let count = 0;
  while ((count = await visible()) < lines) {
    if (Date.now() > deadline) assert.fail(`only ${count} of ${lines} lines visible; stderr: ${procs.map((p) => p.stderr).join('\n')}`);
    // the next checkpoint of any runner may make more lines visible
    for (const p of procs) for (const e of p.events) old.add(e);
    await Promise.race(procs.map((p) => p.waitFor((e) => e.event === 'checkpoint' && !old.has(e))));
  }
  // A runner still starting has no SIGTERM handler yet: wait for its first checkpoint.
  for (const p of procs) await p.waitFor((e) => e.event === 'checkpoint');
  for (const p of procs) p.kill('SIGTERM');
  for (const p of procs) assert.equal((await p.exited).code, 0, p.stderr);
}

test('3 → 2 → 3 runners after a crash between a checkpoint record and its publication: the dead lineage is retired, nothing lands twice', { timeout: 300_000 }, async () => {
  // Runner 2 dies right after writing a checkpoint record (its files closed, not published).
  // With 2 runners its partitions resume from its last *published* position, so that record's
  // files must never be committed: runner 0 retires lineage 2. When runner 2 exists again, it
  // must not restore that record (its files would duplicate what runners 0/1 re-read).
  const { job, out, produceMore } = await rescaleJob('retire');
  // phase 1: runners 0 and 1 run normally; runner 2 reads slowly and dies at its 2nd record with files
  const healthy = [0, 1].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json']));
  const doomed = new SluiceProcess(['run', job, '--runner', '2/3', '--json'], { SLUICE_FAILPOINTS: 'after-record-with-files:2', SLUICE_TEST_MAX_RATE: '2000' });
  assert.equal((await doomed.exited).signal, 'SIGKILL', doomed.stderr);
  assert.ok(doomed.stderr.includes('failpoint after-record-with-files'), doomed.stderr);
  const lastRecord = [...doomed.events].reverse().find((e) => e.event === 'checkpoint');
  await Promise.all(healthy.map((p) => p.waitFor((e) => e.event === 'restore')));
  for (const p of healthy) p.kill('SIGTERM');
  for (const p of healthy) assert.equal((await p.exited).code, 0, p.stderr);
  const hidden = async (): Promise<string[]> => (await allFiles(out)).filter((f) => path.basename(f).startsWith('.'));
  assert.ok((await hidden()).length > 0, `runner 2 left closed, unpublished part files (last published checkpoint ${String(lastRecord?.id)})`);

  // phase 2: two runners take all partitions; lineage 2's unpublished files are aborted
  await runUntilVisible(job, out, 2, PER_PHASE);
  assert.deepEqual(await hidden(), [], 'no hidden part file is left behind');

  // phase 3: three runners again, with new records
  await produceMore(PER_PHASE);
  await runUntilVisible(job, out, 3, 2 * PER_PHASE);
  await assertExactlyOnce(out, 2 * PER_PHASE);
});

for (const doomedIndex of [2, 1]) {
  const role = doomedIndex === 2 ? 'a vanished index (retired by runner 0)' : 'a surviving index (settled by its own restore)';
  test(`3 → 2 runners after runner ${doomedIndex} died between publishing a checkpoint and its committed marker, ${role}: nothing lands twice`, { timeout: 300_000 }, async () => {
    // The runner dies after publishing its 2nd checkpoint's files and before its `committed`
    // marker names that checkpoint. Those files are visible: whoever reads its partitions next
    // must resume after them, not from the checkpoint the marker still names.
    const { job, out, produceMore } = await rescaleJob(`settle-${doomedIndex}`);
    const healthy = [0, 1, 2].filter((i) => i !== doomedIndex).map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json']));
    const doomed = new SluiceProcess(['run', job, '--runner', `${doomedIndex}/3`, '--json'], { SLUICE_FAILPOINTS: 'before-marker:2', SLUICE_TEST_MAX_RATE: '2000' });
    assert.equal((await doomed.exited).signal, 'SIGKILL', doomed.stderr);
    assert.ok(doomed.stderr.includes('failpoint before-marker'), doomed.stderr);
    // A runner still loading its modules has no SIGTERM handler yet (it would die, not stop):
    // stop the healthy ones only once they are running.
    await Promise.all(healthy.map((p) => p.waitFor((e) => e.event === 'restore')));
    for (const p of healthy) p.kill('SIGTERM');
    for (const p of healthy) assert.equal((await p.exited).code, 0, p.stderr);

    await runUntilVisible(job, out, 2, PER_PHASE);
    await assertExactlyOnce(out, PER_PHASE);
    // and back to three, with new records
    await produceMore(PER_PHASE);
    await runUntilVisible(job, out, 3, 2 * PER_PHASE);
    await assertExactlyOnce(out, 2 * PER_PHASE);
  });
}
