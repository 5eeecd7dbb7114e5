/**
 * Bad input on the embedded default: a malformed record fails the job naming file, line and
 * field, and nothing of the checkpoint in progress becomes visible; ignoreParseErrors and the
 * skip policy count what they drop; dead-letter keeps it; hostile partition values stay inside
 * the sink directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSluice } from '../helpers/sluice-process.ts';
import { allFiles, readLines, visibleFiles } from '../helpers/visible-files.ts';

async function setup(lines: string[], specExtra: string, format = '{type: json}'): Promise<{ dir: string; job: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-bad-'));
  await writeFile(path.join(dir, 'in.jsonl'), lines.join('\n') + '\n');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: bad}
spec:
  source:
    files: {path: in.jsonl}
    format: ${format}
    schema: [{name: uid, type: INT}, {name: name, type: STRING}]
${specExtra}
  sink: {path: out, format: {type: csv}, partitionBy: [name]}
`);
  return { dir, job };
}

const good = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `{"uid": ${from + i}, "name": "n${(from + i) % 3}"}`);

test('a malformed record fails the job with file, line and field; nothing of the checkpoint is visible', async () => {
  const { dir, job } = await setup([...good(1000), '{"uid": "abc", "name": "x"}', ...good(10, 1000)], '');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad record at file .*in\.jsonl line 1001: .*field 'uid'/);
  assert.deepEqual(await visibleFiles(path.join(dir, 'out')).catch(() => []), []);
  const left = (await allFiles(path.join(dir, 'out')).catch(() => [])).filter((f) => path.basename(f).startsWith('.'));
  assert.deepEqual(left, [], 'an aborted job leaves no in-progress files');
});

test('ignoreParseErrors skips and counts bad records', async () => {
  const { dir, job } = await setup([...good(5), '{"uid": 1.5, "name": "x"}', 'not json', ...good(5, 5)], '', '{type: json, ignoreParseErrors: true}');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = r.events.find((e) => e.event === 'summary')!;
  assert.equal(s.skipped, 2);
  assert.equal(s.recordsCommitted, 10);
  assert.equal((await readLines(await visibleFiles(path.join(dir, 'out')))).length, 10);
});

test('dead-letter policy keeps each bad record with its origin and error', async () => {
  const { dir, job } = await setup([...good(3), '{"uid": "x", "name": "y"}'], '    badRecords: {mode: dead-letter, deadLetter: dlq}');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const dl = await visibleFiles(path.join(dir, 'dlq'));
  assert.equal(dl.length, 1);
  const rec = JSON.parse((await readFile(dl[0]!, 'utf8')).trim()) as { source: string; error: string; record: string };
  assert.match(rec.source, /in\.jsonl line 4$/);
  assert.match(rec.error, /uid/);
  assert.equal(rec.record, '{"uid": "x", "name": "y"}');
  assert.equal(r.events.find((e) => e.event === 'summary')!.skipped, 1);
});

test('hostile partition values are escaped and stay inside the sink directory', async () => {
  const lines = ['../../x', 'a/b', '..', '/etc/passwd', 'ok'].map((n, i) => JSON.stringify({ uid: i, name: n }));
  const { dir, job } = await setup(lines, '');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = path.join(dir, 'out');
  const files = await visibleFiles(out);
  for (const f of files) assert.ok(path.relative(out, f).split(path.sep).length === 2, `${f} is not one level below the sink`);
  const dirs = new Set(files.map((f) => path.basename(path.dirname(f))));
  assert.deepEqual([...dirs].sort(), ['name=%2Fetc%2Fpasswd', 'name=..', 'name=..%2F..%2Fx', 'name=a%2Fb', 'name=ok']);
  assert.deepEqual((await allFiles(dir)).filter((f) => !f.startsWith(dir)), []);
});

/** The job of setup(), reading `content` as its input file (raw bytes). */
async function setupBytes(content: Buffer, specExtra: string, format = '{type: json}'): Promise<{ dir: string; job: string }> {
  const s = await setup([], specExtra, format);
  await writeFile(path.join(s.dir, 'in.jsonl'), content);
  return s;
}

const utf8Damaged = (): Buffer => Buffer.concat([
  Buffer.from(good(3).join('\n') + '\n'),
  Buffer.from('{"uid": 3, "name": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n'), // Latin-1 é
  Buffer.from(good(2, 4).join('\n') + '\n'),
]);

test('invalid UTF-8 fails the job under the fail policy, naming file, line, field and the bytes', async () => {
  const { dir, job } = await setupBytes(utf8Damaged(), '');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad record at file .*in\.jsonl line 4: field 'name': is not valid UTF-8: 0xE9 at byte 23 of the record/);
  assert.deepEqual(await visibleFiles(path.join(dir, 'out')).catch(() => []), []);
});

test('invalid UTF-8 is skipped and counted under the skip policy, and no U+FFFD reaches the output', async () => {
  const { dir, job } = await setupBytes(utf8Damaged(), '    badRecords: {mode: skip}');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = r.events.find((e) => e.event === 'summary')!;
  assert.equal(s.skipped, 1);
  assert.equal(s.recordsCommitted, 5);
  const files = await visibleFiles(path.join(dir, 'out'));
  assert.deepEqual((await readLines(files)).sort(), ['0', '1', '2', '4', '5']);
  for (const f of files) assert.ok(!f.includes('\uFFFD') && !(await readFile(f, 'utf8')).includes('\uFFFD'), f);
});

test('invalid UTF-8 goes to the dead-letter location with its origin and the field', async () => {
  const { dir, job } = await setupBytes(utf8Damaged(), '    badRecords: {mode: dead-letter, deadLetter: dlq}');
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const dl = await visibleFiles(path.join(dir, 'dlq'));
  assert.equal(dl.length, 1);
  const rec = JSON.parse((await readFile(dl[0]!, 'utf8')).trim()) as { source: string; error: string };
  assert.match(rec.source, /in\.jsonl line 4$/);
  assert.match(rec.error, /field 'name': is not valid UTF-8: 0xE9/);
});

test('a UTF-8 BOM at the start of a CSV or JSON file is skipped', async () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  for (const [format, body] of [['{type: json}', good(3).join('\n')], ['{type: csv}', '0,n0\n1,n1\n2,n2']] as const) {
    const { dir, job } = await setupBytes(Buffer.concat([bom, Buffer.from(body + '\n')]), '', format);
    const r = await runSluice(['run', job, '--json']);
    assert.equal(r.code, 0, `${format}: ${r.stderr}`);
    assert.equal(r.events.find((e) => e.event === 'summary')!.recordsCommitted, 3);
    assert.deepEqual((await readLines(await visibleFiles(path.join(dir, 'out')))).sort(), ['0', '1', '2'], format);
  }
});

test('a partition value too long for a directory name is a bad record: fail names line and field, skip counts, dead-letter keeps it', async () => {
  const long = 'x'.repeat(300);
  const lines = [...good(3), JSON.stringify({ uid: 3, name: long }), ...good(2, 4), JSON.stringify({ uid: 6, name: long })];
  const failed = await setup(lines, '');
  const r = await runSluice(['run', failed.job, '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad record at file .*in\.jsonl line 4: field 'name': the partition directory name would be 305 bytes once escaped \(name=x{35}…\); a directory name holds at most 255\n$/);
  assert.doesNotMatch(r.stderr, /ENAMETOOLONG|\n\s+at /);
  assert.deepEqual(await visibleFiles(path.join(failed.dir, 'out')).catch(() => []), []);

  const skipped = await setup(lines, '    badRecords: {mode: skip}');
  const s = await runSluice(['run', skipped.job, '--json']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.events.find((e) => e.event === 'summary')!.skipped, 2);
  assert.deepEqual((await readLines(await visibleFiles(path.join(skipped.dir, 'out')))).sort(), ['0', '1', '2', '4', '5']);

  const dead = await setup(lines, '    badRecords: {mode: dead-letter, deadLetter: dlq}');
  const d = await runSluice(['run', dead.job, '--json']);
  assert.equal(d.code, 0, d.stderr);
  const recs = (await readLines(await visibleFiles(path.join(dead.dir, 'dlq')))).map((l) => JSON.parse(l) as { source: string; record: string });
  assert.deepEqual(recs.map((x) => x.source.replace(/.*line /, 'line ')).sort(), ['line 4', 'line 7']);
  assert.equal(JSON.parse(recs[0]!.record).name, long);
});
