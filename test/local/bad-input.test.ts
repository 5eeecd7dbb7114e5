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
