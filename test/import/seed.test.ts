/**
 * The seed's two PyFlink programs, exactly as printed (test/fixtures/flink/seed-*.py) with only
 * their placeholders filled in, through `sluice import`: job 1 runs on the embedded default
 * and commits the words with their 1s; job 2 keeps every setting of the Kafka program and a
 * uid_to_pid with Python's `%`, negatives included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { IngestJob, Row } from '../../src/api/types.ts';
import { compileQuery } from '../../src/sql/index.ts';
import { REPO, runSluice } from '../helpers/sluice-process.ts';
import { visibleFiles } from '../helpers/visible-files.ts';

const SEED_HDFS = path.join(REPO, 'test/fixtures/flink/seed-hdfs-to-jindofs.py');
const SEED_KAFKA = path.join(REPO, 'test/fixtures/flink/seed-kafka-to-jindofs.py');

/** The seed program with its placeholders replaced, and nothing else changed. */
async function filled(seed: string, dir: string, values: Record<string, string>): Promise<string> {
  let text = await readFile(seed, 'utf8');
  for (const [k, v] of Object.entries(values)) {
    assert.ok(text.includes(k), `${k} is a placeholder of ${seed}`);
    text = text.replaceAll(k, v);
  }
  assert.doesNotMatch(text, /<(hdfs-path|jfs-path|kafka-server)>/u);
  const file = path.join(dir, 'demo.py');
  await writeFile(file, text);
  return file;
}

async function importJob(file: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; job: IngestJob; out: string }> {
  const out = path.join(path.dirname(file), 'job.yaml');
  const r = await runSluice(['import', file, '-o', out, ...extra]);
  const job = parse(await readFile(out, 'utf8')) as IngestJob;
  return { code: r.code, stderr: r.stderr, job, out };
}

test('seed job 1 imports complete, validates, runs locally and commits This,1 is,1 a,1 demo,1', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-import-seed1-'));
  await writeFile(path.join(dir, 'words.txt'), 'This\nis\na\ndemo\n');
  const file = await filled(SEED_HDFS, dir, { '<hdfs-path>': path.join(dir, 'words.txt'), '<jfs-path>': path.join(dir, 'out') });
  const { code, stderr, job, out } = await importJob(file, ['--name', 'wordcount']);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /needs you/u);
  assert.match(stderr, /demo\.py:10: dropped: use_blink_planner\(\)/u, 'what has no equivalent is listed with its line');
  assert.equal(job.metadata.name, 'wordcount');
  assert.equal(job.spec.transform?.query, 'SELECT word, CAST(1 AS BIGINT) AS ct FROM source');
  assert.equal(job.spec.checkpoint?.interval, '5s');

  const v = await runSluice(['validate', out]);
  assert.equal(v.code, 0, v.stderr);
  const r = await runSluice(['run', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.events.find((e) => e.event === 'summary')?.recordsCommitted, 4);
  const files = await visibleFiles(path.join(dir, 'out'));
  assert.ok(files.length >= 1);
  // An independent reader: Python's csv module over the committed part files, in order.
  const rows = execFileSync('python3', ['-c', 'import csv,sys\nfor f in sys.argv[1:]:\n  for r in csv.reader(open(f)): print(" ".join(r))', ...files.sort()], { encoding: 'utf8' });
  assert.deepEqual(rows.trim().split('\n').sort(), ['This 1', 'a 1', 'demo 1', 'is 1']);
});

test('seed job 1 as printed keeps its placeholders, reports each with its line and exits 1', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-import-seed1p-'));
  const file = path.join(dir, 'seed-hdfs-to-jindofs.py');
  await writeFile(file, await readFile(SEED_HDFS, 'utf8'));
  const { code, stderr, job } = await importJob(file);
  assert.equal(code, 1);
  assert.equal(job.spec.source.files?.path, '<hdfs-path>');
  assert.equal(job.spec.sink.path, '<jfs-path>');
  assert.match(stderr, /seed-hdfs-to-jindofs\.py:20: needs you: placeholder <hdfs-path> in 'path' kept as it is/u);
  assert.match(stderr, /seed-hdfs-to-jindofs\.py:31: needs you: placeholder <jfs-path>/u);
});

const PYTHON_MOD = (uids: number[]): number[] => JSON.parse(execFileSync('python3', ['-c', `import json,sys; print(json.dumps([u % 3 for u in json.loads(sys.argv[1])]))`, JSON.stringify(uids)], { encoding: 'utf8' })) as number[];

test('seed job 2 keeps topic, startup mode, servers, 2MB rolling, success files, 5 s checkpoints and uid % 3', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-import-seed2-'));
  const file = await filled(SEED_KAFKA, dir, { '<kafka-server>': 'kafka-1:9092,kafka-2:9092', '<jfs-path>': path.join(dir, 'uids') });
  const { code, stderr, job, out } = await importJob(file);
  assert.equal(code, 0, stderr);
  const s = job.spec;
  assert.deepEqual(s.source.kafka, { topic: 'myTest', bootstrapServers: ['kafka-1:9092', 'kafka-2:9092'], startupMode: 'latest-offset' });
  assert.deepEqual(s.source.format, { type: 'json' });
  assert.deepEqual(s.source.schema, [{ name: 'uid', type: 'INT' }]);
  assert.deepEqual(s.sink.partitionBy, ['pid']);
  assert.deepEqual(s.sink.rollingPolicy, { fileSize: '2MB' });
  assert.deepEqual(s.sink.partitionCommit, { policy: ['success-file'] });
  assert.deepEqual(s.sink.format, { type: 'csv' });
  assert.equal(s.checkpoint?.interval, '5s');
  assert.equal(s.transform?.query, 'SELECT uid, uid_to_pid(uid) AS pid FROM source');
  assert.deepEqual(s.transform?.functions, [{ name: 'uid_to_pid', params: [{ name: 'uid', type: 'INT' }], returns: 'INT', expression: 'PMOD(uid, 3)' }]);
  const v = await runSluice(['validate', out]);
  assert.equal(v.code, 0, v.stderr);

  // Every uid lands in Python's uid % 3, negatives included (MOD would give -1 for -7).
  const q = compileQuery(s.transform!.query!, s.source.schema, s.transform!.functions!);
  const uids = [-2147483648, -100, -7, -3, -2, -1, 0, 1, 2, 3, 7, 99, 100, 2147483647];
  const expected = PYTHON_MOD(uids);
  assert.deepEqual(uids.map((u) => (q.apply([u] as Row) as Row)[1]), expected);
  assert.equal(expected[uids.indexOf(-7)], 2);
});

test('seed job 2 on jfs:// gets its storage.jindofs namespace with what to fill in, then validates once filled', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-import-seed2j-'));
  const file = await filled(SEED_KAFKA, dir, { '<kafka-server>': 'kafka:9092', '<jfs-path>': 'jfs://test/ingest/uids' });
  const { code, stderr, job, out } = await importJob(file);
  assert.equal(code, 1, 'the namespace needs the user');
  assert.match(stderr, /demo\.py:46: needs you: spec\.sink\.path jfs:\/\/test\/ingest\/uids: storage\.jindofs\.namespaces\.test needs your JindoSDK settings: mode .*ossUri .*endpoint.*credentialsSecret/u);
  assert.deepEqual(job.spec.storage?.jindofs?.namespaces.test, { mode: 'cache', ossUri: 'oss://<bucket>/<prefix>', endpoint: '<oss-endpoint>', credentialsSecret: '<oss-credentials-secret>' });
  const yaml = (await readFile(out, 'utf8')).replace('oss://<bucket>/<prefix>', 'oss://sluice-bucket/jindo/test').replace('<oss-endpoint>', 'oss-cn-hangzhou.aliyuncs.com').replace('<oss-credentials-secret>', 'oss-creds');
  await writeFile(out, yaml);
  const v = await runSluice(['validate', out]);
  assert.equal(v.code, 0, v.stderr);
});

test('an hdfs:// source gets its storage.hdfs.namenodes entry, reported for the user to confirm', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-import-seed1h-'));
  const file = await filled(SEED_HDFS, dir, { '<hdfs-path>': 'hdfs://namenode:8020/data/words.txt', '<jfs-path>': path.join(dir, 'out') });
  const { code, stderr, job, out } = await importJob(file);
  assert.equal(code, 1);
  assert.deepEqual(job.spec.storage?.hdfs?.namenodes, { 'namenode:8020': 'http://namenode:9870' });
  assert.match(stderr, /demo\.py:20: needs you: .*storage\.hdfs\.namenodes\["namenode:8020"\] is set to http:\/\/namenode:9870/u);
  const v = await runSluice(['validate', out]);
  assert.equal(v.code, 0, v.stderr);
});
