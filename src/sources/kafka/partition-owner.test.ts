import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaStringHash, ownedPartitions, partitionOwner } from './partition-owner.ts';

// Expected values printed by Java itself: `java test/kafka/FlinkSplitOwner.java 3 6 myTest ...`
// (test/kafka/partition-owner.test.ts re-runs that program on every test run).
test('javaStringHash matches Java String.hashCode, overflow included', () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('a'), 97);
  assert.equal(javaStringHash('myTest'), -1060040610);
  assert.equal(javaStringHash('words'), 113318569);
  assert.equal(javaStringHash('ümlaut-topic'), -87692633);
  assert.equal(javaStringHash('a-very-long-topic-name-that-overflows-int32-many-times'), -1060610469);
});

test('partitionOwner follows Flink getSplitOwner', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((p) => partitionOwner('myTest', p, 3)), [2, 0, 1, 2, 0, 1]);
  assert.deepEqual([0, 1, 2, 3].map((p) => partitionOwner('myTest', p, 4)), [2, 3, 0, 1]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((p) => partitionOwner('a', p, 3)), [1, 2, 0, 1, 2, 0]);
  assert.deepEqual([0, 1, 2].map((p) => partitionOwner('a-very-long-topic-name-that-overflows-int32-many-times', p, 7)), [5, 6, 0]);
  assert.equal(partitionOwner('anything', 17, 1), 0);
});

test('ownedPartitions splits every partition to exactly one runner', () => {
  const partitions = [5, 0, 3, 1, 4, 2];
  const shares = [0, 1, 2].map((i) => ownedPartitions('myTest', partitions, i, 3));
  assert.deepEqual(shares, [[1, 4], [2, 5], [0, 3]]);
  assert.throws(() => partitionOwner('t', 0, 0), /parallelism must be a positive integer/);
});
