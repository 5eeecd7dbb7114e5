/**
 * Partition figures are the lineage's, not one process's: a job writing hour-like partitions
 * one after another is killed with SIGKILL mid-run, restarted and stopped with SIGTERM, then
 * run to the end. After each run, `sluice run`'s summary (the partitions total and each
 * partition's files and records) must equal what the visible files hold, counted by DuckDB:
 * partitions only an earlier process wrote are still there, and a partition written by two
 * processes counts both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SluiceProcess } from '../helpers/sluice-process.ts';
import type { SluiceEvent } from '../helpers/sluice-process.ts';
import { duckdb, lit } from '../helpers/duckdb.ts';

const N = 240_000;
/** Records per partition: `h` = seq / PER_HOUR, so the input fills 8 partitions in turn. */
const PER_HOUR = 30_000;

interface Figures {
  partitions: number;
  byPath: Record<string, { files: number; records: number }>;
}

/** What the visible files hold, per partition (DuckDB reads every one of them whole). */
async function visibleFigures(out: string): Promise<Figures> {
  const rows = await duckdb(`SELECT 'h=' || h::VARCHAR AS path, count(DISTINCT filename)::INTEGER AS files, count(*)::INTEGER AS records
    FROM read_csv(${lit(path.join(out, 'h=*', 'part-*'))}, hive_partitioning = true, header = false, columns = {'seq': 'INTEGER'})
    GROUP BY h ORDER BY h`);
  const byPath: Figures['byPath'] = {};
  for (const r of rows) byPath[r.path as string] = { files: r.files as number, records: r.records as number };
  return { partitions: rows.length, byPath };
}

function summaryFigures(summary: SluiceEvent): Figures {
  const byPath: Figures['byPath'] = {};
  for (const p of summary.recentPartitions as Array<{ path: string; files: number; records: number }>) byPath[p.path] = { files: p.files, records: p.records };
  return { partitions: summary.partitions as number, byPath };
}

const committedAtLeast = (n: number) => (e: SluiceEvent): boolean => e.event === 'checkpoint' && (e.counters as { records: number }).records >= n;

test('after SIGKILL and after a stop, the summary\'s partition figures are the lineage\'s, as the files hold them', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ptotals-'));
  await writeFile(path.join(dir, 'in.jsonl'), Array.from({ length: N }, (_, i) => `{"seq": ${i}}`).join('\n') + '\n');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: ptotals}
spec:
  source: {files: {path: in.jsonl}, format: {type: json}, schema: [{name: seq, type: INT}]}
  transform: {query: "SELECT seq, seq / ${PER_HOUR} AS h FROM source"}
  sink: {path: out, format: {type: csv}, partitionBy: [h], rollingPolicy: {fileSize: 32kb}, partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 200ms}
`);
  const out = path.join(dir, 'out');
  // capped rate: the kill and the stop land mid-input on an idle or a busy machine alike
  const env = { SLUICE_TEST_MAX_RATE: '40000' };

  // 1. killed once h=0 is complete and h=1 begun: nothing of it reports
  const first = new SluiceProcess(['run', job, '--json'], env);
  await first.waitFor(committedAtLeast(PER_HOUR * 1.5));
  first.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL', first.stderr);

  // 2. restored, stopped with SIGTERM some partitions later: its summary counts run 1's share too
  const second = new SluiceProcess(['run', job, '--json'], env);
  const restore = await second.waitFor((e) => e.event === 'restore');
  assert.notEqual(restore.restoredId, null, 'the second run restored the first one\'s checkpoint');
  await second.waitFor(committedAtLeast(PER_HOUR * 3.5));
  second.kill('SIGTERM');
  assert.equal((await second.exited).code, 0, second.stderr);
  const stopped = second.events.find((e) => e.event === 'summary')!;
  assert.equal(stopped.finished, false, 'stopped mid-input (raise N if the machine outran the cap)');
  const afterStop = await visibleFigures(out);
  assert.ok(afterStop.partitions >= 4 && afterStop.partitions < 8, JSON.stringify(afterStop));
  assert.deepEqual(summaryFigures(stopped), afterStop);
  assert.equal(stopped.recordsCommitted, Object.values(afterStop.byPath).reduce((s, p) => s + p.records, 0));

  // 3. to the end
  const third = new SluiceProcess(['run', job, '--json'], env);
  assert.equal((await third.exited).code, 0, third.stderr);
  const done = third.events.find((e) => e.event === 'summary')!;
  assert.equal(done.finished, true);
  const atEnd = await visibleFigures(out);
  assert.equal(atEnd.partitions, N / PER_HOUR);
  for (const p of Object.values(atEnd.byPath)) assert.equal(p.records, PER_HOUR);
  assert.deepEqual(summaryFigures(done), atEnd);
  assert.ok((done.recentPartitions as Array<{ successFile: boolean }>).every((p) => p.successFile));
});
