import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaSourceError } from './errors.ts';
import { mergePositions, parsePosition } from './position.ts';

test('parsePosition reads {topic: {partition: offset}}', () => {
  const p = parsePosition({ myTest: { '0': 42, '2': 0 }, other: {} });
  assert.deepEqual([...(p.get('myTest') ?? [])], [[0, 42], [2, 0]]);
  assert.equal(p.get('other')?.size, 0);
});

test('parsePosition names topic and partition of a bad entry', () => {
  assert.throws(() => parsePosition({ myTest: { '1': '5' } }), (e: unknown) => {
    assert.ok(e instanceof KafkaSourceError);
    assert.equal(e.topic, 'myTest');
    assert.equal(e.partition, 1);
    assert.match(e.message, /topic myTest partition 1/);
    return true;
  });
  assert.throws(() => parsePosition([1]), KafkaSourceError);
  assert.throws(() => parsePosition({ t: { x: 1 } }), /topic t partition x/);
});

test('mergePositions: per topic-partition the highest published next-offset wins', () => {
  assert.deepEqual(
    mergePositions([{ t: { 0: 10, 1: 5 } }, { t: { 1: 7, 2: 3 }, u: { 0: 1 } }, { t: { 0: 4 } }]),
    { t: { 0: 10, 1: 7, 2: 3 }, u: { 0: 1 } },
  );
  assert.deepEqual(mergePositions([]), {});
  assert.throws(() => mergePositions([{ t: { 0: -1 } }]), /partition 0/);
});
