import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLocalTime, partitionTimeOf } from './partition-time.ts';

test('pattern filled from partition values, parsed in UTC', () => {
  assert.equal(partitionTimeOf('dt=2024-03-01/hour=07', '$dt $hour:00:00', 'yyyy-MM-dd HH:mm:ss', 'UTC'), Date.UTC(2024, 2, 1, 7));
});

test('no pattern: the first value is the timestamp', () => {
  assert.equal(partitionTimeOf('day=20240301', null, 'yyyyMMdd', 'UTC'), Date.UTC(2024, 2, 1));
});

test('time zones: fixed offsets and IANA names', () => {
  assert.equal(parseLocalTime('2024-03-01 08:00:00', 'yyyy-MM-dd HH:mm:ss', '+08:00'), Date.UTC(2024, 2, 1, 0));
  assert.equal(parseLocalTime('2024-03-01 08:00:00', 'yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai'), Date.UTC(2024, 2, 1, 0));
  assert.equal(parseLocalTime('2024-07-01 12:00:00', 'yyyy-MM-dd HH:mm:ss', 'Europe/Berlin'), Date.UTC(2024, 6, 1, 10));
});

test('errors name the mismatch and the missing column', () => {
  assert.throws(() => parseLocalTime('2024/03/01', 'yyyy-MM-dd', 'UTC'), /does not match formatter 'yyyy-MM-dd'/);
  assert.throws(() => partitionTimeOf('dt=2024-03-01', '$dt $hour:00:00', 'yyyy-MM-dd HH:mm:ss', 'UTC'), /timestampPattern: partition column 'hour'/);
});
