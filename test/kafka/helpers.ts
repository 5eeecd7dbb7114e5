/**
 * Shared helpers for tests that need a real broker: start it through the stack service (and
 * stop it afterwards only if this file started it), make topics, produce exactly once
 * (idempotent producer), and drain a SplitReader with a bounded deadline.
 */
import { after, before } from 'node:test';
import { Admin, Producer } from '@platformatic/kafka';
import type { CompressionAlgorithmValue } from '@platformatic/kafka';
import service, { brokerRunning } from '../stack/services/kafka.ts';
import type { KafkaSource } from '../../src/api/types.ts';
import type { SplitReader } from '../../src/sources/types.ts';
import type { KafkaRawBatch } from '../../src/sources/kafka/index.ts';

export interface Broker {
  bootstrap: string;
  admin: Admin;
}

/** Client options for a test's own producers and admins. */
export function testClient(b: Broker, clientId = 'sluice-test'): { clientId: string; bootstrapBrokers: string[] } {
  return { clientId, bootstrapBrokers: [b.bootstrap] };
}

/** Registers before/after hooks; the returned object is filled in by `before`. */
export function useBroker(): Broker {
  const broker = { bootstrap: '', admin: undefined as unknown as Admin };
  let startedHere = false;
  before(async () => {
    startedHere = !brokerRunning();
    const env = await service.up();
    broker.bootstrap = env.KAFKA_BOOTSTRAP ?? '';
    broker.admin = new Admin(testClient(broker));
  });
  after(async () => {
    await broker.admin?.close();
    if (startedHere) await service.down();
  });
  return broker;
}

let topicCounter = 0;
export function uniqueTopic(name: string): string {
  return `${name}-${process.pid}-${Date.now()}-${topicCounter++}`;
}

/** Waits until `topic` has `partitions` partitions, each with a leader. */
export async function waitForLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const meta = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
    const t = meta?.topics.get(topic);
    if (t !== undefined && t.partitionsCount === partitions && t.partitions.every((p) => p.leader >= 0)) return;
    if (attempt > 200) throw new Error(`topic ${topic}: ${partitions} partitions with leaders did not appear`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function createTopic(b: Broker, topic: string, partitions: number, configs: Array<{ name: string; value: string }> = []): Promise<void> {
  await b.admin.createTopics({ topics: [topic], partitions, ...(configs.length > 0 ? { configs } : {}) });
  await waitForLeaders(b.admin, topic, partitions);
}

export async function addPartitions(b: Broker, topic: string, count: number): Promise<void> {
  await b.admin.createPartitions({ topics: [{ name: topic, count }] });
  await waitForLeaders(b.admin, topic, count);
}

/** The group's committed offsets of `topic`, as [partition, offset] sorted by partition. */
export async function committedOffsets(b: Broker, groupId: string, topic: string): Promise<Array<[number, number]>> {
  const groups = await b.admin.listConsumerGroupOffsets({ groups: [groupId] });
  const out: Array<[number, number]> = [];
  for (const g of groups) for (const t of g.topics) if (t.name === topic) for (const p of t.partitions) out.push([p.partitionIndex, Number(p.committedOffset)]);
  return out.sort((x, y) => x[0] - y[0]);
}

/** Latest offset (next to be written) per partition of `topic`, ascending by partition. */
export async function latestOffsets(b: Broker, topic: string): Promise<Array<{ partition: number; high: number }>> {
  const meta = await b.admin.metadata({ topics: [topic], forceUpdate: true });
  const count = meta.topics.get(topic)?.partitionsCount ?? 0;
  const result = await b.admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
  return result.flatMap((t) => t.partitions.map((p) => ({ partition: p.partitionIndex, high: Number(p.offset) }))).sort((x, y) => x.partition - y.partition);
}

/**
 * The first `count` records of `topic`, read with the client's own group consumer (not
 * Sluice's reader), for checks that must not trust the code under test.
 */
export async function consumeIndependently(b: Broker, topic: string, count: number): Promise<Array<{ value: Buffer | undefined; headers: Map<Buffer, Buffer> }>> {
  const { Consumer } = await import('@platformatic/kafka');
  const consumer = new Consumer({ ...testClient(b, 'independent-check'), groupId: `check-${topic}-${Date.now()}` });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    const out: Array<{ value: Buffer | undefined; headers: Map<Buffer, Buffer> }> = [];
    if (count > 0) {
      for await (const message of stream) {
        out.push({ value: message.value, headers: message.headers });
        if (out.length === count) break;
      }
    }
    await stream.close();
    return out;
  } finally {
    await consumer.close(true);
  }
}

export interface Msg {
  partition: number;
  /** Text (sent as UTF-8), or null for a tombstone. */
  value: string | null;
  /** Raw bytes sent instead of `value` (bytes that are not UTF-8). */
  raw?: Buffer;
  timestamp?: number;
}

/** Produce with an idempotent producer (acks=all): a retried request writes no duplicate. Each call of `send` is one request, so one record batch per partition. */
export async function produce(b: Broker, topic: string, messages: Msg[], options: { compression?: CompressionAlgorithmValue } = {}): Promise<void> {
  const producer = new Producer({ ...testClient(b), idempotent: true, acks: -1 });
  try {
    for (let i = 0; i < messages.length; i += 5000) {
      await producer.send({
        ...(options.compression === undefined ? {} : { compression: options.compression }),
        messages: messages.slice(i, i + 5000).map((m) => ({
          topic,
          partition: m.partition,
          ...(m.raw !== undefined ? { value: m.raw } : m.value === null ? {} : { value: Buffer.from(m.value) }),
          ...(m.timestamp === undefined ? {} : { timestamp: BigInt(m.timestamp) }),
        })),
      });
    }
  } finally {
    await producer.close();
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
