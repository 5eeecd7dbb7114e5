import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldRollOnCheckpoint, shouldRollOnEvent, shouldRollOnProcessingTime } from './rolling-policy.ts';

const p = { fileSize: 100, rolloverIntervalMs: 1000, inactivityIntervalMs: 300 };

test('rolls on size only when strictly greater than fileSize', () => {
  assert.equal(shouldRollOnEvent({ size: 100, createdAt: 0, lastWriteAt: 0 }, p), false);
  assert.equal(shouldRollOnEvent({ size: 101, createdAt: 0, lastWriteAt: 0 }, p), true);
});

test('rolls on rollover interval (>=) and inactivity (>=)', () => {
  assert.equal(shouldRollOnProcessingTime({ size: 1, createdAt: 0, lastWriteAt: 900 }, 999, p), false);
  assert.equal(shouldRollOnProcessingTime({ size: 1, createdAt: 0, lastWriteAt: 900 }, 1000, p), true);
  assert.equal(shouldRollOnProcessingTime({ size: 1, createdAt: 500, lastWriteAt: 600 }, 899, p), false);
  assert.equal(shouldRollOnProcessingTime({ size: 1, createdAt: 500, lastWriteAt: 600 }, 900, p), true);
});

test('always rolls on checkpoint', () => {
  assert.equal(shouldRollOnCheckpoint({ size: 0, createdAt: 0, lastWriteAt: 0 }), true);
});
