import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaConfig, LogEntry } from 'kafkajs';
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
   * Fetching pauses once this many records wait in the buffer, and resumes below half.
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
   * 8 MiB / 1 MiB per partition peaked at 450-590 MB RSS; 512 KiB / 32 KiB at 155-180 MB, at
   * the same records/s on loopback.
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
  offsets: number[];
  /** Index of the next record to hand out. */
  head: number;
  /** Offset after the chunk (past trailing control records and skipped tombstones). */
  end: number;
  chars: number;
}

/** How long `open` waits for the private group's first assignment. */
const JOIN_DEADLINE_MS = 60_000;

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A RawBatch that keeps where each value came from, for `describe(i)` and dead-letter headers. */
export class KafkaRawBatch implements RawBatch {
  readonly values: string[] = [];
  readonly topics: string[] = [];
  readonly partitions: number[] = [];
  readonly offsets: number[] = [];

  describe(i: number): string {
    return `topic ${this.topics[i]} partition ${this.partitions[i]} offset ${this.offsets[i]}`;
  }

  /** Structured origin of record `i` (what `describe` says). */
  origin(i: number): { topic: string; partition: number; offset: number } {
    return { topic: this.topics[i] ?? '', partition: this.partitions[i] ?? -1, offset: this.offsets[i] ?? -1 };
  }
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
 * 3. Fetched batches go into a bounded buffer; past the bound the consumer is paused until
 *    `poll` drains it to half (backpressure without unbounded memory).
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
  private paused = false;
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
      if (batchSize === 0) this.push(st, [], [], Math.min(Number(lastOffset) + 1, st.stop ?? Number.MAX_SAFE_INTEGER));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        this.fatal = new KafkaSourceError(`Kafka consumer for ${this.topics.join(', ')} stopped: ${event.payload.error.message}`, {}, { cause: event.payload.error });
        this.wake?.();
        this.joined?.();
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
      eachBatch: async (payload) => this.onBatch(payload),
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
    if (this.paused) consumer.pause(this.topics.map((topic) => ({ topic })));
    this.pauseFinishedPartitions();
    this.joined?.();
    this.joined = undefined;
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    const st = this.states.get(key(batch.topic, batch.partition));
    if (st === undefined) return;
    st.highWatermark = Number(batch.highWatermark);
    const values: string[] = [];
    const offsets: number[] = [];
    const from = st.fetched ?? -1;
    const stop = st.stop ?? Number.MAX_SAFE_INTEGER;
    for (const m of batch.messages) {
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
    const end = Math.min(Number(batch.lastOffset()) + 1, stop);
    this.push(st, values, offsets, end);
  }

  private push(st: PartitionState, values: string[], offsets: number[], end: number): void {
    if (st.fetched !== undefined && end <= st.fetched) return;
    let chars = 0;
    for (const v of values) chars += v.length;
    this.chunks.push({ state: st, values, offsets, head: 0, end, chars });
    st.fetched = end;
    this.bufferedRecords += values.length;
    this.bufferedChars += chars;
    if (!this.paused && (this.bufferedRecords >= this.maxRecords || this.bufferedChars >= this.maxChars)) {
      this.paused = true;
      this.consumer?.pause(this.topics.map((topic) => ({ topic })));
    }
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
    const now = this.now();
    while (batch.values.length < maxRecords && this.chunkHead < this.chunks.length) {
      const c = this.chunks[this.chunkHead] as Chunk;
      const take = Math.min(maxRecords - batch.values.length, c.values.length - c.head);
      for (let i = c.head; i < c.head + take; i++) {
        batch.values.push(c.values[i] as string);
        batch.topics.push(c.state.topic);
        batch.partitions.push(c.state.partition);
        batch.offsets.push(c.offsets[i] as number);
      }
      if (take > 0) {
        c.head += take;
        c.state.next = (c.offsets[c.head - 1] as number) + 1;
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
      this.consumer?.resume(this.topics.map((topic) => ({ topic })));
      this.pauseFinishedPartitions();
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
    await this.consumer?.disconnect().catch(() => undefined);
    await this.committer?.close().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
