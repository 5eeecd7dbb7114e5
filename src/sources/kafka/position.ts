import { KafkaSourceError } from './errors.ts';

/**
 * A Kafka source's checkpointed position: `{ topic: { partition: nextOffset } }`, the offset of
 * the next record to read (Kafka's committed-offset convention). JSON-safe: offsets are numbers
 * (exact up to 2^53, far beyond any real partition).
 */
export type KafkaPosition = Record<string, Record<string, number>>;

/** Checks a restored value is a KafkaPosition; the error says what is wrong where. */
export function parsePosition(value: unknown): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KafkaSourceError(`restored Kafka position must be an object {topic: {partition: offset}}, got ${JSON.stringify(value)}`);
  }
  for (const [topic, partitions] of Object.entries(value as Record<string, unknown>)) {
    if (partitions === null || typeof partitions !== 'object' || Array.isArray(partitions)) {
      throw new KafkaSourceError(`restored Kafka position of topic ${topic} must be an object {partition: offset}`, { topic });
    }
    const m = new Map<number, number>();
    for (const [p, offset] of Object.entries(partitions as Record<string, unknown>)) {
      const partition = Number(p);
      if (!/^\d+$/u.test(p) || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
        throw new KafkaSourceError(`restored Kafka position of topic ${topic} partition ${p} is not a partition → offset pair: ${JSON.stringify(offset)}`, { topic, partition });
      }
      m.set(partition, offset);
    }
    out.set(topic, m);
  }
  return out;
}

/**
 * Merge checkpointed positions of several runners (own first, then the others' last published):
 * per topic-partition the highest next-offset wins. Exactly one runner owned a partition at a
 * time and offsets only move forward, so the highest published one is where reading goes on.
 */
export function mergePositions(positions: unknown[]): KafkaPosition {
  const out: KafkaPosition = {};
  for (const pos of positions) {
    for (const [topic, parts] of parsePosition(pos)) {
      const t = (out[topic] ??= {});
      for (const [p, offset] of parts) if (t[p] === undefined || offset > t[p]) t[p] = offset;
    }
  }
  return out;
}
