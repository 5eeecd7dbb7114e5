/**
 * `sluice produce` against a real broker: creates the topic with N partitions, writes exactly
 * `count` records with unique seqs, paces batches by `interval`, and stops when aborted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { produce, PRODUCE_DEFAULTS } from '../../src/cli/produce.ts';
import { KafkaSplitReader } from '../../src/sources/kafka/index.ts';
import { createTopic, drain, latestOffsets, pollFor, source, uniqueTopic, useBroker } from './helpers.ts';

const broker = useBroker();

test('produce writes count records with unique increasing seqs to a new N-partition topic', async () => {
  const topic = uniqueTopic('produce');
  const lines: string[] = [];
  const started = Date.now();
  const summary = await produce(
    { ...PRODUCE_DEFAULTS, bootstrap: broker.bootstrap, topic, count: 2500, batch: 1000, interval: 0.2, sequence: true, sequenceStart: 10, partitions: 3 },
    { progress: (l) => lines.push(l) },
  );
  // Two sleeps of 0.2 s between three batches.
  assert.ok(Date.now() - started >= 400, 'interval paces the batches');
  assert.equal(summary.records, 2500);
  assert.equal(summary.aborted, false);
  assert.equal(summary.createdTopic, true);
  assert.deepEqual(summary.seq, { first: 10, last: 2509 });
  assert.ok(lines.includes(`created topic ${topic} with 3 partitions`));
  const offsets = await latestOffsets(broker, topic);
  assert.equal(offsets.length, 3);
  assert.equal(offsets.reduce((n, o) => n + Number(o.high), 0), 2500);

  const r = new KafkaSplitReader({ source: source(broker, topic), assignment: { index: 0, parallelism: 1 }, onWarning: () => undefined });
  await r.open(undefined);
  try {
    const got = await drain(r, 2500);
    assert.deepEqual(await pollFor(r, 200), []);
    const records = got.values.map((v) => JSON.parse(v) as { uid: number; seq: number });
    assert.deepEqual(records.map((x) => x.seq).sort((a, b) => a - b), Array.from({ length: 2500 }, (_, i) => i + 10));
    assert.ok(records.every((x) => Number.isInteger(x.uid) && x.uid >= 0 && x.uid <= 100));
    assert.match(got.values[0] ?? '', /^\{"uid": \d+, "seq": \d+\}$/u);
  } finally {
    await r.close();
  }
});

test('an existing topic is left alone; abort stops after the batch in flight', async () => {
  const topic = uniqueTopic('produce-abort');
  await createTopic(broker, topic, 2);
  const abort = new AbortController();
  const lines: string[] = [];
  const summary = await produce(
    { ...PRODUCE_DEFAULTS, bootstrap: broker.bootstrap, topic, count: 1_000_000, batch: 100, interval: 0.05, partitions: 4 },
    { signal: abort.signal, progress: (l) => { lines.push(l); abort.abort(); }, progressEveryMs: 0 },
  );
  assert.equal(summary.aborted, true);
  assert.equal(summary.createdTopic, false);
  assert.ok(lines[0]?.includes('exists with 2 partitions (asked for 4)'), lines[0]);
  const offsets = await latestOffsets(broker, topic);
  assert.equal(offsets.length, 2);
  assert.equal(offsets.reduce((n, o) => n + Number(o.high), 0), summary.records);
  assert.ok(summary.records < 1_000_000 && summary.records % 100 === 0, `${summary.records}`);
});

test('the CLI prints a summary and exits 0; bad flags exit 2', () => {
  const topic = uniqueTopic('produce-cli');
  const bin = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));
  const ok = spawnSync(process.execPath, [bin, 'produce', '--bootstrap', broker.bootstrap, '--topic', topic, '--count', '50', '--batch', '20', '--interval', '0', '--partitions', '2', '--sequence'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`^produced 50 records to ${topic} in [\\d.]+ s \\(\\d+ records/s, seq 0\\.\\.49\\)\\n$`));
  const bad = spawnSync(process.execPath, [bin, 'produce', '--count', 'many'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--count must be an integer/);
});
