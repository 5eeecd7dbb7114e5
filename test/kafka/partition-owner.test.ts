/**
 * The ownership rule against Flink's own arithmetic: a tiny Java program (FlinkSplitOwner.java,
 * Flink's getSplitOwner with Java's String.hashCode) prints the owners, and the TypeScript port
 * must agree for every topic, partition and parallelism tried.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { javaStringHash, partitionOwner } from '../../src/sources/kafka/index.ts';

const program = fileURLToPath(new URL('./FlinkSplitOwner.java', import.meta.url));
const topics = ['myTest', 'words', 'a', 'ümlaut-topic', 'orders.v2', 'a-very-long-topic-name-that-overflows-int32-many-times', 'ZZZZZZZZZZZZ'];

test('partitionOwner agrees with Java for parallelisms 1-8 and 12 partitions', () => {
  const parallelisms = [1, 2, 3, 4, 5, 7, 8];
  const r = spawnSync('java', [program, parallelisms.join(','), '12', ...topics], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, topics.length * parallelisms.length);
  for (const line of lines) {
    const [n, topic, hash, ...owners] = line.split(' ');
    assert.ok(n !== undefined && topic !== undefined && hash !== undefined);
    assert.equal(owners.length, 12);
    assert.equal(javaStringHash(topic), Number(hash), `hashCode of ${topic}`);
    assert.deepEqual(
      owners.map((_, p) => partitionOwner(topic, p, Number(n))),
      owners.map(Number),
      `owners of ${topic} with parallelism ${n}`,
    );
  }
});
