/**
 * The Kafka stack service starts a real broker that a Kafka client can use: topics with several
 * partitions, produce, consume in a group, and a stop/start that keeps the data.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@platformatic/kafka';
import service, { brokerRunning, kafkaEnv, startBroker, stopBroker } from './services/kafka.ts';
import { consumeIndependently, createTopic, latestOffsets, produce } from '../kafka/helpers.ts';
import type { Broker } from '../kafka/helpers.ts';

let bootstrap = '';
let startedHere = false;

function broker(): Broker {
  return { bootstrap, admin: new Admin({ clientId: 'stack-kafka-test', bootstrapBrokers: [bootstrap] }) };
}

before(async () => {
  startedHere = !brokerRunning();
  const t0 = Date.now();
  const env = await service.up();
  process.stderr.write(`# kafka up took ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  assert.deepEqual(env, kafkaEnv());
  bootstrap = env.KAFKA_BOOTSTRAP ?? '';
  assert.match(bootstrap, /^127\.0\.0\.1:\d+$/);
});

after(async () => {
  // A broker a developer started by hand (`npm run stack -- up kafka`) stays up.
  if (startedHere) {
    await service.down();
    assert.equal(await service.status(), null);
  }
});

test('up is idempotent and status reports the running broker', async () => {
  assert.deepEqual(await service.up(), kafkaEnv());
  assert.deepEqual(await service.status(), kafkaEnv());
  assert.equal(kafkaEnv().KAFKA_BOOTSTRAP, bootstrap);
});

test('a topic with 3 partitions: produce to each, consume all in a group', async () => {
  const b = broker();
  const topic = `stack-test-${Date.now()}`;
  try {
    await createTopic(b, topic, 3);
    const meta = await b.admin.metadata({ topics: [topic] });
    assert.equal(meta.topics.get(topic)?.partitionsCount, 3);
    const sent = Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: JSON.stringify({ uid: i }) }));
    await produce(b, topic, sent);
    assert.deepEqual(await latestOffsets(b, topic), [0, 1, 2].map((partition) => ({ partition, high: 10 })));
    const got = (await consumeIndependently(b, topic, sent.length)).map((m) => (JSON.parse(String(m.value)) as { uid: number }).uid);
    assert.deepEqual(got.sort((x, y) => x - y), sent.map((_, i) => i));
  } finally {
    await b.admin.close();
  }
});

test('stopBroker/startBroker keep topics and data', async () => {
  const b = broker();
  const topic = `stack-restart-${Date.now()}`;
  await createTopic(b, topic, 2);
  await produce(b, topic, [{ partition: 1, value: 'kept' }]);
  await b.admin.close();

  await stopBroker();
  assert.equal(await service.status(), null);
  const t0 = Date.now();
  assert.deepEqual(await startBroker(), kafkaEnv());
  process.stderr.write(`# kafka restart took ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);

  const b2 = broker();
  try {
    assert.ok((await b2.admin.listTopics()).includes(topic));
    assert.equal((await latestOffsets(b2, topic)).find((o) => o.partition === 1)?.high, 1);
  } finally {
    await b2.admin.close();
  }
});
