/**
 * SASL against the real broker's SASL_PLAINTEXT listener: the spec's `security` block, with
 * secrets from a file, an env variable and a mounted Secret, reaches @platformatic/kafka as PLAIN and
 * SCRAM logins; a wrong password fails without the password in the error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaSource } from '../../src/api/types.ts';
import { KafkaSourceError, KafkaSplitReader, kafkaClientConfig } from '../../src/sources/kafka/index.ts';
import { KAFKA_TEST_USERS, kafkaEnv } from '../stack/services/kafka.ts';
import { createTopic, drain, labelled, produce, uniqueTopic, useBroker } from './helpers.ts';

const broker = useBroker();
const secrets = mkdtempSync(join(tmpdir(), 'sluice-sasl-'));
writeFileSync(join(secrets, 'alice-password'), `${KAFKA_TEST_USERS.alice}\n`);
mkdirSync(join(secrets, 'kafka-bob'));
writeFileSync(join(secrets, 'kafka-bob', 'password'), KAFKA_TEST_USERS.bob ?? '');

async function readWith(security: KafkaSource['security'], topic: string, want: number, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const src: KafkaSource = { bootstrapServers: [kafkaEnv().KAFKA_SASL_BOOTSTRAP ?? ''], topic, startupMode: 'earliest-offset', ...(security ? { security } : {}) };
  const r = new KafkaSplitReader({
    source: src,
    assignment: { index: 0, parallelism: 1 },
    client: { ...kafkaClientConfig(src, 'sasl-test', { secretsDir: secrets, env }), connectTimeout: 3000, retries: 1 },
    onWarning: () => undefined,
  });
  await r.open(undefined);
  try {
    return (await drain(r, want)).values;
  } finally {
    await r.close();
  }
}

test('PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 logins read the topic', async () => {
  const topic = uniqueTopic('sasl');
  await createTopic(broker, topic, 2);
  await produce(broker, topic, labelled(10, 2));
  const plain = await readWith({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: 'alice', password: { file: join(secrets, 'alice-password') } } }, topic, 10);
  assert.equal(plain.length, 10);
  const scram256 = await readWith({ sasl: { mechanism: 'SCRAM-SHA-256', username: { env: 'KAFKA_USER' }, password: { secretKeyRef: { name: 'kafka-bob', key: 'password' } } } }, topic, 10, { KAFKA_USER: 'bob' });
  assert.equal(scram256.length, 10);
  const scram512 = await readWith({ sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: { file: join(secrets, 'alice-password') } } }, topic, 10);
  assert.equal(scram512.length, 10);
});

test('a wrong password fails to open, and the error does not show it', async () => {
  const topic = uniqueTopic('sasl-bad');
  await createTopic(broker, topic, 1);
  writeFileSync(join(secrets, 'wrong'), 'not-the-password-42');
  for (const mechanism of ['PLAIN', 'SCRAM-SHA-512'] as const) {
    await assert.rejects(readWith({ sasl: { mechanism, username: 'alice', password: { file: join(secrets, 'wrong') } } }, topic, 1), (e: unknown) => {
      assert.ok(e instanceof KafkaSourceError);
      assert.match(e.message, new RegExp(`^cannot connect to Kafka at ${kafkaEnv().KAFKA_SASL_BOOTSTRAP}: .*(SASL|[Aa]uthentication)`));
      const text = `${String(e)} ${JSON.stringify(e)} ${String((e as Error).cause)}`;
      assert.doesNotMatch(text, /not-the-password-42|alice-test-password/);
      return true;
    });
  }
});

test('without SASL the SASL listener refuses the client', async () => {
  const topic = uniqueTopic('sasl-none');
  await createTopic(broker, topic, 1);
  await assert.rejects(readWith(undefined, topic, 1), (e: unknown) => {
    assert.ok(e instanceof KafkaSourceError);
    assert.match(e.message, new RegExp(`^topic ${topic}: cannot read its partitions: .*[Cc]onnection`));
    return true;
  });
});
