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
import { SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

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

test('parallelism 2 → 3 on a 6-partition topic: moved partitions resume where they were published', { timeout: 300_000 }, async () => {
  const topic = uniqueTopic('rescale');
  await createTopic(broker, topic, 6);
  const msg = (seq: number): { partition: number; value: string } => ({ partition: seq % 6, value: JSON.stringify({ seq }) });
  await produce(broker, topic, Array.from({ length: PER_PHASE }, (_, i) => msg(i)));
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-rescale-'));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: rescale}
spec:
  source:
    kafka: {bootstrapServers: ["${broker.bootstrap}"], topic: ${topic}, startupMode: earliest-offset}
    format: {type: json}
    schema: [{name: seq, type: BIGINT}]
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 300ms}
`);
  await runUntil(job, 2, PER_PHASE);
  await produce(broker, topic, Array.from({ length: PER_PHASE }, (_, i) => msg(PER_PHASE + i)));
  // counters are per lineage and cumulative: lineages 0 and 1 carry the first phase's records
  await runUntil(job, 3, 2 * PER_PHASE);
  const seen = new Uint8Array(2 * PER_PHASE);
  for (const line of await readLines(await visibleFiles(path.join(dir, 'out')))) {
    const s = Number(line);
    assert.equal(seen[s], 0, `seq ${s} landed twice`);
    seen[s] = 1;
  }
  assert.equal(seen.indexOf(0), -1, `seq ${seen.indexOf(0)} is missing`);
});
