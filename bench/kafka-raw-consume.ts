/**
 * One raw consume-and-discard run, in a process of its own so its CPU time and peak RSS are
 * the client's alone (`npm run bench`, kafka section):
 *
 *   node bench/kafka-raw-consume.ts platformatic|kafkajs|reader <bootstrap> <topic> <records> [kafkajs module path]
 *
 * - platformatic: @platformatic/kafka's group consumer stream from earliest, `data` events
 *   discarded (values stay Buffers);
 * - kafkajs: kafkajs 2.2.4 (installed by the bench into `.cache/bench-alt/`, not a Sluice
 *   dependency), `eachBatch`, discarded;
 * - reader: Sluice's KafkaSplitReader alone, `poll` and discard (values decoded to strings, as
 *   the pipeline gets them).
 *
 * Prints one JSON line: records, seconds (first record → last), secondsWithSetup (connect →
 * last), cpuSeconds (user + system of the whole process, setup included), maxRssMb.
 */
import { pathToFileURL } from 'node:url';
import { Consumer } from '@platformatic/kafka';
import { KafkaSplitReader } from '../src/sources/kafka/index.ts';

const [client, bootstrap, topic, countText, kafkajsPath] = process.argv.slice(2);
const records = Number(countText);
if (bootstrap === undefined || topic === undefined || !(records > 0)) throw new Error('usage: kafka-raw-consume.ts platformatic|kafkajs|reader <bootstrap> <topic> <records> [kafkajs path]');
const DEADLINE_MS = 600_000;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let first = 0;
let seen = 0;
let last = 0;

function deadline(): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${client}: consumed only ${seen} of ${records} records within ${DEADLINE_MS} ms`)), DEADLINE_MS).unref());
}

if (client === 'platformatic') {
  const consumer = new Consumer({ clientId: 'raw-consume-platformatic', groupId: `raw-consume-${Date.now()}`, bootstrapBrokers: [bootstrap] });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 3000 });
  await Promise.race([
    deadline(),
    new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('data', () => {
        if (first === 0) first = performance.now();
        if (++seen === records) {
          last = performance.now();
          resolve();
        }
      });
    }),
  ]);
  await stream.close().catch(() => undefined);
  await consumer.close(true).catch(() => undefined);
} else if (client === 'kafkajs') {
  if (kafkajsPath === undefined) throw new Error('kafkajs: pass the path of its installed package');
  type KafkajsModule = {
    Kafka: new (o: Record<string, unknown>) => {
      consumer(o: Record<string, unknown>): {
        connect(): Promise<void>;
        subscribe(o: Record<string, unknown>): Promise<void>;
        run(o: { eachBatch: (p: { batch: { messages: unknown[] } }) => Promise<void> }): Promise<void>;
        disconnect(): Promise<void>;
      };
    };
    logLevel: { NOTHING: number };
  };
  const mod = (await import(pathToFileURL(kafkajsPath).href)) as { default?: KafkajsModule } & KafkajsModule;
  const { Kafka, logLevel } = mod.default ?? mod;
  process.removeAllListeners('warning'); // kafkajs 2.2.4's TimeoutNegativeWarning on Node 24 (kafkajs#1751)
  const consumer = new Kafka({ clientId: 'raw-consume-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: `raw-consume-kafkajs-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await Promise.race([
    deadline(),
    new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          if (first === 0) first = performance.now();
          seen += batch.messages.length;
          if (seen >= records && last === 0) {
            last = performance.now();
            resolve();
          }
        },
      });
    }),
  ]);
  await consumer.disconnect();
} else if (client === 'reader') {
  const reader = new KafkaSplitReader({ source: { bootstrapServers: [bootstrap], topic, startupMode: 'earliest-offset' }, assignment: { index: 0, parallelism: 1 }, onWarning: () => undefined });
  await reader.open(undefined);
  const end = Date.now() + DEADLINE_MS;
  while (seen < records) {
    if (Date.now() > end) throw new Error(`reader: consumed only ${seen} of ${records} records within ${DEADLINE_MS} ms`);
    const batch = await reader.poll(8192, 200);
    if (batch === null) break;
    if (first === 0 && batch.values.length > 0) first = performance.now();
    seen += batch.values.length;
  }
  last = performance.now();
  await reader.close();
} else {
  throw new Error(`unknown client ${client}`);
}

const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({
  records: seen,
  seconds: (last - first) / 1000,
  secondsWithSetup: (last - t0) / 1000,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
})}\n`);
process.exit(0);
