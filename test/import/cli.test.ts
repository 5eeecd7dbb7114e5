/** `sluice import` as a user runs it: usage, unreadable files, and a refused script leave no job behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSluice } from '../helpers/sluice-process.ts';

test('sluice import without a file prints its usage and exits 2', async () => {
  const r = await runSluice(['import']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^usage: sluice import FILE \[-o OUT\] \[--name NAME\]/u);
});

test('an unreadable file is named, exit 1', async () => {
  const r = await runSluice(['import', '/nonexistent/job.sql']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sluice import: cannot read \/nonexistent\/job\.sql: ENOENT/u);
});

test('a script with a GROUP BY is refused naming file and line, and -o writes nothing', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-import-cli-'));
  const file = path.join(dir, 'agg.sql');
  await writeFile(file, `CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'csv');
CREATE TABLE s (a INT, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'csv');
INSERT INTO s
SELECT a, COUNT(*) FROM t
GROUP BY a;
`);
  const out = path.join(dir, 'job.yaml');
  const r = await runSluice(['import', file, '-o', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${file.replaceAll('.', '\\.')}:5: needs you: GROUP BY: Sluice transforms each source row on its own`, 'u'));
  assert.match(r.stderr, /no IngestJob written/u);
  assert.equal(existsSync(out), false);
});
