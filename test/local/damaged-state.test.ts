/**
 * Damaged checkpoint state is never trusted: a rerun over a lineage whose newest record was
 * removed, edited or truncated, or whose marker names a record that is not there, stops with
 * exit 1 and one line naming the file — it never restores an older position and publishes
 * records twice. State written before checksums (format version 1, test/fixtures/checkpoint-v1)
 * still restores, exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSluice, SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { INPUT_RECORDS, inputFiles } from '../fixtures/checkpoint-v1/input.ts';

const N = 200_000;

/** A job stopped (SIGTERM) after two checkpoints with records: its lineage and output. */
async function stoppedJob(): Promise<{ dir: string; lineage: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-damage-'));
  await writeFile(path.join(dir, 'in.csv'), Array.from({ length: N }, (_, i) => i).join('\n') + '\n');
  await writeFile(path.join(dir, 'job.yaml'), `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: dmg}
spec:
  source: {files: {path: in.csv}, format: {type: csv}, schema: [{name: n, type: INT}]}
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 100ms}
`);
  const p = new SluiceProcess(['run', path.join(dir, 'job.yaml'), '--json'], { SLUICE_TEST_MAX_RATE: '40000' });
  let withRecords = 0;
  await p.waitFor((e) => e.event === 'checkpoint' && (e.records as number) > 0 && ++withRecords === 2);
  p.kill('SIGTERM');
  const x = await p.exited;
  assert.equal(x.code, 0, p.stderr);
  assert.equal(p.events.find((e) => e.event === 'summary')?.finished, false, 'stopped mid-read');
  return { dir, lineage: path.join(dir, 'out', '_sluice', 'checkpoints', 'dmg', '0') };
}

const newestRecord = async (lineage: string): Promise<string> => path.join(lineage, (await readdir(lineage)).filter((n) => n.startsWith('chk-')).sort().at(-1)!);

/** Rerun over damaged state: exit 1, one line naming `file` and `what`, nothing published since. */
async function assertRefused(c: { dir: string }, file: string, what: RegExp): Promise<void> {
  const before = await visibleFiles(path.join(c.dir, 'out'));
  const r = await runSluice(['run', path.join(c.dir, 'job.yaml'), '--json']);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.ok(lines[0]!.includes(`checkpoint state damaged: ${file}: `), lines[0]);
  assert.match(lines[0]!, what);
  assert.match(lines[0]!, /put the lineage's files back from a backup, or start the job over \(delete .*checkpoints\/dmg and the job's output\)/);
  assert.deepEqual(await visibleFiles(path.join(c.dir, 'out')), before, 'nothing more was published');
}

// The state under test is written by a real run and damaged the way the issue found it.
test('damaged checkpoint state stops the rerun, naming the file; it never resumes from an older record', { timeout: 300_000 }, async (t) => {
  // each case damages the state of a run of its own, stopped after two checkpoints with records
  await t.test('the newest record removed (the marker names it): refused, not 2 checkpoints of records twice', async () => {
    const c = await stoppedJob();
    const newest = await newestRecord(c.lineage);
    await rm(newest);
    await assertRefused(c, newest, /missing, yet .*committed names it as the last published checkpoint/);
  });

  await t.test('the newest record edited consistently (offset, line and counters moved back 1,000 lines): the checksum catches it', async () => {
    const c = await stoppedJob();
    const newest = await newestRecord(c.lineage);
    const text = await readFile(newest, 'utf8');
    const [header, body] = [text.slice(0, text.indexOf('\n')), JSON.parse(text.slice(text.indexOf('\n') + 1)) as { source: { offset: number; line: number }; counters: { recordsIn: number } }];
    body.source.offset -= 1000 * 7; // every line of the input near there is 6 digits and a newline
    body.source.line -= 1000;
    body.counters.recordsIn -= 1000;
    const edited = JSON.stringify(body);
    // the length in the header made to match too: only the checksum is left to notice
    await writeFile(newest, `${header.replace(/"bytes":\d+/, `"bytes":${Buffer.byteLength(edited)}`)}\n${edited}`);
    await assertRefused(c, newest, /SHA-256 of the body is .*, the header says .* \(edited\?\)/);
  });

  await t.test('the newest record truncated: refused', async () => {
    const c = await stoppedJob();
    const newest = await newestRecord(c.lineage);
    const size = (await readFile(newest)).length;
    await truncate(newest, size - 40);
    await assertRefused(c, newest, /bytes after the header, the header says \d+ \(truncated or appended to\)/);
  });

  await t.test('a marker naming a record that is not there (every record removed): refused, not a fresh start', async () => {
    const c = await stoppedJob();
    const marker = path.join(c.lineage, 'committed');
    const records = (await readdir(c.lineage)).filter((n) => n.startsWith('chk-')).sort();
    // keep the marker, remove every record: it names one that is not there
    for (const n of records) await rm(path.join(c.lineage, n));
    const text = await readFile(marker, 'utf8');
    const named = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { epoch: number; id: number };
    const file = path.join(c.lineage, `chk-${String(named.epoch).padStart(16, '0')}-${String(named.id).padStart(16, '0')}`);
    await assertRefused(c, file, /missing, yet .*committed names it/);
  });

  await t.test('the undamaged state resumes and completes exactly once (the cases above fail for their damage alone)', async () => {
    const c = await stoppedJob();
    const r = await runSluice(['run', path.join(c.dir, 'job.yaml'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const got = (await readLines(await visibleFiles(path.join(c.dir, 'out')))).map(Number).sort((a, b) => a - b);
    assert.equal(got.length, N);
    for (let i = 0; i < N; i++) if (got[i] !== i) assert.fail(`record ${i} missing or duplicated (found ${got[i]})`);
  });
});

test('state of format version 1 (written before checksums) restores and completes exactly once', { timeout: 120_000 }, async () => {
  const fixture = fileURLToPath(new URL('../fixtures/checkpoint-v1/', import.meta.url));
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-v1-'));
  const copy = async (from: string, to: string): Promise<void> => {
    await mkdir(to, { recursive: true });
    for (const e of await readdir(from, { withFileTypes: true })) {
      if (e.isDirectory()) await copy(path.join(from, e.name), path.join(to, e.name));
      else await writeFile(path.join(to, e.name), (await readFile(path.join(from, e.name), 'utf8')).replaceAll('@BASE@', dir));
    }
  };
  await copy(path.join(fixture, 'state'), dir);
  await mkdir(path.join(dir, 'in'));
  for (const [name, text] of inputFiles()) await writeFile(path.join(dir, 'in', name), text);
  const before = (await readLines(await visibleFiles(path.join(dir, 'out')))).length;
  assert.ok(before > 0 && before <= INPUT_RECORDS, 'the fixture holds published output');
  const r = await runSluice(['run', path.join(dir, 'job.yaml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const restore = r.events.find((e) => e.event === 'restore')!;
  assert.ok((restore.recommitted as number) > 0, 'the unnamed newest record was published again');
  // its records predate partition figures and restore with none; the fixture's output is all
  // published already (this run re-publishes and finishes), so none are added either
  const summary = r.events.find((e) => e.event === 'summary')!;
  assert.equal(before, INPUT_RECORDS);
  assert.deepEqual([summary.partitions, summary.recentPartitions], [0, []]);
  const got = (await readLines(await visibleFiles(path.join(dir, 'out')))).map(Number).sort((a, b) => a - b);
  assert.equal(got.length, INPUT_RECORDS);
  for (let i = 0; i < INPUT_RECORDS; i++) if (got[i] !== i) assert.fail(`record ${i} missing or duplicated (found ${got[i]})`);
  // the rerun wrote the current format: its new record is sealed
  const lineage = path.join(dir, 'out', '_sluice', 'checkpoints', 'v1', '0');
  const newest = (await readdir(lineage)).filter((n) => n.startsWith('chk-')).sort().at(-1)!;
  assert.match(await readFile(path.join(lineage, newest), 'utf8'), /^\{"sluice":"checkpoint-record","version":2,"job":"v1","runner":0,/);
});
