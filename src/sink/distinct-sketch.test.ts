import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistinctSketch } from './distinct-sketch.ts';

test('estimates distinct strings within a few percent, from a handful to a million; repeats add nothing', () => {
  for (const n of [1, 50, 1000, 10_000, 100_000, 1_000_000]) {
    const s = DistinctSketch.empty();
    for (let i = 0; i < n; i++) s.add(`dt=2026-01-01/key=${i}`);
    const once = s.estimate();
    assert.ok(Math.abs(once - n) / n < 0.07, `${once} estimated for ${n}`);
    for (let i = 0; i < Math.min(n, 10_000); i++) s.add(`dt=2026-01-01/key=${i}`);
    assert.equal(s.estimate(), once);
  }
  assert.equal(DistinctSketch.empty().estimate(), 0);
});

test('its encoding round-trips at a fixed size; anything else does not decode', () => {
  const s = DistinctSketch.empty();
  for (let i = 0; i < 5000; i++) s.add(`p=${i}`);
  const text = s.encode();
  assert.equal(text.length, 1368);
  assert.equal(DistinctSketch.decode(text)!.estimate(), s.estimate());
  assert.equal(DistinctSketch.decode(text.slice(0, 1364)), null, 'cut short');
  assert.equal(DistinctSketch.decode(Buffer.alloc(1024, 40).toString('base64')), null, 'a register no hash can reach');
});
