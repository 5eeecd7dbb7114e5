/**
 * TLS against the real broker's SSL listener, whose certificate a CA made by the test stack
 * signed (openssl, test/stack/services/kafka.ts): the reader trusts that CA from the spec's
 * `security.tls.ca`, a client that does not trust it is refused naming the certificate, and a
 * whole `sluice run` job reads its topic over TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KafkaSource } from '../../src/api/types.ts';
import { KafkaSourceError, KafkaSplitReader } from '../../src/sources/kafka/index.ts';
import { kafkaEnv, kafkaTlsFiles } from '../stack/services/kafka.ts';
import { runSluice } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { createTopic, drain, labelled, produce, sorted, uniqueTopic, useBroker } from './helpers.ts';

const broker = useBroker();

function tlsSource(topic: string, tls: NonNullable<KafkaSource['security']>['tls']): KafkaSource {
  return { bootstrapServers: [kafkaEnv().KAFKA_TLS_BOOTSTRAP ?? ''], topic, startupMode: 'earliest-offset', security: { protocol: 'SSL', ...(tls === undefined ? {} : { tls }) } };
}

test('the reader fetches over TLS, trusting the CA named in security.tls.ca', async () => {
  const topic = uniqueTopic('tls');
  await createTopic(broker, topic, 2);
  const sent = labelled(500, 2, 'tls-');
  await produce(broker, topic, sent);
  const r = new KafkaSplitReader({ source: tlsSource(topic, { ca: { file: kafkaTlsFiles().ca } }), assignment: { index: 0, parallelism: 1 }, onWarning: () => undefined });
  await r.open(undefined);
  try {
    const got = await drain(r, 500);
    assert.deepEqual(sorted(got.values), sorted(sent.map((m) => m.value ?? '')));
  } finally {
    await r.close();
  }
});

test('a client that does not trust the broker certificate is refused, saying why', async () => {
  const topic = uniqueTopic('tls-untrusted');
  await createTopic(broker, topic, 1);
  // No CA: the system's roots do not include the test CA.
  const r = new KafkaSplitReader({ source: tlsSource(topic, {}), assignment: { index: 0, parallelism: 1 }, client: undefined, onWarning: () => undefined });
  await assert.rejects(r.open(undefined), (e: unknown) => {
    assert.ok(e instanceof KafkaSourceError);
    assert.match(e.message, new RegExp(`^cannot connect to Kafka at ${kafkaEnv().KAFKA_TLS_BOOTSTRAP}: .*(certificate|self.signed|issuer)`, 'iu'));
    return true;
  });
});

test('sluice run reads a topic over TLS into CSV files', { timeout: 180_000 }, async () => {
  const topic = uniqueTopic('tls-job');
  await createTopic(broker, topic, 3);
  const sent = Array.from({ length: 3000 }, (_, i) => ({ partition: i % 3, value: JSON.stringify({ seq: i }) }));
  await produce(broker, topic, sent);
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-tls-'));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: tls-job}
spec:
  source:
    kafka:
      bootstrapServers: ["${kafkaEnv().KAFKA_TLS_BOOTSTRAP}"]
      topic: ${topic}
      startupMode: earliest-offset
      boundedMode: latest-offset
      security: {protocol: SSL, tls: {ca: {file: ${JSON.stringify(kafkaTlsFiles().ca)}}}}
    format: {type: json}
    schema: [{name: seq, type: BIGINT}]
  sink: {path: out, format: {type: csv}}
  checkpoint: {interval: 500ms}
`);
  const x = await runSluice(['run', job, '--json']);
  assert.equal(x.code, 0, x.stderr);
  const seqs = (await readLines(await visibleFiles(path.join(dir, 'out')))).map(Number).sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: 3000 }, (_, i) => i));
});
