import type { InvalidUtf8 } from '../../formats/invalid-utf8.ts';
import { Admin, ConnectionPool } from '@platformatic/kafka';
import type { ClusterMetadata, Connection } from '@platformatic/kafka';
import type { KafkaSource } from '../../api/types.ts';
import { parseDuration } from '../../api/duration.ts';
import type { RawBatch, SourceMetrics, SplitAssignment, SplitReader } from '../types.ts';
import { kafkaClientConfig } from './client-config.ts';
import type { KafkaClientOptions } from './client-config.ts';
import { KafkaSourceError } from './errors.ts';
import { fetchRecords, ISOLATION_READ_COMMITTED } from './fetch-request.ts';
import type { FetchPartition, FetchedPartition } from './fetch-request.ts';
import { GroupOffsetCommitter } from './group-offset-committer.ts';
import { ownedPartitions } from './partition-owner.ts';
import { mergePositions as mergeKafkaPositions, parsePosition } from './position.ts';
import type { KafkaPosition } from './position.ts';
import { RateMeter } from './rate-meter.ts';
import { decodeRecordBatches } from './record-batches.ts';
import { partitionRanges, startupOffsets } from './startup-offsets.ts';

export interface KafkaSplitReaderOptions {
  source: KafkaSource;
  assignment: SplitAssignment;
  /** Client options; built from `source` (bootstrap, SASL/TLS secrets) when absent. */
  client?: KafkaClientOptions;
  /** Names this runner in broker logs. @default 'sluice' */
  clientId?: string;
  /**
   * Fetching stops once this many records wait in the buffer, and goes on below half.
   * The buffer can overshoot by one fetch response (`maxBytes`). @default 100_000
   */
  maxBufferedRecords?: number;
  /** Same, in UTF-16 code units of buffered values (≈ bytes for ASCII). @default 32 MiB */
  maxBufferedChars?: number;
  /**
   * Upper bound on one fetch response (the broker returns at least one whole record batch).
   * @default from `memoryBudgetBytes`, see `fetchSizes`
   */
  maxBytes?: number;
  /** Upper bound per partition in one fetch response. @default from `memoryBudgetBytes` */
  maxBytesPerPartition?: number;
  /**
   * What the source may hold in memory: fetch sizes and buffer bounds are derived from it
   * (`fetchSizes`). @default 16 MiB (SOURCE_MEMORY_BUDGET_BYTES)
   */
  memoryBudgetBytes?: number;
  /**
   * A record batch larger than the per-partition fetch size makes that partition's size grow
   * (doubling) up to this; a batch larger still fails naming its offset. @default 64 MiB
   */
  maxRecordBatchBytes?: number;
  /**
   * Told about things worth a log line that do not stop the job (an offset commit failed, a
   * broker connection dropped). Never given secrets. @default one line on stderr
   */
  onWarning?: (message: string) => void;
  /** Test seam for rates. @default Date.now */
  now?: () => number;
}

/**
 * Fetch sizes and buffer bounds from the source's memory budget. A fetch response is held
 * twice at most while it is decoded (its bytes and its values' text), and the buffer holds up
 * to `maxBufferedChars` of values plus one response of overshoot, so: a response is a 1/16 of
 * the budget (at least 256 KiB, at most 8 MiB), a partition's share a quarter of a response
 * (at least 64 KiB), and the buffer half the budget.
 */
export function fetchSizes(budget: number): { maxBytes: number; maxBytesPerPartition: number; maxBufferedChars: number } {
  const maxBytes = Math.min(8 * 1024 * 1024, Math.max(256 * 1024, Math.floor(budget / 16)));
  return { maxBytes, maxBytesPerPartition: Math.max(64 * 1024, Math.floor(maxBytes / 4)), maxBufferedChars: Math.max(1024 * 1024, Math.floor(budget / 2)) };
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
  /** End of the readable log (the last stable offset under read_committed), from the last fetch. */
  highWatermark: number | undefined;
  /** What this partition asks for per fetch; grows for a record batch larger than it. */
  maxBytes: number;
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
  /** No value has a byte below 0x20. */
  controlFree: boolean;
  /** Values that are not UTF-8, by index in `values` (DecodedRecords.invalid). */
  invalid: Map<number, InvalidUtf8> | null;
}

/** How long a fetch waits at the broker for data before it answers empty. */
const FETCH_MAX_WAIT_MS = 500;
/** After this long without one successful fetch the source fails (retriable: the runner restarts it). */
const UNREACHABLE_DEADLINE_MS = 120_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  /** Set when the source saw every value's bytes and none is below 0x20 (see RawBatch). */
  noControlChars?: boolean;
  /** Values that are not UTF-8, by index in `values` (see RawBatch). */
  invalidUtf8?: Map<number, InvalidUtf8>;
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
 * Runner `index`'s share of a Kafka source: the partitions it owns by Flink's rule, fetched by
 * offset from their leaders (no consumer group: Flink's `assign()` model), handed out in
 * batches by `poll`, positioned only by the checkpoint.
 *
 * Algorithm:
 * 1. `open`: list the topics' partitions, keep the owned ones. Positions come from the restored
 *    checkpoint (owned partitions missing from it start at earliest), else from `startupMode`.
 *    Bounded mode records each partition's latest (last stable) offset as its end.
 * 2. A fetch loop sends one Fetch per leader broker naming every owned partition that is not
 *    finished, at the offset where fetching must continue (read_committed), and decodes each
 *    partition's record batches straight from the response (`record-batches.ts`). On errors
 *    it refreshes metadata (a leader moved, the broker restarted) and goes on where it was,
 *    so a record enters the buffer once and none is skipped.
 * 3. The buffer is bounded: past it the loop sends nothing until `poll` drains it to half.
 * 4. Partition discovery (unbounded only, as Flink): every `partitionDiscoveryInterval` the
 *    topics' metadata is read again; new owned partitions start at earliest.
 * 5. `notifyCheckpointComplete` commits the checkpoint's offsets to the user's `groupId`, for lag
 *    tools only; failures are warnings.
 */
export class KafkaSplitReader implements SplitReader {
  private readonly source: KafkaSource;
  private readonly assignment: SplitAssignment;
  private readonly topics: string[];
  private readonly client: KafkaClientOptions;
  private readonly clientId: string;
  private readonly maxRecords: number;
  private readonly maxChars: number;
  private readonly maxBytes: number;
  private readonly maxBytesPerPartition: number;
  private readonly maxBatchBytes: number;
  private readonly bounded: boolean;
  private readonly discoveryMs: number;
  private readonly warn: (message: string) => void;
  private readonly now: () => number;

  private admin: Admin | undefined;
  private pool: ConnectionPool | undefined;
  private committer: GroupOffsetCommitter | undefined;
  private readonly states = new Map<string, PartitionState>();
  private readonly chunks: Chunk[] = [];
  private chunkHead = 0;
  private bufferedRecords = 0;
  private bufferedChars = 0;
  /** Fetching is held (backpressure) until poll drains the buffer to half. */
  private paused = false;
  private resumeFetching: (() => void) | undefined;
  private fatal: Error | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private loop: Promise<void> | undefined;
  private metadata: ClusterMetadata | undefined;
  private nextDiscovery = 0;
  /** Rotates which partition comes first in a Fetch: the broker returns an oversized batch only for the first. */
  private rotation = 0;
  /** Null-valued records (tombstones): skipped like Flink's JSON/CSV formats do, and counted. */
  tombstones = 0;
  /** Offset commits to the user's group that failed (monitoring only). */
  commitFailures = 0;
  /** Fetch round trips that failed and were retried (broker restarts, leader moves). */
  fetchRetries = 0;
  /** Times a partition's fetch size grew for a record batch larger than it. */
  fetchSizeGrowths = 0;

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
    this.client = options.client ?? kafkaClientConfig(this.source, this.clientId);
    const sizes = fetchSizes(options.memoryBudgetBytes ?? 16 * 1024 * 1024);
    this.maxRecords = options.maxBufferedRecords ?? 100_000;
    this.maxChars = options.maxBufferedChars ?? sizes.maxBufferedChars;
    this.maxBytes = options.maxBytes ?? sizes.maxBytes;
    this.maxBytesPerPartition = Math.min(this.maxBytes, options.maxBytesPerPartition ?? sizes.maxBytesPerPartition);
    this.maxBatchBytes = options.maxRecordBatchBytes ?? 64 * 1024 * 1024;
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
      // Leave no client behind: a failed open must not keep sockets alive.
      await this.close();
      throw e;
    }
  }

  private newState(topic: string, partition: number, next: number | undefined, stop: number | undefined, high: number | undefined): PartitionState {
    return { topic, partition, next, fetched: next, stop, highWatermark: high, maxBytes: this.maxBytesPerPartition, rate: new RateMeter() };
  }

  private async openOrThrow(restored: unknown | undefined): Promise<void> {
    const restoredPosition = restored === undefined ? undefined : parsePosition(restored);
    this.carried = {};
    const options = { retries: 2, retryDelay: 300, ...this.client, clientId: this.clientId };
    const admin = new Admin({ ...options, autocreateTopics: false });
    this.admin = admin;
    this.pool = new ConnectionPool(this.clientId, {
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
      requestTimeout: Math.max(options.timeout ?? 30_000, FETCH_MAX_WAIT_MS + 10_000),
    });
    try {
      await admin.listApis();
    } catch (e) {
      throw new KafkaSourceError(`cannot connect to Kafka at ${this.describeBrokers()}: ${errorText(e)}`, {}, { cause: e, retriable: true });
    }
    const { index, parallelism } = this.assignment;
    for (const topic of this.topics) {
      let partitions: number[];
      try {
        partitions = await this.partitionsOf(topic, false);
      } catch (e) {
        if (e instanceof KafkaSourceError) throw e;
        throw new KafkaSourceError(`topic ${topic}: cannot read its partitions: ${errorText(e)}`, { topic }, { cause: e, retriable: true });
      }
      const owned = ownedPartitions(topic, partitions, index, parallelism);
      for (const [p, offset] of restoredPosition?.get(topic) ?? []) {
        if (!owned.includes(p)) (this.carried[topic] ??= {})[String(p)] = offset;
      }
      if (owned.length === 0) continue;
      const ranges = await partitionRanges(admin, topic, owned);
      let start: Map<number, number>;
      if (restoredPosition !== undefined) {
        const saved = restoredPosition.get(topic) ?? new Map<number, number>();
        // Owned partitions the checkpoint does not know were discovered after it: earliest.
        start = new Map(owned.map((p) => [p, saved.get(p) ?? ranges.get(p)?.low ?? 0]));
      } else {
        start = await startupOffsets(admin, this.source, topic, owned, ranges);
      }
      for (const p of owned) {
        const stop = this.bounded ? (ranges.get(p)?.high ?? 0) : undefined;
        this.states.set(key(topic, p), this.newState(topic, p, start.get(p), stop, ranges.get(p)?.high));
      }
    }
    this.nextDiscovery = this.now() + this.discoveryMs;
    // A bounded reader that has nothing left to read needs no fetching at all.
    if (this.bounded && this.allReachedStop()) return;
    this.loop = this.fetchLoop().catch((e: unknown) => {
      if (this.closed) return;
      this.fatal = e instanceof KafkaSourceError ? e : new KafkaSourceError(`Kafka source for ${this.topics.join(', ')} stopped: ${errorText(e)}`, {}, { cause: e, retriable: true });
      this.wake?.();
    });
  }

  /** The partition ids of `topic`, from fresh metadata. A topic that does not exist fails (it is never created). */
  private async partitionsOf(topic: string, forceUpdate: boolean): Promise<number[]> {
    const admin = this.admin as Admin;
    let meta: ClusterMetadata;
    try {
      meta = await admin.metadata({ topics: [topic], forceUpdate, autocreateTopics: false });
    } catch (e) {
      if (/unknown topic|does not host this topic|UNKNOWN_TOPIC/iu.test(errorText(e))) {
        throw new KafkaSourceError(`topic ${topic} does not exist (spec.source.kafka.topic); Sluice never creates topics`, { topic }, { cause: e });
      }
      throw e;
    }
    const t = meta.topics.get(topic);
    if (t === undefined) throw new KafkaSourceError(`topic ${topic} does not exist (spec.source.kafka.topic); Sluice never creates topics`, { topic });
    return Array.from({ length: t.partitionsCount }, (_, i) => i);
  }

  /** Partitions to fetch now, by leader broker id. */
  private async plan(forceMetadata: boolean): Promise<Map<number, PartitionState[]>> {
    const admin = this.admin as Admin;
    this.metadata = await admin.metadata({ topics: this.topics, forceUpdate: forceMetadata, autocreateTopics: false });
    const byLeader = new Map<number, PartitionState[]>();
    const active: PartitionState[] = [];
    for (const st of this.states.values()) {
      if (st.stop !== undefined && st.fetched !== undefined && st.fetched >= st.stop) continue;
      active.push(st);
    }
    if (active.length === 0) return byLeader;
    const shift = this.rotation++ % active.length;
    for (let i = 0; i < active.length; i++) {
      const st = active[(i + shift) % active.length] as PartitionState;
      const leader = this.metadata.topics.get(st.topic)?.partitions[st.partition]?.leader ?? -1;
      if (leader < 0) throw new KafkaSourceError(`topic ${st.topic} partition ${st.partition} has no leader`, { topic: st.topic, partition: st.partition }, { retriable: true });
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, (list = []));
      list.push(st);
    }
    return byLeader;
  }

  private async connection(broker: number): Promise<Connection> {
    const b = this.metadata?.brokers.get(broker);
    if (b === undefined) throw new KafkaSourceError(`broker ${broker} is not in the cluster metadata`, {}, { retriable: true });
    return (this.pool as ConnectionPool).get({ host: b.host, port: b.port });
  }

  /** Fetch until closed; errors are retried with backoff until the source has been unreachable for too long. */
  private async fetchLoop(): Promise<void> {
    let failingSince: number | undefined;
    let delay = RETRY_MIN_MS;
    let forceMetadata = false;
    while (!this.closed) {
      if (this.paused) {
        await new Promise<void>((resolve) => {
          this.resumeFetching = () => {
            this.resumeFetching = undefined;
            resolve();
          };
        });
        continue;
      }
      try {
        if (!this.bounded && this.now() >= this.nextDiscovery) {
          await this.discover();
          this.nextDiscovery = this.now() + this.discoveryMs;
        }
        const plan = await this.plan(forceMetadata);
        forceMetadata = false;
        if (plan.size === 0) {
          if (this.bounded) return; // every partition has reached its end
          await sleep(FETCH_MAX_WAIT_MS);
          continue;
        }
        await Promise.all([...plan].map(([broker, parts]) => this.fetchFrom(broker, parts)));
        failingSince = undefined;
        delay = RETRY_MIN_MS;
      } catch (e) {
        if (this.closed) return;
        if (e instanceof KafkaSourceError && !e.retriable) throw e;
        const now = this.now();
        failingSince ??= now;
        this.fetchRetries++;
        if (now - failingSince > UNREACHABLE_DEADLINE_MS) {
          throw new KafkaSourceError(`Kafka source for ${this.topics.join(', ')}: no fetch succeeded for ${Math.round((now - failingSince) / 1000)} s (brokers ${this.describeBrokers()}): ${errorText(e)}`, {}, { cause: e, retriable: true });
        }
        if (this.fetchRetries === 1 || this.fetchRetries % 10 === 0) this.warn(`fetch failed, retrying (${this.fetchRetries} retries so far): ${errorText(e)}`);
        forceMetadata = true;
        await sleep(delay);
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
  }

  private async fetchFrom(broker: number, parts: PartitionState[]): Promise<void> {
    const connection = await this.connection(broker);
    const topics = new Map<string, FetchPartition[]>();
    let maxBytes = this.maxBytes;
    for (const st of parts) {
      let list = topics.get(st.topic);
      if (list === undefined) topics.set(st.topic, (list = []));
      if (st.fetched === undefined) st.fetched = st.next = (await partitionRanges(this.admin as Admin, st.topic, [st.partition])).get(st.partition)?.low ?? 0;
      list.push({ partition: st.partition, offset: st.fetched, maxBytes: st.maxBytes });
      maxBytes = Math.max(maxBytes, st.maxBytes);
    }
    const response = await fetchRecords(connection, { maxWaitMs: FETCH_MAX_WAIT_MS, maxBytes, isolationLevel: ISOLATION_READ_COMMITTED, topics });
    if (this.closed) return;
    if (response.errorCode !== 0) throw new KafkaSourceError(`fetch from broker ${broker} failed with error code ${response.errorCode}`, {}, { retriable: true });
    let retry: Error | undefined;
    for (const fp of response.partitions) {
      const st = this.states.get(key(fp.topic, fp.partition));
      if (st === undefined) continue;
      try {
        this.take(st, fp);
      } catch (e) {
        if (e instanceof KafkaSourceError && !e.retriable) throw e;
        retry ??= e as Error;
      }
    }
    if (retry !== undefined) throw retry;
  }

  /** One partition of a fetch response into the buffer. */
  private take(st: PartitionState, fp: FetchedPartition): void {
    const where = `topic ${st.topic} partition ${st.partition}`;
    if (fp.errorCode === OFFSET_OUT_OF_RANGE) {
      // Retention deleted what the position points at (or it is past the end after a
      // truncation): go on from the earliest offset still there, as auto.offset.reset=earliest.
      const from = st.fetched;
      st.fetched = fp.logStartOffset >= 0 && (from ?? 0) < fp.logStartOffset ? fp.logStartOffset : undefined;
      this.warn(`${where}: offset ${from} is out of range (log starts at ${fp.logStartOffset}); reading on from the earliest offset`);
      if (st.fetched === undefined) throw new KafkaSourceError(`${where}: offset ${from} is out of range`, { topic: st.topic, partition: st.partition }, { retriable: true });
      return;
    }
    if (fp.errorCode !== 0) {
      throw new KafkaSourceError(`${where}: fetch failed with Kafka error code ${fp.errorCode}`, { topic: st.topic, partition: st.partition }, { retriable: true });
    }
    st.highWatermark = fp.lastStableOffset >= 0 ? fp.lastStableOffset : fp.highWatermark;
    const from = st.fetched ?? 0;
    const records = fp.records;
    if (records === null || records.length === 0) {
      // Nothing readable past `from`, yet the log goes on: aborted or control records only
      // up to the last stable offset were filtered by the broker's limits; nothing to do.
      return;
    }
    const stop = st.stop ?? Number.MAX_SAFE_INTEGER;
    const decoded = decodeRecordBatches(records, { topic: st.topic, partition: st.partition, from, stop, aborted: fp.aborted });
    this.tombstones += decoded.tombstones;
    if (decoded.truncated) {
      // The next record batch is larger than what this partition asked for: ask for more
      // next time (the response held only its beginning), or fail naming it.
      st.maxBytes = grownFetchSize(st.maxBytes, records.length, this.maxBatchBytes, { topic: st.topic, partition: st.partition, offset: from });
      this.fetchSizeGrowths++;
      return;
    }
    if (st.maxBytes > this.maxBytesPerPartition) st.maxBytes = this.maxBytesPerPartition;
    this.push(st, decoded.values, decoded.offsets, decoded.first < 0 ? from : decoded.first, decoded.end, decoded.controlFree, decoded.invalid);
  }

  /** New partitions of the topics (unbounded reads): owned ones start at earliest. */
  private async discover(): Promise<void> {
    const { index, parallelism } = this.assignment;
    for (const topic of this.topics) {
      const owned = ownedPartitions(topic, await this.partitionsOf(topic, true), index, parallelism);
      for (const p of owned) {
        if (this.states.has(key(topic, p))) continue;
        // Discovered while running: starts at earliest (resolved at its first fetch).
        this.states.set(key(topic, p), this.newState(topic, p, undefined, undefined, undefined));
      }
    }
  }

  private push(st: PartitionState, values: string[], offsets: number[] | null, first: number, end: number, controlFree: boolean, invalid: Map<number, InvalidUtf8> | null = null): void {
    if (st.fetched !== undefined && end <= st.fetched) return;
    let chars = 0;
    for (let i = 0; i < values.length; i++) chars += (values[i] as string).length;
    if (values.length === 0 && st.next === st.fetched && this.chunkHead >= this.chunks.length) {
      // Only control records / skipped records, nothing waiting before them: move on at once.
      st.fetched = end;
      st.next = end;
      this.wake?.();
      return;
    }
    this.chunks.push({ state: st, values, offsets, first, head: 0, end, chars, controlFree, invalid });
    st.fetched = end;
    this.bufferedRecords += values.length;
    this.bufferedChars += chars;
    if (!this.paused && (this.bufferedRecords >= this.maxRecords || this.bufferedChars >= this.maxChars)) this.paused = true;
    this.wake?.();
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
    let controlFree = true;
    const now = this.now();
    while (values.length < maxRecords && this.chunkHead < this.chunks.length) {
      const c = this.chunks[this.chunkHead] as Chunk;
      const take = Math.min(maxRecords - values.length, c.values.length - c.head);
      if (take > 0) {
        if (!c.controlFree) controlFree = false;
        batch.addSegment(c, c.head);
        if (c.invalid !== null) {
          for (const [k, bad] of c.invalid) {
            if (k >= c.head && k < c.head + take) (batch.invalidUtf8 ??= new Map()).set(values.length + k - c.head, bad);
          }
        }
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
    // The bytes were checked while decoding: the JSON decoder need not scan for control characters.
    if (controlFree && values.length > 0) batch.noControlChars = true;
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
        this.committer ??= new GroupOffsetCommitter(this.admin);
        await this.committer.commit(groupId, topic, partitions);
      } catch (e) {
        // Offsets in the group are for lag tools only; the checkpoint is the truth.
        this.commitFailures++;
        this.warn(`checkpoint ${id}: could not commit offsets of topic ${topic} to group ${groupId} (monitoring only): ${errorText(e)}`);
      }
    }
  }

  metrics(): SourceMetrics {
    const now = this.now();
    let lag = 0;
    let lagMax = 0;
    let lagKnown = false;
    const splits: NonNullable<SourceMetrics['splits']> = [];
    for (const s of [...this.states.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))) {
      const end = s.stop !== undefined ? Math.min(s.stop, s.highWatermark ?? s.stop) : s.highWatermark;
      const partLag = end !== undefined && s.next !== undefined ? Math.max(0, end - s.next) : undefined;
      if (partLag !== undefined) {
        lag += partLag;
        if (partLag > lagMax) lagMax = partLag;
        lagKnown = true;
      }
      splits.push({
        id: `${s.topic}-${s.partition}`,
        topic: s.topic,
        partition: s.partition,
        position: s.next === undefined ? 'earliest' : String(s.next),
        ...(partLag === undefined ? {} : { lag: partLag }),
        recordsPerSecond: s.rate.perSecond(now),
      });
    }
    return lagKnown ? { lag, lagMax, splits } : { splits };
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
    this.resumeFetching?.();
    await this.pool?.close().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
    await this.loop;
  }
}

/**
 * The fetch size a partition asks for next after a response held only the beginning of its
 * next record batch (`got` bytes): doubled (at least twice what came), up to `cap`. At the cap
 * the batch cannot be read at all: fail naming where, rather than fetch the same bytes forever.
 */
export function grownFetchSize(current: number, got: number, cap: number, at: { topic: string; partition: number; offset: number }): number {
  if (current >= cap) {
    throw new KafkaSourceError(`topic ${at.topic} partition ${at.partition} offset ${at.offset}: the record batch there is larger than ${cap} bytes, the most the source fetches at once`, {
      topic: at.topic,
      partition: at.partition,
    });
  }
  return Math.min(cap, Math.max(current * 2, got * 2));
}

/** Kafka error code OFFSET_OUT_OF_RANGE. */
const OFFSET_OUT_OF_RANGE = 1;

/**
 * An error's message with the messages of its causes: the client wraps the reason (a refused
 * login, a closed socket) in `MultipleErrors` and "Cannot connect to any broker" layers. The
 * client's errors carry no credentials.
 */
export function errorText(e: unknown): string {
  const seen: string[] = [];
  const walk = (x: unknown, depth: number): void => {
    if (depth > 5 || seen.length > 6) return;
    if (!(x instanceof Error)) {
      if (x !== undefined && !seen.includes(String(x))) seen.push(String(x));
      return;
    }
    const m = x.message.replace(/\.$/u, '');
    if (m !== '' && !seen.includes(m)) seen.push(m);
    const inner = (x as Error & { errors?: unknown[] }).errors;
    if (Array.isArray(inner)) for (const i of inner.slice(0, 2)) walk(i, depth + 1);
    if (x.cause !== undefined) walk(x.cause, depth + 1);
  };
  walk(e, 0);
  return seen.join(': ');
}
