import { createAPI, fetchV12, readKnownTaggedFields } from '@platformatic/kafka';
import type { Connection, Reader } from '@platformatic/kafka';
import type { AbortedTransaction } from './record-batches.ts';

/** One partition of a Fetch request: where to read and how much at most. */
export interface FetchPartition {
  partition: number;
  offset: number;
  maxBytes: number;
}

/** One partition of a Fetch response, its records left as the raw bytes the broker sent. */
export interface FetchedPartition {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  /** Under read_committed: the offset up to which records are readable (the last stable offset). */
  lastStableOffset: number;
  logStartOffset: number;
  aborted: AbortedTransaction[] | null;
  /** Record batches, undecoded; the last one may be cut off by the size limits. */
  records: Buffer | null;
}

export const ISOLATION_READ_UNCOMMITTED = 0;
export const ISOLATION_READ_COMMITTED = 1;

/**
 * Fetch v12's response, read only down to each partition's records: those stay one Buffer
 * (the bytes the broker sent), for `decodeRecordBatches` to read whole batches at a time.
 * @platformatic/kafka's own parser decodes every record into objects; its request writer and
 * wire protocol are used as they are. v12 is the newest version that names topics (v13+ want
 * topic ids); every broker since Kafka 2.8 serves it.
 */
function parseFetchResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): { errorCode: number; partitions: FetchedPartition[] } {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const partitions: FetchedPartition[] = [];
  reader.readArray((r) => {
    const topic = r.readString();
    r.readArray((r) => {
      const partition = r.readInt32();
      const code = r.readInt16();
      const highWatermark = Number(r.readInt64());
      const lastStableOffset = Number(r.readInt64());
      const logStartOffset = Number(r.readInt64());
      const aborted = r.readNullableArray((r) => ({ producerId: r.readInt64(), firstOffset: Number(r.readInt64()) }));
      r.readInt32(); // preferred_read_replica
      let size = r.readUnsignedVarInt(); // COMPACT_RECORDS: length + 1, 0 for null
      let records: Buffer | null = null;
      if (size > 1) {
        size--;
        // One contiguous Buffer per partition (the response may span several socket chunks).
        const raw: unknown = r.buffer.slice(r.position, r.position + size);
        records = raw as Buffer;
        r.skip(size);
      }
      // (the partition's tagged fields are read by readArray)
      if (aborted !== null) aborted.sort((a, b) => a.firstOffset - b.firstOffset);
      partitions.push({ topic, partition, errorCode: code, highWatermark, lastStableOffset, logStartOffset, aborted, records });
    }, true, true);
  }, true, true);
  readKnownTaggedFields(reader, {});
  return { errorCode, partitions };
}

type FetchRequestTopics = Array<{ topicId: string; partitions: Array<{ partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; partitionMaxBytes: number }> }>;

const fetchApi = createAPI<[number, number, number, number, number, number, FetchRequestTopics, never[], string], { errorCode: number; partitions: FetchedPartition[] }>(
  1,
  12,
  fetchV12.createRequest as unknown as Parameters<typeof createAPI>[2],
  parseFetchResponse,
);

/**
 * One sessionless Fetch (session id 0, epoch -1: the broker keeps no fetch session, every
 * request names every partition) on `connection`.
 */
export function fetchRecords(
  connection: Connection,
  request: { maxWaitMs: number; maxBytes: number; isolationLevel: number; topics: Map<string, FetchPartition[]> },
): Promise<{ errorCode: number; partitions: FetchedPartition[] }> {
  const topics: FetchRequestTopics = [];
  for (const [topic, parts] of request.topics) {
    topics.push({
      topicId: topic,
      partitions: parts.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(p.offset), lastFetchedEpoch: -1, partitionMaxBytes: p.maxBytes })),
    });
  }
  return fetchApi.async(connection, request.maxWaitMs, 1, request.maxBytes, request.isolationLevel, 0, -1, topics, [], '');
}
