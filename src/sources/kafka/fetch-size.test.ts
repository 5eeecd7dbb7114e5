import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaSourceError } from './errors.ts';
import { fetchSizes, grownFetchSize } from './kafka-split-reader.ts';

test('a partition\'s fetch size doubles for an oversized batch, and at the cap fails naming the offset instead of looping', () => {
  const at = { topic: 'myTest', partition: 2, offset: 1234 };
  let size = 16 * 1024;
  const seen: number[] = [];
  for (;;) {
    try {
      size = grownFetchSize(size, 16 * 1024, 256 * 1024, at);
      seen.push(size);
    } catch (e) {
      assert.ok(e instanceof KafkaSourceError);
      assert.equal(e.message, 'topic myTest partition 2 offset 1234: the record batch there is larger than 262144 bytes, the most the source fetches at once');
      assert.equal(e.partition, 2);
      break;
    }
    assert.ok(seen.length < 10, 'grows to the cap in a few steps');
  }
  assert.deepEqual(seen, [32768, 65536, 131072, 262144]);
});

test('fetch sizes follow the memory budget, within bounds', () => {
  assert.deepEqual(fetchSizes(64 * 1024 * 1024), { maxBytes: 4 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024, maxBufferedChars: 32 * 1024 * 1024 });
  assert.deepEqual(fetchSizes(1024 * 1024), { maxBytes: 256 * 1024, maxBytesPerPartition: 64 * 1024, maxBufferedChars: 1024 * 1024 });
  assert.equal(fetchSizes(10 * 1024 * 1024 * 1024).maxBytes, 8 * 1024 * 1024);
});
