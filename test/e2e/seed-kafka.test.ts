/**
 * The seed's second job end to end on a real broker: records are produced (the seed's
 * producer, `sluice produce`) while `sluice run` consumes; the job is stopped with SIGTERM once
 * everything is committed. Then: pid=0, pid=1, pid=2 each with `_SUCCESS`, every visible file a
 * column of numbers, and the multiset of uids in each partition equal to what the topic holds.
 * (The example starts at latest-offset like the seed; the test starts at earliest-offset so it
 * does not race the producer.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { consumeIndependently, createTopic, uniqueTopic, useBroker } from '../kafka/helpers.ts';
import { produce } from '../../src/cli/produce.ts';
import { SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { REPO } from '../helpers/sluice-process.ts';

const broker = useBroker();
const COUNT = 30_000;

test('seed job 2: Kafka JSON → uid_to_pid → CSV partitioned by pid, exactly once', { timeout: 300_000 }, async () => {
  const topic = uniqueTopic('myTest');
  await createTopic(broker, topic, 3);
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-seed2-'));
  const example = await readFile(path.join(REPO, 'examples/kafka/uid-partitions.yaml'), 'utf8');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, example
    .replace('["127.0.0.1:19092"]', JSON.stringify([broker.bootstrap]))
    .replace('topic: myTest', `topic: ${topic}`)
    .replace('startupMode: latest-offset', 'startupMode: earliest-offset')
    .replace('path: ../../out/uid-partitions-kafka', `path: ${path.join(dir, 'out')}`)
    .replace('interval: 5s', 'interval: 1s'));
  const runner = new SluiceProcess(['run', job, '--json']);
  await runner.waitFor((e) => e.event === 'restore');
  const produced = await produce({ bootstrap: broker.bootstrap, topic, count: COUNT, batch: 1000, interval: 0.02, limit: 100, sequence: false, sequenceStart: 0 });
  assert.equal(produced.records, COUNT);
  await runner.waitFor((e) => e.event === 'checkpoint' && (e.counters as { records: number }).records >= COUNT);
  runner.kill('SIGTERM');
  const x = await runner.exited;
  assert.equal(x.code, 0, runner.stderr);

  // what the topic holds, read back independently of Sluice
  const expected = new Map<number, number>();
  for (const message of await consumeIndependently(broker, topic, COUNT)) {
    const uid = (JSON.parse(String(message.value)) as { uid: number }).uid;
    expected.set(uid, (expected.get(uid) ?? 0) + 1);
  }

  const out = path.join(dir, 'out');
  assert.deepEqual((await readdir(out)).filter((n) => !n.startsWith('_')).sort(), ['pid=0', 'pid=1', 'pid=2']);
  const got = new Map<number, number>();
  for (const pid of [0, 1, 2]) {
    assert.ok((await readdir(path.join(out, `pid=${pid}`))).includes('_SUCCESS'), `pid=${pid} has no _SUCCESS`);
    for (const line of await readLines(await visibleFiles(path.join(out, `pid=${pid}`)))) {
      assert.match(line, /^\d+$/, 'every file is a column of numbers');
      const uid = Number(line);
      assert.equal(uid % 3, pid, `uid ${uid} in pid=${pid}`);
      got.set(uid, (got.get(uid) ?? 0) + 1);
    }
  }
  assert.deepEqual([...got.entries()].sort((a, b) => a[0] - b[0]), [...expected.entries()].sort((a, b) => a[0] - b[0]));
  const summary = runner.events.find((e) => e.event === 'summary')!;
  assert.equal(summary.recordsCommitted, COUNT);
  assert.ok(summary.source && typeof summary.source === 'object', 'the summary carries the source offsets');
});

test('seed job 2 on its real path: Kafka → jfs:// (cache mode on OSS), _SUCCESS in each partition', { timeout: 300_000 }, async (t) => {
  const { emulatorClient, startTestEmulator, TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET } = await import('../oss-emulator/test-helpers.ts');
  const emu = await startTestEmulator();
  t.after(() => emu.dispose());
  const topic = uniqueTopic('myTestJfs');
  await createTopic(broker, topic, 3);
  const n = 5_000;
  await produce({ bootstrap: broker.bootstrap, topic, count: n, batch: 1000, interval: 0, limit: 100, sequence: false, sequenceStart: 0 });
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-seed2jfs-'));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: seed2-jfs}
spec:
  source:
    kafka: {bootstrapServers: ["${broker.bootstrap}"], topic: ${topic}, startupMode: earliest-offset, boundedMode: latest-offset}
    format: {type: json}
    schema: [{name: uid, type: INT}]
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT uid, uid_to_pid(uid) AS pid FROM source
  sink: {path: "jfs://test/ingest/uids", format: {type: csv}, partitionBy: [pid], rollingPolicy: {fileSize: 2MB}, partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 1s}
  storage:
    jindofs:
      namespaces:
        test: {mode: cache, ossUri: "oss://${TEST_BUCKET}/lake", endpoint: "${emu.emulator.endpoint}", region: "${emu.emulator.region}", pathStyle: true, credentialsSecret: oss-creds}
`);
  const { runSluice } = await import('../helpers/sluice-process.ts');
  const r = await runSluice(['run', job, '--json'], { SLUICE_SECRET_OSS_CREDS_ACCESSKEYID: TEST_KEY_ID, SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET: TEST_KEY_SECRET });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.events.find((e) => e.event === 'summary')!.recordsCommitted, n);
  const oss = emulatorClient(emu.emulator);
  const keys = ((await oss.listV2({ prefix: 'lake/ingest/uids/', 'max-keys': '1000' }, {})).objects ?? []).map((o) => o.name.slice('lake/ingest/uids/'.length));
  for (const pid of [0, 1, 2]) assert.ok(keys.includes(`pid=${pid}/_SUCCESS`), `pid=${pid}/_SUCCESS missing in ${keys.join(' ')}`);
  let lines = 0;
  for (const k of keys.filter((k) => /^pid=\d\/part-/.test(k))) {
    const text = (await oss.get(`lake/ingest/uids/${k}`)).content.toString('utf8');
    for (const l of text.trimEnd().split('\n')) {
      assert.equal(Number(l) % 3, Number(k[4]));
      lines++;
    }
  }
  assert.equal(lines, n);
  assert.equal(((await oss.listUploads({ prefix: 'lake/' }, {})).uploads ?? []).length, 0);
});
