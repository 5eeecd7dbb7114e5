import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateMeter } from './rate-meter.ts';

test('rate is the average over completed seconds; old traffic falls out', () => {
  const m = new RateMeter(5); // 4 completed seconds count
  for (let s = 0; s < 4; s++) m.record(100, s * 1000 + 10);
  m.record(999, 4000); // current second: not counted yet
  assert.equal(m.perSecond(4500), 100);
  assert.equal(m.perSecond(6500), (100 * 2 + 999) / 4);
  assert.equal(m.perSecond(60_000), 0);
});
