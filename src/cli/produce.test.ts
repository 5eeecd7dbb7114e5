import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRODUCE_DEFAULTS, formatSummary, parseProduceArgs, randomUid, recordValue } from './produce.ts';

test('defaults are the seed producer.py values', () => {
  const o = parseProduceArgs([], { ...PRODUCE_DEFAULTS, bootstrap: 'b:9092' });
  assert.deepEqual(o, { bootstrap: 'b:9092', topic: 'myTest', count: 3_000_000, batch: 1000, interval: 0.1, limit: 100, sequence: false, sequenceStart: 0 });
});

test('every flag parses', () => {
  const o = parseProduceArgs(
    ['--bootstrap', '127.0.0.1:19092,127.0.0.1:19094', '--topic=t1', '--count', '10', '--batch', '3', '--interval', '0.25', '--limit', '7', '--sequence', '--sequence-start', '100', '--partitions', '3'],
  );
  assert.deepEqual(o, { bootstrap: '127.0.0.1:19092,127.0.0.1:19094', topic: 't1', count: 10, batch: 3, interval: 0.25, limit: 7, sequence: true, sequenceStart: 100, partitions: 3 });
});

test('bad arguments name the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--count', '-1'], /^--count must be an integer ≥ 0, got "-1"$/],
    [['--batch', '0'], /^--batch must be an integer ≥ 1, got "0"$/],
    [['--count', '1.5'], /^--count must be an integer/],
    [['--interval', 'soon'], /^--interval must be seconds ≥ 0, got "soon"$/],
    [['--partitions'], /^--partitions must be an integer ≥ 1, got nothing$/],
    [['--topic', 'a b'], /^--topic "a b" is not a valid Kafka topic name$/],
    [['--frobnicate', '1'], /^unknown option --frobnicate$/],
    [['extra'], /^unexpected argument "extra"$/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseProduceArgs(argv), { message }, argv.join(' '));
});

test('record text is what Python json.dumps writes', () => {
  // python3 -c 'import json; print(json.dumps({"uid": 42}), json.dumps({"uid": 0, "seq": 7}))'
  assert.equal(recordValue(42), '{"uid": 42}');
  assert.equal(recordValue(0, 7), '{"uid": 0, "seq": 7}');
  assert.deepEqual(JSON.parse(recordValue(5, 9)), { uid: 5, seq: 9 });
});

test('uid is uniform over 0..limit inclusive, like random.randint', () => {
  assert.equal(randomUid(100, () => 0), 0);
  assert.equal(randomUid(100, () => 0.999999999), 100);
  assert.equal(randomUid(0, () => 0.7), 0);
  const seen = new Set<number>();
  for (let i = 0; i < 101; i++) seen.add(randomUid(100, () => (i + 0.5) / 101));
  assert.equal(seen.size, 101);
});

test('summary line', () => {
  assert.equal(
    formatSummary({ topic: 'myTest', records: 2000, seconds: 2, recordsPerSecond: 1000, seq: { first: 0, last: 1999 }, aborted: false, createdTopic: true }),
    'produced 2000 records to myTest in 2.0 s (1000 records/s, seq 0..1999)',
  );
  assert.match(formatSummary({ topic: 't', records: 5, seconds: 1, recordsPerSecond: 5, aborted: true, createdTopic: false }), /^stopped after 5 records/);
});
