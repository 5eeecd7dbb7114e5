import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaConfig, KafkaMessage, LogEntry } from 'kafkajs';
import type { KafkaSource } from '../../api/types.ts';
import { parseDuration } from '../../api/duration.ts';
import type { RawBatch, SourceMetrics, SplitAssignment, SplitReader } from '../types.ts';
import { kafkaClientConfig } from './client-config.ts';
import { KafkaSourceError } from './errors.ts';
import { GroupOffsetCommitter } from './group-offset-committer.ts';
import { ownedPartitionAssigner } from './owned-partition-assigner.ts';
import { ownedPartitions } from './partition-owner.ts';
import { mergePositions as mergeKafkaPositions, parsePosition } from './position.ts';
import type { KafkaPosition } from './position.ts';
import { RateMeter } from './rate-meter.ts';
import { partitionRanges, startupOffsets } from './startup-offsets.ts';

export interface KafkaSplitReaderOptions {
  source: KafkaSource;
  assignment: SplitAssignment;
  /** kafkajs client config; built from `source` (bootstrap, SASL/TLS secrets) when absent. */
  client?: KafkaConfig;
  /** Names this runner in broker logs and in its private group id. @default 'sluice' */
  clientId?: string;
  /**
   * Fetching stops once this many records wait in the buffer, and goes on below half.
   * The buffer can overshoot by one fetch response (`maxBytes`). @default 100_000
   */
  maxBufferedRecords?: number;
  /** Same, in UTF-16 code units of buffered values (≈ bytes for ASCII). @default 32 MiB */
  maxBufferedChars?: number;
  /**
   * Upper bound on one fetch response. @default 512 KiB
   *
   * Small on purpose: kafkajs decodes a whole response into one object per record (a Buffer
   * slice, offset and timestamp strings...) before handing it over, so a big response is tens of
   * MB of short-lived garbage that outgrows the young generation (16 MB semi-spaces, see
   * bin/sluice.mjs) and inflates the old one. Measured with `npm run bench` (kafka section):
   * 8 MiB / 1 MiB per partition peaked at 450-590 MB RSS; 512 KiB / 32 KiB at 130-180 MB, at
   * the same records/s on loopback (128 KiB per partition: ~300 MB, and no faster).
   */
  maxBytes?: number;
  /** Upper bound per partition in one fetch response (the broker still returns at least one record batch). @default 32 KiB */
  maxBytesPerPartition?: number;
  /**
   * Told about things worth a log line that do not stop the job (an offset commit failed, a
   * broker connection dropped). Never given secrets. @default one line on stderr
   */
  onWarning?: (message: string) => void;
  /** Test seam for rates. @default Date.now */
  now?: () => number;
}

/** Per owned partition: where the pipeline is, where fetching is, and where a bounded read ends. */
interface PartitionState {
  topic: string;
  partition: number;
  /** Offset after the last record handed out by poll(): the checkpointed position. undefined: nothing known yet (new partition, starts at earliest). */
  next: number | undefined;
  /** Offset after the last record taken into the buffer: where fetching must continue. */
  fetched: number | undefined;
  /** Bounded mode: first offset not to read (latest offset when the job started). */
  stop: number | undefined;
  highWatermark: number | undefined;
  rate: RateMeter;
}

/** Records of one partition, in offset order, taken from one fetched batch. */
interface Chunk {
  state: PartitionState;
  values: string[];
  /** Offset of each value, or null when they are consecutive from `first` (the usual case). */
  offsets: number[] | null;
  first: number;
  /** Index of the next record to hand out. */
  head: number;
  /** Offset after the chunk (past trailing control records and skipped tombstones). */
  end: number;
  chars: number;
}

/** How long `open` waits for the private group's first assignment. */
const JOIN_DEADLINE_MS = 60_000;
/** While fetching is held for backpressure: how often to heartbeat the private group and look for a stop. */
const HOLD_CHECK_MS = 1000;

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

function hasNull(messages: KafkaMessage[]): boolean {
  for (let i = 0; i < messages.length; i++) if ((messages[i] as KafkaMessage).value === null) return true;
  return false;
}

/**
 * Values up to this many bytes take the batch path of `decodeValues`. V8 copies substrings
 * this short (it slices only from 13 characters on), so no value keeps its batch's text alive.
 */
const SHORT_VALUE_BYTES = 12;
/** The batch path decodes the fetch buffer from the first value to the last only when that span averages at most this many bytes per record. */
const SHORT_SPAN_BYTES_PER_RECORD = 64;

/**
 * The values of messages[lo..hi) (none null) as UTF-8 text.
 *
 * Per value, Buffer#toString is a call into C++ that costs ~70 ns however short the value; for
 * small records (the seed's `{"uid": 42}`) that was most of the reader's own time. kafkajs hands
 * out values as slices of the fetch response, so when the records are small the span from the
 * first value to the last is decoded once as latin1 (byte i → char i) and each short ASCII value
 * is cut out of it. A value that is longer, has a byte ≥ 0x80 (latin1 would be wrong) or lies
 * elsewhere (a compressed batch) is decoded on its own, as is everything when records are large.
 */
function decodeValues(messages: KafkaMessage[], lo: number, hi: number): string[] {
  const out = new Array<string>(hi - lo);
  const head = hi - lo < 2 ? undefined : ((messages[lo] as KafkaMessage).value as Buffer);
  const tail = hi - lo < 2 ? undefined : ((messages[hi - 1] as KafkaMessage).value as Buffer);
  const base = head?.byteOffset ?? 0;
  const span = tail === undefined ? 0 : tail.byteOffset + tail.length - base;
  if (head === undefined || tail === undefined || tail.buffer !== head.buffer || span <= 0 || span > (hi - lo) * SHORT_SPAN_BYTES_PER_RECORD) {
    for (let i = lo; i < hi; i++) out[i - lo] = ((messages[i] as KafkaMessage).value as Buffer).toString('utf8');
    return out;
  }
  const buffer = head.buffer;
  const bytes = new Uint8Array(buffer, base, span);
  const text = Buffer.from(buffer, base, span).toString('latin1');
  for (let i = lo; i < hi; i++) {
    const v = (messages[i] as KafkaMessage).value as Buffer;
    const a = v.byteOffset - base;
    const b = a + v.length;
    let ascii = v.length <= SHORT_VALUE_BYTES && a >= 0 && b <= span && v.buffer === buffer;
    for (let j = a; ascii && j < b; j++) if ((bytes[j] as number) > 0x7f) ascii = false;
    out[i - lo] = ascii ? text.substring(a, b) : v.toString('utf8');
  }
  return out;
}

/** Values `start..` of a batch came from one chunk, from its record `from` on. */
interface Segment {
  start: number;
  state: PartitionState;
  offsets: number[] | null;
  first: number;
  from: number;
}

/**
 * A RawBatch that keeps where each value came from, for `describe(i)` and dead-letter headers:
 * one entry per run of records from the same fetched chunk, not per record (origins are looked
 * up only for bad records).
 */
export class KafkaRawBatch implements RawBatch {
  readonly values: string[] = [];
  private readonly segments: Segment[] = [];

  /** @internal values[length..] are to be `chunk`'s records from index `from` on. */
  addSegment(chunk: Chunk, from: number): void {
    this.segments.push({ start: this.values.length, state: chunk.state, offsets: chunk.offsets, first: chunk.first, from });
  }

  describe(i: number): string {
    const o = this.origin(i);
    return `topic ${o.topic} partition ${o.partition} offset ${o.offset}`;
  }

  /** Structured origin of record `i` (what `describe` says). */
  origin(i: number): { topic: string; partition: number; offset: number } {
    if (!(i >= 0 && i < this.values.length)) return { topic: '', partition: -1, offset: -1 };
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.segments[mid] as Segment).start <= i) lo = mid;
      else hi = mid - 1;
    }
    const seg = this.segments[lo] as Segment;
    return { topic: seg.state.topic, partition: seg.state.partition, offset: offsetAt(seg, seg.from + i - seg.start) };
  }
}

/** Offset of record `i` of a chunk. */
function offsetAt(c: { offsets: number[] | null; first: number }, i: number): number {
  return c.offsets === null ? c.first + i : (c.offsets[i] as number);
}

/**
 * Runner `index`'s share of a Kafka source: the partitions it owns by Flink's rule, read with a
 * kafkajs consumer, handed out in batches by `poll`, positioned only by the checkpoint.
 *
 * Algorithm:
 * 1. `open`: list the topics' partitions, keep the owned ones. Positions come from the restored
 *    checkpoint (owned partitions missing from it start at earliest), else from `startupMode`.
 *    Bounded mode records each partition's high offset as its end.
 * 2. Join a private consumer group (random id, this runner its only member) whose assigner hands
 *    this runner exactly its owned partitions; after every (re)join seek each partition to where
 *    fetching must continue. Records below that offset (a redelivery after a rejoin) are dropped,
 *    so a record enters the buffer at most once, and nothing is skipped.
 * 3. Fetched batches go into a bounded buffer, a whole batch at a time (offsets are not parsed
 *    per record when they are consecutive); past the bound fetching is held until `poll`
 *    drains it to half (backpressure without unbounded memory).
 * 4. Partition discovery: kafkajs refreshes metadata every `partitionDiscoveryInterval` and
 *    rejoins when a topic grew; the assigner then hands over new owned partitions, which start
 *    at earliest (no seek: the private group has no committed offsets).
 * 5. `notifyCheckpointComplete` commits the checkpoint's offsets to the user's `groupId`, for lag
 *    tools only; failures are warnings.
 */
export class KafkaSplitReader implements SplitReader {
  private readonly source: KafkaSource;
  private readonly assignment: SplitAssignment;
  private readonly topics: string[];
  private readonly kafka: Kafka;
  private readonly clientId: string;
  private readonly maxRecords: number;
  private readonly maxChars: number;
  private readonly maxBytes: number;
  private readonly maxBytesPerPartition: number;
  private readonly bounded: boolean;
  private readonly discoveryMs: number;
  private readonly warn: (message: string) => void;
  private readonly now: () => number;

  private admin: Admin | undefined;
  private committer: GroupOffsetCommitter | undefined;
  private consumer: Consumer | undefined;
  private readonly states = new Map<string, PartitionState>();
  private readonly chunks: Chunk[] = [];
  private chunkHead = 0;
  private bufferedRecords = 0;
  private bufferedChars = 0;
  /** Fetching is held (backpressure): an eachBatch call waits until poll drains the buffer to half. */
  private paused = false;
  private resumeFetching: (() => void) | undefined;
  private fatal: Error | undefined;
  private wake: (() => void) | undefined;
  private joined: (() => void) | undefined;
  private closed = false;
  /** Null-valued records (tombstones): skipped like Flink's JSON/CSV formats do, and counted. */
  tombstones = 0;
  /** Offset commits to the user's group that failed (monitoring only). */
  commitFailures = 0;

  constructor(options: KafkaSplitReaderOptions) {
    this.source = options.source;
    this.assignment = options.assignment;
    const { index, parallelism } = options.assignment;
    if (!Number.isInteger(parallelism) || parallelism < 1 || !Number.isInteger(index) || index < 0 || index >= parallelism) {
      throw new KafkaSourceError(`runner index ${index} is not within parallelism ${parallelism}`);
    }
    this.topics = (Array.isArray(this.source.topic) ? this.source.topic : [this.source.topic]).map((t) => t.trim());
    if (this.topics.length === 0 || this.topics.some((t) => t === '')) {
      throw new KafkaSourceError('spec.source.kafka.topic: must name at least one topic, none empty');
    }
    this.clientId = options.clientId ?? 'sluice';
    this.warn = options.onWarning ?? ((m) => process.stderr.write(`kafka source: ${m}\n`));
    const client = options.client ?? kafkaClientConfig(this.source, this.clientId);
    // kafkajs's own error lines go to the same place as ours, one line each, instead of JSON on stderr.
    this.kafka = new Kafka({ ...client, logCreator: client.logCreator ?? (() => (entry) => this.onClientLog(entry)) });
    this.maxRecords = options.maxBufferedRecords ?? 100_000;
    this.maxChars = options.maxBufferedChars ?? 32 * 1024 * 1024;
    this.maxBytes = options.maxBytes ?? 512 * 1024;
    this.maxBytesPerPartition = options.maxBytesPerPartition ?? 32 * 1024;
    this.bounded = (this.source.boundedMode ?? 'unbounded') === 'latest-offset';
    this.discoveryMs = parseDuration(this.source.partitionDiscoveryInterval ?? '5m', 'spec.source.kafka.partitionDiscoveryInterval');
    this.now = options.now ?? Date.now;
  }

  private carried: KafkaPosition = {};

  mergePositions(positions: unknown[]): KafkaPosition {
    return mergeKafkaPositions(positions);
  }

  async open(restored: unknown | undefined): Promise<void> {
    try {
      await this.openOrThrow(restored);
    } catch (e) {
      // Leave no client behind: a failed open must not keep sockets or a group member alive.
      await this.close();
      throw e;
    }
  }

  private async openOrThrow(restored: unknown | undefined): Promise<void> {
    const restoredPosition = restored === undefined ? undefined : parsePosition(restored);
    this.carried = {};
    const admin = this.kafka.admin();
    this.admin = admin;
    try {
      await admin.connect();
    } catch (e) {
      throw new KafkaSourceError(`cannot connect to Kafka at ${this.describeBrokers()}: ${(e as Error).message}`, {}, { cause: e, retriable: true });
    }
    const { index, parallelism } = this.assignment;
    for (const topic of this.topics) {
      let partitions: number[];
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        partitions = (meta.topics[0]?.partitions ?? []).map((p) => p.partitionId);
      } catch (e) {
        throw new KafkaSourceError(`topic ${topic}: cannot read its partitions: ${(e as Error).message}`, { topic }, { cause: e, retriable: true });
      }
      const owned = ownedPartitions(topic, partitions, index, parallelism);
      for (const [p, offset] of restoredPosition?.get(topic) ?? []) {
        if (!owned.includes(p)) (this.carried[topic] ??= {})[String(p)] = offset;
      }
      if (owned.length === 0) continue;
      const ranges = await partitionRanges(admin, topic);
      let start: Map<number, number>;
      if (restoredPosition !== undefined) {
        const saved = restoredPosition.get(topic) ?? new Map<number, number>();
        // Owned partitions the checkpoint does not know were discovered after it: earliest.
        start = new Map(owned.map((p) => [p, saved.get(p) ?? ranges.get(p)?.low ?? 0]));
      } else {
        start = await startupOffsets(admin, this.source, topic, owned, ranges);
      }
      for (const p of owned) {
        const offset = start.get(p);
        const stop = this.bounded ? (ranges.get(p)?.high ?? 0) : undefined;
        this.states.set(key(topic, p), {
          topic,
          partition: p,
          next: offset,
          fetched: offset,
          stop,
          highWatermark: ranges.get(p)?.high,
          rate: new RateMeter(),
        });
      }
    }
    // A bounded reader that has nothing left to read needs no consumer at all.
    if (this.bounded && this.allReachedStop()) return;
    await this.startConsumer();
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `sluice-private-${this.clientId}-${this.assignment.index}-${randomUUID()}`,
      partitionAssigners: [ownedPartitionAssigner(this.assignment.index, this.assignment.parallelism)],
      // Discovery: kafkajs rejoins when refreshed metadata shows new partitions. Bounded reads
      // do not discover (as in Flink).
      metadataMaxAge: this.bounded ? 24 * 3600_000 : Math.max(1000, this.discoveryMs),
      allowAutoTopicCreation: false,
      maxBytes: this.maxBytes,
      maxBytesPerPartition: this.maxBytesPerPartition,
      maxWaitTimeInMs: 500,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
      // After a broker or network outage the consumer rejoins as a new member, and the group
      // waits out the old member's session before assigning: keep that wait short. The
      // private group has no other member whose flapping this could cause.
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
      // Batches made only of control records or aborted messages never reach eachBatch, yet
      // fetching moves past them: move our positions too, or a bounded read would never end.
      const { topic, partition, batchSize, lastOffset, highWatermark } = event.payload;
      const st = this.states.get(key(topic, partition));
      if (st === undefined) return;
      st.highWatermark = Number(highWatermark);
      if (batchSize === 0) this.push(st, [], null, 0, Math.min(Number(lastOffset) + 1, st.stop ?? Number.MAX_SAFE_INTEGER));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        this.fatal = new KafkaSourceError(`Kafka consumer for ${this.topics.join(', ')} stopped: ${event.payload.error.message}`, {}, { cause: event.payload.error });
        this.wake?.();
        this.joined?.();
        this.resumeFetching?.();
      } else {
        this.warn(`Kafka consumer restarts after: ${event.payload.error.message}`);
      }
    });
    const firstJoin = new Promise<void>((resolve) => {
      this.joined = resolve;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), JOIN_DEADLINE_MS);
    });
    const outcome = await Promise.race([firstJoin, deadline]);
    clearTimeout(timer);
    if (this.fatal !== undefined) throw this.fatal;
    if (outcome === 'timeout') {
      throw new KafkaSourceError(
        `Kafka consumer for ${this.topics.join(', ')} did not get its partitions within ${JOIN_DEADLINE_MS / 1000}s (brokers ${this.describeBrokers()})`,
        {},
        { retriable: true },
      );
    }
  }

  private onClientLog(entry: LogEntry): void {
    if (entry.level > logLevel.ERROR) return;
    const { message, error } = entry.log as { message: string; error?: unknown };
    // Error responses are logged by kafkajs before it retries them (a coordinator still
    // loading, a leader moving); one that matters comes back as a thrown error instead.
    if (entry.namespace === 'Connection' && message.startsWith('Response ')) return;
    this.warn(`kafkajs ${entry.namespace}: ${message}${error === undefined ? '' : `: ${String(error)}`}`);
  }

  private onGroupJoin(assigned: Record<string, number[]>): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    for (const [topic, partitions] of Object.entries(assigned)) {
      for (const partition of partitions) {
        let st = this.states.get(key(topic, partition));
        if (st === undefined && this.bounded) {
          // Created after open: a bounded read covers only the partitions it started with
          // (Flink does not discover partitions in bounded mode). onBatch ignores it too.
          consumer.pause([{ topic, partitions: [partition] }]);
        } else if (st === undefined) {
          // Discovered while running: starts at earliest (no seek, no committed offset).
          st = { topic, partition, next: undefined, fetched: undefined, stop: undefined, highWatermark: undefined, rate: new RateMeter() };
          this.states.set(key(topic, partition), st);
        } else if (st.fetched !== undefined) {
          consumer.seek({ topic, partition, offset: String(st.fetched) });
        }
      }
    }
    // A restarted kafkajs consumer forgets pauses.
    this.pauseFinishedPartitions();
    this.joined?.();
    this.joined = undefined;
  }

  private async onBatch({ batch, heartbeat, isRunning }: EachBatchPayload): Promise<void> {
    const st = this.states.get(key(batch.topic, batch.partition));
    if (st === undefined) return;
    st.highWatermark = Number(batch.highWatermark);
    const from = st.fetched ?? -1;
    const stop = st.stop ?? Number.MAX_SAFE_INTEGER;
    const messages = batch.messages;
    const n = messages.length;
    const first = n === 0 ? 0 : Number((messages[0] as KafkaMessage).offset);
    let values: string[];
    let offsets: number[] | null = null;
    let start = first;
    if (n > 0 && Number((messages[n - 1] as KafkaMessage).offset) - first === n - 1 && !hasNull(messages)) {
      // Consecutive offsets (no compaction gaps, control records or aborted transactions
      // between them) and no tombstones: record i is at first + i, so no offset is parsed
      // per record.
      const lo = Math.min(n, Math.max(0, from - first));
      const hi = Math.max(lo, Math.min(n, stop - first));
      values = decodeValues(messages, lo, hi);
      start = first + lo;
    } else {
      values = [];
      offsets = [];
      for (const m of messages) {
        const offset = Number(m.offset);
        if (offset < from) continue; // redelivered after a rejoin: already buffered
        if (offset >= stop) break;
        if (m.value === null) {
          this.tombstones++;
          continue;
        }
        values.push(m.value.toString('utf8'));
        offsets.push(offset);
      }
    }
    const end = Math.min(Number(batch.lastOffset()) + 1, stop);
    this.push(st, values, offsets, start, end);
    if (this.paused) await this.holdFetching(heartbeat, isRunning);
  }

  /**
   * Backpressure: keep kafkajs's fetch loop inside eachBatch until poll has drained the buffer
   * to half. (kafkajs's pause() would do too, but a consumer whose partitions are all paused
   * sleeps `maxWaitTimeInMs` per round before it looks again, so every resume would cost up to
   * half a second of idle pipeline.) The private group still gets its heartbeats meanwhile; a
   * rebalance they report is thrown to kafkajs, which rejoins, and onGroupJoin seeks to
   * `fetched` as always.
   */
  private async holdFetching(heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<void> {
    while (this.paused && !this.closed && this.fatal === undefined && isRunning()) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          if (this.resumeFetching === done) this.resumeFetching = undefined;
          resolve();
        };
        const timer = setTimeout(done, HOLD_CHECK_MS);
        this.resumeFetching = done;
      });
      if (this.paused && !this.closed && isRunning()) await heartbeat();
    }
  }

  private push(st: PartitionState, values: string[], offsets: number[] | null, first: number, end: number): void {
    if (st.fetched !== undefined && end <= st.fetched) return;
    let chars = 0;
    for (let i = 0; i < values.length; i++) chars += (values[i] as string).length;
    this.chunks.push({ state: st, values, offsets, first, head: 0, end, chars });
    st.fetched = end;
    this.bufferedRecords += values.length;
    this.bufferedChars += chars;
    if (!this.paused && (this.bufferedRecords >= this.maxRecords || this.bufferedChars >= this.maxChars)) this.paused = true;
    if (st.stop !== undefined && end >= st.stop) this.pauseFinishedPartitions();
    this.wake?.();
  }

  private pauseFinishedPartitions(): void {
    if (!this.bounded || this.consumer === undefined) return;
    for (const topic of this.topics) {
      const done = [...this.states.values()].filter((s) => s.topic === topic && s.fetched !== undefined && s.stop !== undefined && s.fetched >= s.stop);
      if (done.length > 0) this.consumer.pause([{ topic, partitions: done.map((s) => s.partition) }]);
    }
  }

  private allReachedStop(): boolean {
    for (const s of this.states.values()) if (s.stop === undefined || (s.next ?? -1) < s.stop) return false;
    return true;
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  async poll(maxRecords: number, maxWaitMs: number): Promise<RawBatch | null> {
    if (this.fatal !== undefined) throw this.fatal;
    if (this.bounded && this.chunkHead >= this.chunks.length && this.allReachedStop()) return null;
    if (this.chunkHead >= this.chunks.length && maxWaitMs > 0) await this.waitForData(maxWaitMs);
    if (this.fatal !== undefined) throw this.fatal;
    const batch = new KafkaRawBatch();
    const values = batch.values;
    const now = this.now();
    while (values.length < maxRecords && this.chunkHead < this.chunks.length) {
      const c = this.chunks[this.chunkHead] as Chunk;
      const take = Math.min(maxRecords - values.length, c.values.length - c.head);
      if (take > 0) {
        batch.addSegment(c, c.head);
        const cv = c.values;
        for (let i = c.head, e = c.head + take; i < e; i++) values.push(cv[i] as string);
        c.head += take;
        c.state.next = offsetAt(c, c.head - 1) + 1;
        c.state.rate.record(take, now);
        this.bufferedRecords -= take;
      }
      if (c.head >= c.values.length) {
        c.state.next = c.end;
        this.bufferedChars -= c.chars;
        this.chunks[this.chunkHead] = undefined as unknown as Chunk; // let the strings go
        this.chunkHead++;
      }
    }
    if (this.chunkHead > 1024 && this.chunkHead * 2 > this.chunks.length) {
      this.chunks.splice(0, this.chunkHead);
      this.chunkHead = 0;
    }
    if (this.paused && this.bufferedRecords < this.maxRecords / 2 && this.bufferedChars < this.maxChars / 2) {
      this.paused = false;
      this.resumeFetching?.();
    }
    if (batch.values.length === 0 && this.bounded && this.chunkHead >= this.chunks.length && this.allReachedStop()) return null;
    return batch;
  }

  position(): KafkaPosition {
    // Positions of partitions this runner does not own are carried along unchanged: after a
    // parallelism change their new owner may merge them from this runner's records.
    const out: KafkaPosition = {};
    for (const [topic, parts] of Object.entries(this.carried)) out[topic] = { ...parts };
    for (const s of this.states.values()) {
      if (s.next === undefined) continue; // nothing read yet from a new partition: restore starts it at earliest too
      (out[s.topic] ??= {})[String(s.partition)] = s.next;
    }
    return out;
  }

  async notifyCheckpointComplete(id: number, position: unknown): Promise<void> {
    const groupId = this.source.groupId;
    if (groupId === undefined || groupId === '' || this.admin === undefined) return;
    const parsed = parsePosition(position);
    for (const [topic, all] of parsed) {
      // only the partitions this runner reads: carried positions belong to other runners
      const partitions = new Map([...all].filter(([p]) => this.states.has(key(topic, p))));
      if (partitions.size === 0) continue;
      try {
        this.committer ??= new GroupOffsetCommitter(this.kafka, this.admin);
        await this.committer.commit(groupId, topic, partitions);
      } catch (e) {
        // Offsets in the group are for lag tools only; the checkpoint is the truth.
        this.commitFailures++;
        this.warn(`checkpoint ${id}: could not commit offsets of topic ${topic} to group ${groupId} (monitoring only): ${(e as Error).message}`);
      }
    }
  }

  metrics(): SourceMetrics {
    const now = this.now();
    let lag = 0;
    let lagKnown = false;
    const splits: NonNullable<SourceMetrics['splits']> = [];
    for (const s of [...this.states.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))) {
      const end = s.stop !== undefined ? Math.min(s.stop, s.highWatermark ?? s.stop) : s.highWatermark;
      const partLag = end !== undefined && s.next !== undefined ? Math.max(0, end - s.next) : undefined;
      if (partLag !== undefined) {
        lag += partLag;
        lagKnown = true;
      }
      splits.push({
        id: `${s.topic}-${s.partition}`,
        position: s.next === undefined ? 'earliest' : String(s.next),
        ...(partLag === undefined ? {} : { lag: partLag }),
        recordsPerSecond: s.rate.perSecond(now),
      });
    }
    return lagKnown ? { lag, splits } : { splits };
  }

  /** What waits in the buffer now, and whether fetching is paused for it (backpressure). */
  buffered(): { records: number; chars: number; paused: boolean } {
    return { records: this.bufferedRecords, chars: this.bufferedChars, paused: this.paused };
  }

  private describeBrokers(): string {
    return this.source.bootstrapServers.join(',');
  }

  /** Partitions this runner reads now, as `topic-partition` (for logs and tests). */
  ownedSplits(): string[] {
    return [...this.states.values()].map((s) => `${s.topic}-${s.partition}`).sort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.resumeFetching?.(); // a held eachBatch must return, or disconnect waits for it
    await this.consumer?.disconnect().catch(() => undefined);
    await this.committer?.close().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
