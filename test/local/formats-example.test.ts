/**
 * The seed's second job as Parquet (examples/local/uid-partitions-parquet.yaml), run as a user
 * would, its output read by DuckDB with hive partitioning: every uid of the input once, in the
 * partition PMOD(uid, 3) names, pid left out of the files. Then the same files read back by a
 * Parquet source job into gzip CSV with a header, read by DuckDB again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO, runSluice } from '../helpers/sluice-process.ts';
import { duckdb, lit } from '../helpers/duckdb.ts';
import { edited, type Doc } from '../helpers/job-edits.ts';

test('examples/local/uid-partitions-parquet.yaml: DuckDB reads the partitioned Parquet output; a Parquet source job turns it into gzip CSV with a header', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-parquet-example-'));
  const input = path.join(REPO, 'examples/local/uids.jsonl');
  const example = parse(await readFile(path.join(REPO, 'examples/local/uid-partitions-parquet.yaml'), 'utf8')) as Doc;
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, stringify(edited(example, { 'spec.source.files.path': input, 'spec.sink.path': path.join(dir, 'pq') })));
  const r = await runSluice(['run', job, '--json']);
  assert.equal(r.code, 0, r.stderr);

  const want = await duckdb(`SELECT (((uid % 3) + 3) % 3)::VARCHAR AS pid, count(*)::VARCHAR AS n, sum(uid)::VARCHAR AS s FROM read_json(${lit(input)}, format = 'newline_delimited', columns = {'uid': 'INTEGER'}) GROUP BY 1 ORDER BY 1`);
  const pq = lit(path.join(dir, 'pq', '*', '*.parquet'));
  assert.deepEqual(await duckdb(`SELECT pid::VARCHAR AS pid, count(*)::VARCHAR AS n, sum(uid)::VARCHAR AS s FROM read_parquet(${pq}, hive_partitioning = true) GROUP BY 1 ORDER BY 1`), want);
  assert.equal(want.length, 3);
  assert.deepEqual(await duckdb(`SELECT DISTINCT column_name AS c FROM (DESCRIBE SELECT * FROM read_parquet(${pq}, hive_partitioning = false))`), [{ c: 'uid' }]);

  const back = path.join(dir, 'back.yaml');
  await writeFile(back, stringify({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', metadata: { name: 'parquet-back' },
    spec: {
      source: { files: { path: path.join(dir, 'pq') }, format: { type: 'parquet' }, schema: [{ name: 'uid', type: 'INT' }] },
      transform: { query: 'SELECT uid, PMOD(uid, 3) AS pid FROM source' },
      sink: { path: path.join(dir, 'csv'), format: { type: 'csv', header: true, compression: 'gzip' }, partitionBy: ['pid'] },
    },
  }));
  const r2 = await runSluice(['run', back, '--json']);
  assert.equal(r2.code, 0, r2.stderr);
  const csv = lit(path.join(dir, 'csv', '*', '*.gz'));
  assert.deepEqual(await duckdb(`SELECT pid::VARCHAR AS pid, count(*)::VARCHAR AS n, sum(uid)::VARCHAR AS s FROM read_csv(${csv}, hive_partitioning = true, header = true) GROUP BY 1 ORDER BY 1`), want);
});
