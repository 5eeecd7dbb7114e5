/**
 * The broker stops and comes back while a reader is in the middle of a topic: the reader
 * resumes by itself and every record arrives exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaSplitReader } from '../../src/sources/kafka/index.ts';
import { startBroker, stopBroker } from '../stack/services/kafka.ts';
import { createTopic, drain, labelled, produce, sorted, source, uniqueTopic, useBroker } from './helpers.ts';

const broker = useBroker();

test('a broker restart mid-read loses and duplicates nothing', async () => {
  const topic = uniqueTopic('restart');
  await createTopic(broker, topic, 3);
  const before = labelled(3000, 3, 'before');
  await produce(broker, topic, before);
  const warnings: string[] = [];
  const r = new KafkaSplitReader({
    source: source(broker, topic),
    assignment: { index: 0, parallelism: 1 },
    clientId: 'restart-test',
    maxBufferedRecords: 200,
    maxBytes: 16 * 1024,
    onWarning: (w) => warnings.push(w),
  });
  await r.open(undefined);
  try {
    const seen = (await drain(r, 1000)).values;
    await stopBroker();
    await startBroker();
    const after = labelled(300, 3, 'after');
    await produce(broker, topic, after);
    seen.push(...(await drain(r, 3300 - seen.length, 90_000)).values);
    assert.deepEqual(sorted(seen), sorted([...before, ...after].map((m) => m.value ?? '')));
    assert.deepEqual(r.position(), { [topic]: { '0': 1100, '1': 1100, '2': 1100 } });
  } finally {
    await r.close();
  }
});
