/**
 * `sluice produce`: the seed's producer.py, for demos, tests and benchmarks. It sends `count`
 * records `{"uid": n}` (n uniformly random in 0..limit, both ends included, as Python's
 * `random.randint`) in batches of `batch`, sleeping `interval` seconds after each batch, so the
 * defaults (3,000,000 / 1000 / 0.1 s / 100) take about the seed's six minutes.
 *
 * `--sequence` adds `"seq": k`, unique and increasing from `--sequence-start` (default 0), so a
 * test can prove exactly-once delivery by counting distinct seqs at the sink. The producer is
 * idempotent with acks=all: a retried request never writes a record twice.
 */
import { Admin, Producer } from '@platformatic/kafka';
import { parseArgs } from './args.ts';

export interface ProduceOptions {
  /** host:port[,host:port...]. @default $KAFKA_BOOTSTRAP or 127.0.0.1:9092 */
  bootstrap: string;
  /** @default 'myTest' (the seed's topic) */
  topic: string;
  /** @default 3_000_000 */
  count: number;
  /** Records per send. @default 1000 */
  batch: number;
  /** Seconds to sleep after each batch. @default 0.1 */
  interval: number;
  /** uid is drawn from 0..limit inclusive. @default 100 */
  limit: number;
  /** Add a unique increasing `seq` field. @default false */
  sequence: boolean;
  /** First seq value. @default 0 */
  sequenceStart: number;
  /** Create the topic with this many partitions if it does not exist. @default undefined (leave topic creation to the broker) */
  partitions?: number;
}

export interface ProduceHooks {
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Stops after the batch in flight. */
  signal?: AbortSignal;
  /** Test seam: uniform in [0, 1). @default Math.random */
  random?: () => number;
  /** Minimum time between progress lines. @default 5000 */
  progressEveryMs?: number;
}

export interface ProduceSummary {
  topic: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** First and last seq written, with --sequence. */
  seq?: { first: number; last: number };
  aborted: boolean;
  /** True when this run created the topic. */
  createdTopic: boolean;
}

export const PRODUCE_DEFAULTS: ProduceOptions = {
  bootstrap: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092',
  topic: 'myTest',
  count: 3_000_000,
  batch: 1000,
  interval: 0.1,
  limit: 100,
  sequence: false,
  sequenceStart: 0,
};

export const PRODUCE_USAGE = `usage: sluice produce [options]   (the seed's producer.py)
  --bootstrap HOST:PORT[,...]  brokers (default $KAFKA_BOOTSTRAP or 127.0.0.1:9092)
  --topic NAME                 (default myTest)
  --count N                    records in total (default 3000000)
  --batch N                    records per batch (default 1000)
  --interval SECONDS           sleep after each batch (default 0.1)
  --limit N                    uid is random in 0..N inclusive (default 100)
  --sequence                   add a unique increasing "seq" field
  --sequence-start N           first seq (default 0)
  --partitions N               create the topic with N partitions if it does not exist
`;

/** The record text, byte for byte what Python's `json.dumps` writes for the same dict. */
export function recordValue(uid: number, seq?: number): string {
  return seq === undefined ? `{"uid": ${uid}}` : `{"uid": ${uid}, "seq": ${seq}}`;
}

/** Python's `random.randint(0, limit)`: an integer in [0, limit], both ends included. */
export function randomUid(limit: number, random: () => number = Math.random): number {
  return Math.min(limit, Math.floor(random() * (limit + 1)));
}

function intFlag(name: string, v: string | true | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (v === true || !/^\d+$/u.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
    throw new Error(`--${name} must be an integer ≥ ${min}, got ${v === true ? 'nothing' : JSON.stringify(v)}`);
  }
  return Number(v);
}

/** Parses `sluice produce` arguments; throws an Error naming the flag on bad input. */
export function parseProduceArgs(argv: string[], defaults: ProduceOptions = PRODUCE_DEFAULTS): ProduceOptions {
  const { positionals, flags } = parseArgs(argv, ['sequence', 'help']);
  if (positionals.length > 0) throw new Error(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const known = new Set(['bootstrap', 'topic', 'count', 'batch', 'interval', 'limit', 'sequence', 'sequence-start', 'partitions', 'help']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  const opts: ProduceOptions = { ...defaults };
  const text = (name: string): string | undefined => {
    const v = flags.get(name);
    if (v === undefined) return undefined;
    if (v === true || v.trim() === '') throw new Error(`--${name} needs a value`);
    return v;
  };
  opts.bootstrap = text('bootstrap') ?? opts.bootstrap;
  opts.topic = text('topic') ?? opts.topic;
  opts.count = intFlag('count', flags.get('count'), 0) ?? opts.count;
  opts.batch = intFlag('batch', flags.get('batch'), 1) ?? opts.batch;
  opts.limit = intFlag('limit', flags.get('limit'), 0) ?? opts.limit;
  opts.sequenceStart = intFlag('sequence-start', flags.get('sequence-start'), 0) ?? opts.sequenceStart;
  const partitions = intFlag('partitions', flags.get('partitions'), 1);
  if (partitions !== undefined) opts.partitions = partitions;
  const interval = text('interval');
  if (interval !== undefined) {
    const n = Number(interval);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--interval must be seconds ≥ 0, got ${JSON.stringify(interval)}`);
    opts.interval = n;
  }
  if (flags.get('sequence') !== undefined) opts.sequence = true;
  if (!/^[A-Za-z0-9._-]{1,249}$/u.test(opts.topic)) throw new Error(`--topic ${JSON.stringify(opts.topic)} is not a valid Kafka topic name`);
  if (brokers(opts.bootstrap).length === 0) throw new Error('--bootstrap names no broker');
  return opts;
}

function brokers(bootstrap: string): string[] {
  return bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

async function ensureTopic(admin: Admin, topic: string, partitions: number, progress: (line: string) => void): Promise<boolean> {
  const topics = await admin.listTopics();
  if (topics.includes(topic)) {
    const meta = await admin.metadata({ topics: [topic] });
    const have = meta.topics.get(topic)?.partitionsCount ?? 0;
    if (have !== partitions) progress(`topic ${topic} exists with ${have} partitions (asked for ${partitions}); left as it is`);
    return false;
  }
  await admin.createTopics({ topics: [topic], partitions, replicas: -1 });
  // Wait until every partition has a leader: a send right after creation would fail otherwise.
  for (let attempt = 0; attempt < 100; attempt++) {
    const meta = await admin.metadata({ topics: [topic], forceUpdate: true });
    const t = meta.topics.get(topic);
    if (t !== undefined && t.partitionsCount === partitions && t.partitions.every((p) => p.leader >= 0)) break;
    await sleep(100);
  }
  progress(`created topic ${topic} with ${partitions} partitions`);
  return true;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Sends the records; resolves with a summary when done or aborted. */
export async function produce(options: ProduceOptions, hooks: ProduceHooks = {}): Promise<ProduceSummary> {
  const progress = hooks.progress ?? (() => undefined);
  const random = hooks.random ?? Math.random;
  const everyMs = hooks.progressEveryMs ?? 5000;
  const client = { clientId: 'sluice-produce', bootstrapBrokers: brokers(options.bootstrap) };
  let createdTopic = false;
  if (options.partitions !== undefined) {
    const admin = new Admin(client);
    try {
      createdTopic = await ensureTopic(admin, options.topic, options.partitions, progress);
    } finally {
      await admin.close();
    }
  }
  // Idempotent with acks=all: a retried request never writes a record twice. Records without
  // a key go round-robin over the partitions.
  const producer = new Producer({ ...client, idempotent: true, acks: -1, autocreateTopics: true });
  const started = Date.now();
  let sent = 0;
  let lastProgress = started;
  let seq = options.sequenceStart;
  try {
    while (sent < options.count && hooks.signal?.aborted !== true) {
      const n = Math.min(options.batch, options.count - sent);
      const messages = new Array<{ topic: string; value: Buffer }>(n);
      for (let j = 0; j < n; j++) {
        messages[j] = { topic: options.topic, value: Buffer.from(recordValue(randomUid(options.limit, random), options.sequence ? seq++ : undefined)) };
      }
      await producer.send({ messages });
      sent += n;
      const now = Date.now();
      if (now - lastProgress >= everyMs && sent < options.count) {
        lastProgress = now;
        const rate = sent / ((now - started) / 1000);
        progress(`produced ${sent}/${options.count} (${((100 * sent) / Math.max(1, options.count)).toFixed(1)}%) to ${options.topic}, ${Math.round(rate)} records/s`);
      }
      if (sent < options.count) await sleep(options.interval * 1000, hooks.signal);
    }
  } finally {
    await producer.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const summary: ProduceSummary = {
    topic: options.topic,
    records: sent,
    seconds,
    recordsPerSecond: seconds > 0 ? sent / seconds : sent,
    aborted: sent < options.count,
    createdTopic,
  };
  if (options.sequence && sent > 0) summary.seq = { first: options.sequenceStart, last: options.sequenceStart + sent - 1 };
  return summary;
}

export function formatSummary(s: ProduceSummary): string {
  const seq = s.seq === undefined ? '' : `, seq ${s.seq.first}..${s.seq.last}`;
  return `${s.aborted ? 'stopped after' : 'produced'} ${s.records} records to ${s.topic} in ${s.seconds.toFixed(1)} s (${Math.round(s.recordsPerSecond)} records/s${seq})`;
}

/** `sluice produce ...`: exit code 0 done, 2 bad arguments, 1 Kafka error, 130 interrupted. */
export async function produceCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(PRODUCE_USAGE);
    return 0;
  }
  let options: ProduceOptions;
  try {
    options = parseProduceArgs(argv);
  } catch (e) {
    process.stderr.write(`sluice produce: ${(e as Error).message}\n${PRODUCE_USAGE}`);
    return 2;
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    process.stderr.write(
      `producing ${options.count} records to ${options.topic} at ${options.bootstrap} (batch ${options.batch}, interval ${options.interval} s, uid 0..${options.limit}${options.sequence ? ', with seq' : ''})\n`,
    );
    const summary = await produce(options, { signal: abort.signal, progress: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(`${formatSummary(summary)}\n`);
    return summary.aborted ? 130 : 0;
  } catch (e) {
    process.stderr.write(`sluice produce: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
