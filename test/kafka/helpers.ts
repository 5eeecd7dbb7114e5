/**
 * Shared helpers for tests that need a real broker: start it through the stack service (and
 * stop it afterwards only if this file started it), make topics, produce exactly once
 * (idempotent producer), and drain a SplitReader with a bounded deadline.
 */
import { after, before } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import service, { brokerRunning } from '../stack/services/kafka.ts';
import type { KafkaSource } from '../../src/api/types.ts';
import type { SplitReader } from '../../src/sources/types.ts';
import type { KafkaRawBatch } from '../../src/sources/kafka/index.ts';

export interface Broker {
  bootstrap: string;
  kafka: Kafka;
  admin: Admin;
}

/** Registers before/after hooks; the returned object is filled in by `before`. */
export function useBroker(): Broker {
  const broker = { bootstrap: '', kafka: undefined as unknown as Kafka, admin: undefined as unknown as Admin };
  let startedHere = false;
  before(async () => {
    startedHere = !brokerRunning();
    const env = await service.up();
    broker.bootstrap = env.KAFKA_BOOTSTRAP ?? '';
    broker.kafka = new Kafka({ clientId: 'sluice-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    broker.admin = broker.kafka.admin();
    await broker.admin.connect();
  });
  after(async () => {
    await broker.admin?.disconnect();
    if (startedHere) await service.down();
  });
  return broker;
}

let topicCounter = 0;
export function uniqueTopic(name: string): string {
  return `${name}-${process.pid}-${Date.now()}-${topicCounter++}`;
}

export async function createTopic(b: Broker, topic: string, partitions: number): Promise<void> {
  await b.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
}

export interface Msg {
  partition: number;
  value: string | null;
  timestamp?: number;
}

/** Produce with an idempotent producer: a retried request writes no duplicate. */
export async function produce(b: Broker, topic: string, messages: Msg[]): Promise<void> {
  const producer = b.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 5000) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 5000).map((m) => ({
          partition: m.partition,
          value: m.value,
          ...(m.timestamp === undefined ? {} : { timestamp: String(m.timestamp) }),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** `count` messages `p<partition>-<i>` spread round-robin over `partitions`. */
export function labelled(count: number, partitions: number, prefix = 'm'): Msg[] {
  return Array.from({ length: count }, (_, i) => ({ partition: i % partitions, value: `${prefix}${i}` }));
}

export function source(b: Broker, topic: string | string[], extra: Partial<KafkaSource> = {}): KafkaSource {
  return { bootstrapServers: [b.bootstrap], topic, startupMode: 'earliest-offset', ...extra };
}

export interface Drained {
  values: string[];
  where: string[];
  ended: boolean;
}

/**
 * Poll until `want` records arrived (or end of input), failing after `deadlineMs`. With
 * `want` undefined, polls until end of input (bounded readers).
 */
export async function drain(reader: SplitReader, want: number | undefined, deadlineMs = 30_000): Promise<Drained> {
  const out: Drained = { values: [], where: [], ended: false };
  const deadline = Date.now() + deadlineMs;
  while (want === undefined || out.values.length < want) {
    if (Date.now() > deadline) {
      throw new Error(`drain: got ${out.values.length} of ${want ?? 'end of input'} records within ${deadlineMs} ms`);
    }
    const batch = (await reader.poll(500, 200)) as KafkaRawBatch | null;
    if (batch === null) {
      out.ended = true;
      break;
    }
    for (let i = 0; i < batch.values.length; i++) {
      out.values.push(batch.values[i] as string);
      out.where.push(batch.describe(i));
    }
  }
  return out;
}

/** Poll for `ms` more and return what arrived (to show that nothing more comes). */
export async function pollFor(reader: SplitReader, ms: number): Promise<string[]> {
  const got: string[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const batch = await reader.poll(500, Math.max(1, until - Date.now()));
    if (batch === null) break;
    got.push(...batch.values);
  }
  return got;
}

export function sorted(values: string[]): string[] {
  return [...values].sort();
}
