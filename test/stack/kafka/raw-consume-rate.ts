/**
 * The raw limit a Kafka-fed pipeline is measured against: how fast plain kafkajs consumes and
 * discards `{"uid": n}` records from the local broker, beside the rate of Sluice's
 * KafkaSplitReader on the same topic. Used by benches; run alone with
 *   node test/stack/kafka/raw-consume-rate.ts [records] [partitions]
 * (starts the stack broker if needed; prints one JSON line).
 */
import { Kafka, logLevel } from 'kafkajs';
import { produce, PRODUCE_DEFAULTS } from '../../../src/cli/produce.ts';
import { KafkaSplitReader } from '../../../src/sources/kafka/index.ts';

export interface ConsumeRate {
  records: number;
  /** First batch → last record: the client's steady-state rate. */
  seconds: number;
  recordsPerSecond: number;
  /** Connect → last record: setup (connection, group join) included, as a pipeline run includes it. */
  secondsWithSetup: number;
}

/** Consume `records` from the start of `topic` with a kafkajs group consumer, discarding them. */
export async function rawKafkajsConsumeRate(bootstrap: string, topic: string, records: number, deadlineMs = 300_000): Promise<ConsumeRate> {
  const kafka = new Kafka({ clientId: 'raw-consume-rate', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `raw-consume-rate-${Date.now()}` });
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  const done = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed only ${seen} of ${records} records within ${deadlineMs} ms`)), deadlineMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        seen += batch.messages.length;
        if (seen >= records) {
          clearTimeout(timer);
          resolve(performance.now());
        }
      },
    });
  });
  try {
    const last = await done;
    const seconds = (last - first) / 1000;
    return { records: seen, seconds, recordsPerSecond: seen / seconds, secondsWithSetup: (last - t0) / 1000 };
  } finally {
    await consumer.disconnect();
  }
}

/** The same through KafkaSplitReader.poll (batches of 10,000), decoding values to strings as the pipeline gets them. */
export async function splitReaderConsumeRate(bootstrap: string, topic: string, records: number, deadlineMs = 300_000): Promise<ConsumeRate> {
  const reader = new KafkaSplitReader({
    source: { bootstrapServers: [bootstrap], topic, startupMode: 'earliest-offset' },
    assignment: { index: 0, parallelism: 1 },
    onWarning: () => undefined,
  });
  const t0 = performance.now();
  await reader.open(undefined);
  try {
    let seen = 0;
    let first = 0;
    const deadline = Date.now() + deadlineMs;
    while (seen < records) {
      if (Date.now() > deadline) throw new Error(`read only ${seen} of ${records} records within ${deadlineMs} ms`);
      const batch = await reader.poll(10_000, 100);
      if (batch === null) break;
      if (batch.values.length > 0 && first === 0) first = performance.now();
      seen += batch.values.length;
    }
    const end = performance.now();
    const seconds = (end - first) / 1000;
    return { records: seen, seconds, recordsPerSecond: seen / seconds, secondsWithSetup: (end - t0) / 1000 };
  } finally {
    await reader.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const records = Number(argv[0] ?? 1_000_000);
  const partitions = Number(argv[1] ?? 1);
  const { default: service } = await import('../services/kafka.ts');
  const bootstrap = (await service.up()).KAFKA_BOOTSTRAP ?? '';
  const topic = `consume-rate-${Date.now()}`;
  const produced = await produce({ ...PRODUCE_DEFAULTS, bootstrap, topic, count: records, batch: 10_000, interval: 0, partitions });
  const raw = await rawKafkajsConsumeRate(bootstrap, topic, records);
  const reader = await splitReaderConsumeRate(bootstrap, topic, records);
  process.stdout.write(
    `${JSON.stringify({
      records,
      partitions,
      produceRecordsPerSecond: Math.round(produced.recordsPerSecond),
      kafkajsConsumeRecordsPerSecond: Math.round(raw.recordsPerSecond),
      splitReaderRecordsPerSecond: Math.round(reader.recordsPerSecond),
    })}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
