/**
 * The Kafka stack service starts a real broker that kafkajs can use: topics with several
 * partitions, produce, consume in a group, and a stop/start that keeps the data.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import service, { brokerRunning, kafkaEnv, startBroker, stopBroker } from './services/kafka.ts';

let bootstrap = '';
let startedHere = false;

function client(): Kafka {
  return new Kafka({ clientId: 'stack-kafka-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
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
  const kafka = client();
  const admin = kafka.admin();
  await admin.connect();
  const topic = `stack-test-${Date.now()}`;
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0]?.partitions.length, 3);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: JSON.stringify({ uid: i }) }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(offsets.map((o) => [o.partition, o.high]).sort(), [[0, '10'], [1, '10'], [2, '10']]);

    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: Array<{ partition: number; uid: number }> = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({ partition, uid: (JSON.parse(message.value?.toString() ?? 'null') as { uid: number }).uid });
          if (got.length === sent.length) resolve();
        },
      });
    });
    await Promise.race([
      done,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed only ${got.length} of ${sent.length}`)), 60_000).unref()),
    ]);
    await consumer.disconnect();
    assert.deepEqual(got.map((g) => g.uid).sort((a, b) => a - b), sent.map((_, i) => i));
    for (const g of got) assert.equal(g.partition, g.uid % 3, `uid ${g.uid} came from partition ${g.partition}`);
  } finally {
    await admin.disconnect();
  }
});

test('stopBroker/startBroker keep topics and data', async () => {
  const kafka = client();
  const topic = `stack-restart-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ partition: 1, value: 'kept' }] });
  await producer.disconnect();
  await admin.disconnect();

  await stopBroker();
  assert.equal(await service.status(), null);
  const t0 = Date.now();
  assert.deepEqual(await startBroker(), kafkaEnv());
  process.stderr.write(`# kafka restart took ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);

  const admin2 = client().admin();
  await admin2.connect();
  try {
    assert.ok((await admin2.listTopics()).includes(topic));
    const offsets = await admin2.fetchTopicOffsets(topic);
    assert.equal(offsets.find((o) => o.partition === 1)?.high, '1');
  } finally {
    await admin2.disconnect();
  }
});
