import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IngestJob } from '../api/types.ts';
import { checkJobPlan } from './job-plan.ts';

const job = (over: Partial<IngestJob['spec']> = {}): IngestJob => ({
  apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', metadata: { name: 'j' },
  spec: {
    source: { files: { path: 'in' }, format: { type: 'json' }, schema: [{ name: 'uid', type: 'INT' }] },
    transform: { functions: [{ name: 'uid_to_pid', params: [{ name: 'uid', type: 'INT' }], returns: 'INT', expression: 'PMOD(uid, 3)' }], query: 'SELECT uid, uid_to_pid(uid) AS pid FROM source' },
    sink: { path: 'out', format: { type: 'csv' }, partitionBy: ['pid'] },
    ...over,
  },
});

test('the seed job plans cleanly', () => {
  assert.deepEqual(checkJobPlan(job()), []);
});

test('query, function, partition and format errors name the field and the position', () => {
  assert.deepEqual(checkJobPlan(job({ transform: { query: 'SELECT uidd FROM source' } })), [
    { path: 'spec.transform.query', message: "unknown column 'uidd' at line 1, column 8 (columns: uid)" },
  ]);
  const e = checkJobPlan(job({ transform: { query: 'SELECT uid, nope(uid) AS pid FROM source' } }));
  assert.equal(e[0]?.path, 'spec.transform.query');
  assert.match(e[0]!.message, /nope/);
  assert.deepEqual(checkJobPlan(job({ sink: { path: 'out', format: { type: 'csv' }, partitionBy: ['dt'] } })), [
    { path: 'spec.sink.partitionBy[0]', message: "column 'dt' is not in the query's output (uid, pid)" },
  ]);
  const f = checkJobPlan(job({ sink: { path: 'out', format: { type: 'csv', fieldDelimiter: ';;' }, partitionBy: ['pid'] } }));
  assert.equal(f[0]?.path, 'spec.sink.format');
  assert.match(f[0]!.message, /fieldDelimiter/);
});

test('partitioning by every output column is refused: the files would hold only empty lines', () => {
  assert.deepEqual(checkJobPlan(job({ sink: { path: 'out', format: { type: 'csv' }, partitionBy: ['pid', 'uid'] } })), [
    { path: 'spec.sink.partitionBy', message: 'partitions by every output column (uid, pid): the part files would hold only empty lines. Leave at least one column out of partitionBy' },
  ]);
  assert.deepEqual(checkJobPlan(job({ sink: { path: 'out', format: { type: 'json' }, partitionBy: ['uid'] } })), []);
});
