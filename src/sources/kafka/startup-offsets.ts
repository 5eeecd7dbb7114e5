import type { Admin } from '@platformatic/kafka';
import type { KafkaSource } from '../../api/types.ts';
import { InvalidFieldError } from '../../api/field-error.ts';
import { KafkaSourceError } from './errors.ts';
import { parseSpecificOffsets } from './specific-offsets.ts';

/** Earliest available and next-to-be-written offset of one partition. */
export interface PartitionRange {
  low: number;
  high: number;
}

/** ListOffsets timestamps with a special meaning. */
const EARLIEST = -2n;
const LATEST = -1n;
/** read_committed, as the reader fetches: "latest" is the last stable offset. */
const READ_COMMITTED = 1;

/** One ListOffsets round trip: the offset per partition for `timestamp` (-1 when none). */
async function listOffsets(admin: Admin, topic: string, partitions: readonly number[], timestamp: bigint): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (partitions.length === 0) return out;
  const result = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }], isolationLevel: READ_COMMITTED });
  for (const t of result) for (const p of t.partitions) out.set(p.partitionIndex, Number(p.offset));
  return out;
}

/** Earliest and latest (last stable) offsets of `partitions` of `topic`. */
export async function partitionRanges(admin: Admin, topic: string, partitions: readonly number[]): Promise<Map<number, PartitionRange>> {
  const [low, high] = await Promise.all([listOffsets(admin, topic, partitions, EARLIEST), listOffsets(admin, topic, partitions, LATEST)]);
  const out = new Map<number, PartitionRange>();
  for (const p of partitions) {
    const l = low.get(p);
    const h = high.get(p);
    if (l !== undefined && h !== undefined) out.set(p, { low: l, high: h });
  }
  return out;
}

/** The group's committed offsets for `topic`; partitions without one are absent. */
async function committedOffsets(admin: Admin, groupId: string, topic: string, partitions: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const groups = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [...partitions] }] }] });
  for (const g of groups) {
    for (const t of g.topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) {
        const offset = Number(p.committedOffset);
        if (offset >= 0) out.set(p.partitionIndex, offset);
      }
    }
  }
  return out;
}

/**
 * Where a fresh start (no checkpoint) reads each owned partition from, per `startupMode`
 * (Flink's `scan.startup.mode`; default group-offsets):
 * - earliest-offset / latest-offset: the partition's low / high offset now;
 * - group-offsets: the `groupId`'s committed offset; none → `autoOffsetReset` earliest|latest,
 *   unset or `none` → error naming topic and partition (as Flink);
 * - timestamp: first offset whose timestamp ≥ `startupTimestampMillis` (high if none);
 * - specific-offsets: the listed offset; unlisted partitions use the group's committed offset,
 *   else earliest (Flink's `SpecifiedOffsetsInitializer` with its EARLIEST default).
 * Offsets are clamped into [low, high]: out-of-range positions would be reset by the broker anyway.
 */
export async function startupOffsets(
  admin: Admin,
  source: KafkaSource,
  topic: string,
  owned: readonly number[],
  ranges: ReadonlyMap<number, PartitionRange>,
): Promise<Map<number, number>> {
  const mode = source.startupMode ?? 'group-offsets';
  const out = new Map<number, number>();
  const range = (p: number): PartitionRange => {
    const r = ranges.get(p);
    if (r === undefined) throw new KafkaSourceError(`topic ${topic} partition ${p}: no offsets known (partition vanished?)`, { topic, partition: p });
    return r;
  };
  const clamp = (p: number, offset: number) => Math.min(Math.max(offset, range(p).low), range(p).high);
  const needGroup = (field: string): string => {
    if (source.groupId === undefined || source.groupId === '') throw new InvalidFieldError('spec.source.kafka.groupId', `is required when ${field}`);
    return source.groupId;
  };
  switch (mode) {
    case 'earliest-offset':
      for (const p of owned) out.set(p, range(p).low);
      break;
    case 'latest-offset':
      for (const p of owned) out.set(p, range(p).high);
      break;
    case 'group-offsets': {
      const groupId = needGroup('startupMode is group-offsets');
      const committed = await committedOffsets(admin, groupId, topic, owned);
      const reset = source.autoOffsetReset;
      for (const p of owned) {
        const c = committed.get(p);
        if (c !== undefined) out.set(p, clamp(p, c));
        else if (reset === 'earliest') out.set(p, range(p).low);
        else if (reset === 'latest') out.set(p, range(p).high);
        else {
          throw new KafkaSourceError(
            `topic ${topic} partition ${p}: group ${groupId} has no committed offset and spec.source.kafka.autoOffsetReset is ${reset ?? 'not set'} (startupMode group-offsets); set autoOffsetReset to earliest or latest, or choose another startupMode`,
            { topic, partition: p },
          );
        }
      }
      break;
    }
    case 'timestamp': {
      const ts = source.startupTimestampMillis;
      if (ts === undefined || !Number.isSafeInteger(ts) || ts < 0) {
        throw new InvalidFieldError('spec.source.kafka.startupTimestampMillis', 'must be epoch milliseconds when startupMode is timestamp');
      }
      const byTime = await listOffsets(admin, topic, owned, BigInt(ts));
      for (const p of owned) {
        const o = byTime.get(p);
        // -1: no record at or after ts; start at the end, as Kafka's offsetsForTimes users do.
        out.set(p, o === undefined || o < 0 ? range(p).high : clamp(p, o));
      }
      break;
    }
    case 'specific-offsets': {
      const text = source.startupSpecificOffsets;
      if (text === undefined) throw new InvalidFieldError('spec.source.kafka.startupSpecificOffsets', 'is required when startupMode is specific-offsets');
      const specific = parseSpecificOffsets(text);
      const committed = source.groupId !== undefined && source.groupId !== '' ? await committedOffsets(admin, source.groupId, topic, owned) : new Map<number, number>();
      for (const p of owned) out.set(p, clamp(p, specific.get(p) ?? committed.get(p) ?? range(p).low));
      break;
    }
    default:
      throw new InvalidFieldError('spec.source.kafka.startupMode', `${JSON.stringify(mode)} is not one of earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets`);
  }
  return out;
}
