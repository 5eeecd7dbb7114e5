/**
 * The Kafka source against a real broker: ownership, every startup mode, restore with no loss
 * and no duplicates, partition discovery, bounded mode, offset commits for lag tools, and
 * backpressure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '@platformatic/kafka';
import type { CompressionAlgorithmValue } from '@platformatic/kafka';
import { DEAD_LETTER_HEADERS, KafkaDeadLetterWriter, KafkaSourceError, KafkaSplitReader, partitionOwner } from '../../src/sources/kafka/index.ts';
import type { KafkaPosition } from '../../src/sources/kafka/index.ts';
import { GroupOffsetCommitter } from '../../src/sources/kafka/group-offset-committer.ts';
import { addPartitions, committedOffsets, consumeIndependently, createTopic, drain, labelled, pollFor, produce, sorted, source, testClient, uniqueTopic, useBroker } from './helpers.ts';

const broker = useBroker();

function reader(src: ReturnType<typeof source>, index = 0, parallelism = 1, extra: Partial<ConstructorParameters<typeof KafkaSplitReader>[0]> = {}): KafkaSplitReader {
  return new KafkaSplitReader({ source: src, assignment: { index, parallelism }, clientId: 'test', onWarning: () => undefined, ...extra });
}

async function withReader<T>(r: KafkaSplitReader, restored: unknown, fn: (r: KafkaSplitReader) => Promise<T>): Promise<T> {
  await r.open(restored);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

test('each runner reads exactly the partitions Flink gives it; together they read everything once', async () => {
  const topic = uniqueTopic('owner');
  await createTopic(broker, topic, 6);
  const sent = labelled(600, 6);
  await produce(broker, topic, sent);
  const all: string[] = [];
  for (let index = 0; index < 3; index++) {
    await withReader(reader(source(broker, topic), index, 3), undefined, async (r) => {
      const expectedParts = [0, 1, 2, 3, 4, 5].filter((p) => partitionOwner(topic, p, 3) === index);
      assert.deepEqual(r.ownedSplits(), expectedParts.map((p) => `${topic}-${p}`).sort());
      const got = await drain(r, 200);
      for (const w of got.where) {
        const p = Number(/partition (\d+) /u.exec(w)?.[1]);
        assert.ok(expectedParts.includes(p), `runner ${index} read ${w}`);
      }
      assert.deepEqual(await pollFor(r, 300), []);
      all.push(...got.values);
    });
  }
  assert.deepEqual(sorted(all), sorted(sent.map((m) => m.value ?? '')));
});

test('startupMode earliest-offset and latest-offset', async () => {
  const topic = uniqueTopic('modes');
  await createTopic(broker, topic, 2);
  await produce(broker, topic, labelled(10, 2, 'old'));
  await withReader(reader(source(broker, topic, { startupMode: 'earliest-offset' })), undefined, async (r) => {
    assert.equal((await drain(r, 10)).values.length, 10);
  });
  await withReader(reader(source(broker, topic, { startupMode: 'latest-offset' })), undefined, async (r) => {
    assert.deepEqual(r.position(), { [topic]: { '0': 5, '1': 5 } });
    await produce(broker, topic, labelled(4, 2, 'new'));
    assert.deepEqual(sorted((await drain(r, 4)).values), ['new0', 'new1', 'new2', 'new3']);
    assert.deepEqual(await pollFor(r, 300), []);
  });
});

test('startupMode group-offsets: committed offsets, reset strategy, and the Flink error without one', async () => {
  const topic = uniqueTopic('group');
  await createTopic(broker, topic, 2);
  await produce(broker, topic, labelled(20, 2));
  const groupId = `${topic}-g`;
  await new GroupOffsetCommitter(broker.admin).commit(groupId, topic, new Map([[0, 7]]));
  // Partition 1 has no committed offset and no reset: fail, naming topic and partition.
  await assert.rejects(reader(source(broker, topic, { startupMode: 'group-offsets', groupId })).open(undefined), (e: unknown) => {
    assert.ok(e instanceof KafkaSourceError);
    assert.equal(e.partition, 1);
    assert.match(e.message, new RegExp(`^topic ${topic} partition 1: group ${groupId} has no committed offset and spec.source.kafka.autoOffsetReset is not set`));
    return true;
  });
  await withReader(reader(source(broker, topic, { startupMode: 'group-offsets', groupId, autoOffsetReset: 'latest' })), undefined, async (r) => {
    assert.deepEqual(r.position(), { [topic]: { '0': 7, '1': 10 } });
    const got = await drain(r, 3);
    assert.deepEqual(got.values, ['m14', 'm16', 'm18']);
    assert.deepEqual(got.where, [`topic ${topic} partition 0 offset 7`, `topic ${topic} partition 0 offset 8`, `topic ${topic} partition 0 offset 9`]);
  });
  await withReader(reader(source(broker, topic, { startupMode: 'group-offsets', groupId, autoOffsetReset: 'earliest' })), undefined, async (r) => {
    assert.equal((await drain(r, 13)).values.length, 13);
    assert.deepEqual(await pollFor(r, 300), []);
  });
});

test('startupMode timestamp reads from the first record at or after the time', async () => {
  const topic = uniqueTopic('ts');
  await createTopic(broker, topic, 2);
  const base = Date.now() - 3_600_000;
  await produce(broker, topic, [
    { partition: 0, value: 'a-early', timestamp: base },
    { partition: 1, value: 'b-early', timestamp: base + 10 },
    { partition: 0, value: 'a-late', timestamp: base + 1000 },
    { partition: 1, value: 'b-late', timestamp: base + 1500 },
  ]);
  await withReader(reader(source(broker, topic, { startupMode: 'timestamp', startupTimestampMillis: base + 500 })), undefined, async (r) => {
    assert.deepEqual(sorted((await drain(r, 2)).values), ['a-late', 'b-late']);
    assert.deepEqual(await pollFor(r, 300), []);
  });
  // After every record: starts at the end of each partition.
  await withReader(reader(source(broker, topic, { startupMode: 'timestamp', startupTimestampMillis: Date.now() + 60_000 })), undefined, async (r) => {
    assert.deepEqual(r.position(), { [topic]: { '0': 2, '1': 2 } });
  });
});

test('startupMode specific-offsets (Flink syntax); unlisted partitions start at earliest', async () => {
  const topic = uniqueTopic('specific');
  await createTopic(broker, topic, 3);
  await produce(broker, topic, labelled(30, 3));
  await withReader(
    reader(source(broker, topic, { startupMode: 'specific-offsets', startupSpecificOffsets: 'partition:0,offset:8;partition:2,offset:9' })),
    undefined,
    async (r) => {
      assert.deepEqual(r.position(), { [topic]: { '0': 8, '1': 0, '2': 9 } });
      const got = await drain(r, 2 + 10 + 1);
      assert.deepEqual(sorted(got.values), sorted(['m24', 'm27', ...labelled(30, 3).filter((m) => m.partition === 1).map((m) => m.value ?? ''), 'm29']));
    },
  );
});

test('restore from a position: no loss, no duplicates, startup mode ignored', async () => {
  const topic = uniqueTopic('restore');
  await createTopic(broker, topic, 3);
  const first = labelled(300, 3, 'a');
  await produce(broker, topic, first);
  const seen: string[] = [];
  let position: KafkaPosition = {};
  await withReader(reader(source(broker, topic)), undefined, async (r) => {
    const got = await drain(r, 120);
    seen.push(...got.values);
    position = r.position();
  });
  const total = Object.values(position[topic] ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(total, seen.length, 'position counts exactly the records handed out');
  const second = labelled(90, 3, 'b');
  await produce(broker, topic, second);
  // latest-offset would skip everything: a restore must ignore the startup mode.
  await withReader(reader(source(broker, topic, { startupMode: 'latest-offset' })), position, async (r) => {
    seen.push(...(await drain(r, 300 + 90 - seen.length)).values);
    assert.deepEqual(await pollFor(r, 300), []);
    assert.deepEqual(r.position(), { [topic]: { '0': 130, '1': 130, '2': 130 } });
  });
  assert.deepEqual(sorted(seen), sorted([...first, ...second].map((m) => m.value ?? '')));
});

test('a partition added while running is discovered and read from earliest', async () => {
  const topic = uniqueTopic('discover');
  await createTopic(broker, topic, 1);
  await produce(broker, topic, labelled(5, 1, 'p0-'));
  await withReader(reader(source(broker, topic, { partitionDiscoveryInterval: '1s' })), undefined, async (r) => {
    assert.equal((await drain(r, 5)).values.length, 5);
    await addPartitions(broker, topic, 2);
    // Written before the reader has noticed the partition: earliest must still include it.
    await produce(broker, topic, [{ partition: 1, value: 'p1-first' }, { partition: 1, value: 'p1-second' }]);
    const got = await drain(r, 2, 40_000);
    assert.deepEqual(got.values, ['p1-first', 'p1-second']);
    assert.deepEqual(got.where, [`topic ${topic} partition 1 offset 0`, `topic ${topic} partition 1 offset 1`]);
    assert.deepEqual(r.ownedSplits(), [`${topic}-0`, `${topic}-1`]);
  });
});

test('bounded latest-offset ends at the offsets that were latest at start', async () => {
  const topic = uniqueTopic('bounded');
  await createTopic(broker, topic, 3);
  await produce(broker, topic, labelled(60, 3));
  await withReader(reader(source(broker, topic, { boundedMode: 'latest-offset' })), undefined, async (r) => {
    await produce(broker, topic, labelled(9, 3, 'after'));
    const got = await drain(r, undefined);
    assert.equal(got.ended, true);
    assert.deepEqual(sorted(got.values), sorted(labelled(60, 3).map((m) => m.value ?? '')));
    assert.equal(await r.poll(100, 10), null, 'stays ended');
    assert.deepEqual(r.position(), { [topic]: { '0': 20, '1': 20, '2': 20 } });
  });
  // Nothing to read at all: ends at once.
  const empty = uniqueTopic('bounded-empty');
  await createTopic(broker, empty, 2);
  await withReader(reader(source(broker, empty, { boundedMode: 'latest-offset' })), undefined, async (r) => {
    assert.equal(await r.poll(100, 1000), null);
  });
});

test('values arrive as UTF-8 text with their offsets: short and long, ASCII or not, compressed; tombstones are skipped and counted', async () => {
  const topic = uniqueTopic('values');
  await createTopic(broker, topic, 4);
  // All sent before the reader starts, so each partition comes as one fetched batch of several
  // record batches. 0: short values (decoded a run at a time) with non-ASCII and longer ones
  // among them; 1: gzip-compressed short values (each record batch its own buffer); 2: long
  // values only; 3: tombstones between values.
  const parts: Array<{ sends: Array<Array<string | null>>; compression?: CompressionAlgorithmValue }> = [
    { sends: [['a', 'ä', '{"uid": 42}', '', ...Array.from({ length: 100 }, (_, i) => `u${i}`), '日本語', 'y'.repeat(40), '€', 'x'.repeat(12)], ['ok', 'x'.repeat(13), 'ok2']] },
    { sends: [Array.from({ length: 25 }, (_, i) => `g${i}`), ['ß', ...Array.from({ length: 24 }, (_, i) => `h${i}`)]], compression: 'gzip' },
    { sends: [Array.from({ length: 20 }, (_, i) => `${i % 2 === 0 ? 'L' : 'é'}${'long value '.repeat(12)}${i}`)] },
    { sends: [['before', null, 'ü-after'], [null]] },
  ];
  for (const [partition, { sends, compression }] of parts.entries()) {
    for (const values of sends) await produce(broker, topic, values.map((value) => ({ partition, value })), compression === undefined ? {} : { compression });
  }
  const expected = parts.map(({ sends }, partition) => sends.flat().flatMap((v, offset) => (v === null ? [] : [`${v} @topic ${topic} partition ${partition} offset ${offset}`])));
  const r = reader(source(broker, topic));
  await withReader(r, undefined, async () => {
    const got = await drain(r, expected.flat().length);
    const byPartition: string[][] = [[], [], [], []];
    got.values.forEach((v, i) => byPartition[Number(/partition (\d+) /u.exec(got.where[i] ?? '')?.[1])]?.push(`${v} @${got.where[i]}`));
    assert.deepEqual(byPartition, expected);
    assert.equal(r.tombstones, 2);
    // the trailing tombstone is behind the position too (once its batch is in)
    const end = { [topic]: Object.fromEntries(parts.map(({ sends }, p) => [String(p), sends.flat().length])) };
    const deadline = Date.now() + 10_000;
    while (JSON.stringify(r.position()) !== JSON.stringify(end)) {
      assert.ok(Date.now() < deadline, `position ${JSON.stringify(r.position())}, expected ${JSON.stringify(end)}`);
      assert.deepEqual(await pollFor(r, 50), []);
    }
  });
});

test('a value that is not UTF-8 is marked on its batch (RawBatch.invalidUtf8), named by topic, partition and offset; its neighbours are not', async () => {
  const topic = uniqueTopic('utf8');
  await createTopic(broker, topic, 1);
  const bad = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]); // {"n":"<C3 28>"}
  await produce(broker, topic, [{ partition: 0, value: '{"n":"ok"}' }, { partition: 0, value: null, raw: bad }, { partition: 0, value: '{"n":"é"}' }]);
  const r = reader(source(broker, topic));
  await withReader(r, undefined, async () => {
    const marked: string[] = [];
    let seen = 0;
    const deadline = Date.now() + 30_000;
    while (seen < 3) {
      assert.ok(Date.now() < deadline, `got ${seen} of 3 records`);
      const batch = await r.poll(500, 200);
      if (batch === null) break;
      for (const [i, info] of batch.invalidUtf8 ?? []) marked.push(`${batch.describe(i)}: ${info.bytes} at byte ${info.byteOffset}`);
      seen += batch.values.length;
    }
    assert.deepEqual(marked, [`topic ${topic} partition 0 offset 1: 0xC3 at byte 6`]);
  });
});

test('transaction markers leave gaps in the offsets: records keep their own offsets, bounded reads end past the markers', async () => {
  const topic = uniqueTopic('txn');
  await createTopic(broker, topic, 1);
  const producer = new Producer({ ...testClient(broker), transactionalId: `${topic}-tx`, idempotent: true, acks: -1 });
  try {
    for (const prefix of ['a', 'b']) {
      const tx = await producer.beginTransaction();
      await tx.send({ messages: [0, 1, 2].map((i) => ({ topic, partition: 0, value: Buffer.from(`${prefix}${i}`) })) });
      await tx.commit();
    }
  } finally {
    await producer.close();
  }
  // a0 a1 a2 @0-2, commit marker @3, b0 b1 b2 @4-6, marker @7
  const r = reader(source(broker, topic, { boundedMode: 'latest-offset' }));
  await withReader(r, undefined, async () => {
    const got = await drain(r, undefined);
    assert.equal(got.ended, true);
    assert.deepEqual(got.values, ['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    assert.deepEqual(got.where, [0, 1, 2, 4, 5, 6].map((o) => `topic ${topic} partition 0 offset ${o}`));
    assert.deepEqual(r.position(), { [topic]: { '0': 8 } });
  });
});

test('notifyCheckpointComplete commits the checkpoint offsets to groupId (for lag tools), from several runners at once', async () => {
  const topic = uniqueTopic('commit');
  await createTopic(broker, topic, 4);
  await produce(broker, topic, labelled(40, 4));
  const groupId = `${topic}-lag`;
  const readers = [reader(source(broker, topic, { groupId }), 0, 2), reader(source(broker, topic, { groupId }), 1, 2)];
  await Promise.all(readers.map((r) => r.open(undefined)));
  try {
    for (const r of readers) await drain(r, 20);
    const started = Date.now();
    await Promise.all(readers.map((r, i) => r.notifyCheckpointComplete(i + 1, r.position())));
    const took = Date.now() - started;
    assert.deepEqual(readers.map((r) => r.commitFailures), [0, 0]);
    assert.ok(took < 3000, `simple commits take milliseconds, not a group join (${took} ms)`);
    assert.deepEqual(await committedOffsets(broker, groupId, topic), [[0, 10], [1, 10], [2, 10], [3, 10]]);
    const m = readers[0]?.metrics();
    assert.equal(m?.lag, 0);
    const owned = [0, 1, 2, 3].filter((p) => partitionOwner(topic, p, 2) === 0);
    assert.deepEqual(m?.splits?.map((s) => [s.id, s.position, s.lag]), owned.map((p) => [`${topic}-${p}`, '10', 0]));
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
});

test('backpressure: fetching pauses at the buffer bound and nothing is lost', async () => {
  const topic = uniqueTopic('backpressure');
  await createTopic(broker, topic, 1);
  const sent = labelled(20_000, 1);
  await produce(broker, topic, sent);
  const r = reader(source(broker, topic), 0, 1, { maxBufferedRecords: 500, maxBytes: 64 * 1024 });
  await withReader(r, undefined, async () => {
    const deadline = Date.now() + 20_000;
    while (!r.buffered().paused) {
      assert.ok(Date.now() < deadline, 'never paused');
      await new Promise((res) => setTimeout(res, 20));
    }
    // Give in-flight fetches time to land, then check the bound held (one fetch of overshoot).
    const settle = Date.now() + 1000;
    let peak = 0;
    while (Date.now() < settle) {
      peak = Math.max(peak, r.buffered().records);
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(peak < 500 + 5000, `buffered ${peak} records with a bound of 500`);
    const metrics = r.metrics();
    assert.ok((metrics.lag ?? 0) === 20_000, `lag ${metrics.lag} before any poll`);
    const got = await drain(r, 20_000);
    assert.deepEqual(got.values, sent.map((m) => m.value));
  });
});

test('KafkaDeadLetterWriter sends raw bad records with headers naming their origin and error', async () => {
  const topic = uniqueTopic('dlq');
  await createTopic(broker, topic, 1);
  const writer = new KafkaDeadLetterWriter({ client: testClient(broker, 'dlq-test'), topic });
  try {
    await writer.write([
      { value: '{"uid": oops}', source: { topic: 'myTest', partition: 2, offset: 1234 }, error: 'field uid: not JSON' },
      { value: 'x,y', origin: 'file data/words.txt line 3', error: 'field uid: "x" is not an INT' },
    ]);
  } finally {
    await writer.close();
  }
  await withReader(reader(source(broker, topic)), undefined, async (r) => {
    assert.deepEqual((await drain(r, 2)).values, ['{"uid": oops}', 'x,y']);
  });
  const headers = (await consumeIndependently(broker, topic, 2)).map((m) => Object.fromEntries([...m.headers].map(([k, v]) => [String(k), String(v)])));
  assert.deepEqual(headers[0], {
    [DEAD_LETTER_HEADERS.error]: 'field uid: not JSON',
    [DEAD_LETTER_HEADERS.topic]: 'myTest',
    [DEAD_LETTER_HEADERS.partition]: '2',
    [DEAD_LETTER_HEADERS.offset]: '1234',
  });
  assert.deepEqual(headers[1], {
    [DEAD_LETTER_HEADERS.error]: 'field uid: "x" is not an INT',
    [DEAD_LETTER_HEADERS.origin]: 'file data/words.txt line 3',
  });
});

test('batches compressed with every codec (gzip, snappy, lz4, zstd) arrive intact from the broker', async () => {
  const topic = uniqueTopic('codecs');
  const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
  await createTopic(broker, topic, codecs.length);
  const sent: string[][] = codecs.map((c) => Array.from({ length: 300 }, (_, i) => `{"uid": ${i}, "codec": "${c}", "text": "ü${'x'.repeat(i % 40)}"}`));
  for (const [partition, compression] of codecs.entries()) {
    await produce(broker, topic, (sent[partition] ?? []).map((value) => ({ partition, value })), { compression });
  }
  await withReader(reader(source(broker, topic)), undefined, async (r) => {
    const got = await drain(r, 1200);
    const byPartition: string[][] = codecs.map(() => []);
    got.values.forEach((v, i) => byPartition[Number(/partition (\d+) /u.exec(got.where[i] ?? '')?.[1])]?.push(v));
    assert.deepEqual(byPartition, sent);
  });
});

test('read_committed: an aborted transaction is skipped, the committed ones around it are read', async () => {
  const topic = uniqueTopic('aborted');
  await createTopic(broker, topic, 1);
  const producer = new Producer({ ...testClient(broker), transactionalId: `${topic}-tx`, idempotent: true, acks: -1 });
  try {
    for (const [prefix, commit] of [['a', true], ['x', false], ['b', true]] as const) {
      const tx = await producer.beginTransaction();
      await tx.send({ messages: [0, 1].map((i) => ({ topic, partition: 0, value: Buffer.from(`${prefix}${i}`) })) });
      if (commit) await tx.commit();
      else await tx.abort();
    }
  } finally {
    await producer.close();
  }
  // a0 a1 @0-1, commit @2, x0 x1 @3-4, abort @5, b0 b1 @6-7, commit @8
  await withReader(reader(source(broker, topic, { boundedMode: 'latest-offset' })), undefined, async (r) => {
    const got = await drain(r, undefined);
    assert.equal(got.ended, true);
    assert.deepEqual(got.values, ['a0', 'a1', 'b0', 'b1']);
    assert.deepEqual(got.where, [0, 1, 6, 7].map((o) => `topic ${topic} partition 0 offset ${o}`));
    assert.deepEqual(r.position(), { [topic]: { '0': 9 } });
  });
});

test('a record larger than the fetch sizes is read (the partition\'s fetch size grows for it), and the reader goes on after it', async () => {
  const topic = uniqueTopic('big-record');
  await createTopic(broker, topic, 2);
  const big = `{"uid": 1, "blob": "${'b'.repeat(700 * 1024)}"}`;
  const msgs = [
    ...Array.from({ length: 50 }, (_, i) => ({ partition: i % 2, value: `small${i}` })),
    { partition: 1, value: big },
    ...Array.from({ length: 50 }, (_, i) => ({ partition: i % 2, value: `after${i}` })),
  ];
  for (const m of msgs) await produce(broker, topic, [m]); // one batch per record
  await withReader(reader(source(broker, topic, { boundedMode: 'latest-offset' }), 0, 1, { maxBytes: 64 * 1024, maxBytesPerPartition: 16 * 1024 }), undefined, async (r) => {
    const got = await drain(r, undefined, 60_000);
    assert.equal(got.ended, true);
    assert.deepEqual(sorted(got.values), sorted(msgs.map((m) => m.value)));
  });
});
