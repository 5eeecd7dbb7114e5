import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEAD_BAND, bounds, decideParallelism } from './autoscaler.ts';
import type { AutoscalerOptions, Decision, DecisionInput, Recommendation, ScalingMetrics } from './autoscaler.ts';

const options: AutoscalerOptions = { minParallelism: 1, maxParallelism: 8, targetCatchUpMs: 60_000, stabilizationWindowMs: 300_000, cooldownMs: 60_000 };
const T0 = Date.parse('2026-03-01T12:00:00Z');

function decide(over: Partial<DecisionInput> & { metrics?: ScalingMetrics }): Decision {
  return decideParallelism({ now: T0, current: 2, options, history: [], ...over });
}

test('target rate = input + lag / targetCatchUp, divided by one runner\'s true rate, rounded up', () => {
  // 1000/s arrive, 120000 wait: 1000 + 120000/60 = 3000/s at 700/s a runner = 4.29 → 5
  const d = decide({ metrics: { inputRate: 1000, perRunnerRate: 700, lag: 120_000 } });
  assert.equal(d.parallelism, 5);
  assert.equal(d.reason, 'ScaledUp');
  assert.match(d.message, /lag 120000.*4\.29 runners: scaling up 2 → 5/);
  assert.deepEqual(d.history, [], 'a change starts the window again');
});

test('bounds: min/max and the topic\'s partitions; min never above max', () => {
  assert.equal(decide({ metrics: { inputRate: 50_000, perRunnerRate: 100, lag: 0 } }).parallelism, 8, 'maxParallelism');
  const byPartitions = decide({ metrics: { inputRate: 50_000, perRunnerRate: 100, lag: 0, partitions: 6 } });
  assert.equal(byPartitions.parallelism, 6, 'never more runners than partitions');
  assert.deepEqual(bounds({ ...options, minParallelism: 10 }, 6), { min: 6, max: 6 });
  assert.deepEqual(bounds({ ...options, maxParallelism: undefined }, undefined), { min: 1, max: 1024 });
  // at the bound: no change, said so
  const at = decide({ current: 6, metrics: { inputRate: 50_000, perRunnerRate: 100, lag: 0, partitions: 6 } });
  assert.equal(at.parallelism, 6);
  assert.equal(at.reason, 'AtBound');
  // outside the bounds (maxParallelism lowered by a user): brought inside at once, even in cooldown
  const above = decide({ current: 8, options: { ...options, maxParallelism: 3 }, lastScaleAt: T0 - 1000 });
  assert.equal(above.parallelism, 3);
  assert.equal(above.reason, 'ScaledDown');
  const below = decide({ current: 1, options: { ...options, minParallelism: 2 } });
  assert.deepEqual([below.parallelism, below.reason], [2, 'ScaledUp']);
});

test(`dead band: within ${DEAD_BAND * 100}% of the current parallelism nothing moves`, () => {
  const within = decide({ current: 4, metrics: { inputRate: 4300, perRunnerRate: 1000, lag: 0 } }); // raw 4.3
  assert.deepEqual([within.parallelism, within.reason, within.recommended], [4, 'WithinDeadBand', 4]);
  const beyond = decide({ current: 4, metrics: { inputRate: 4500, perRunnerRate: 1000, lag: 0 } }); // raw 4.5 → 5
  assert.deepEqual([beyond.parallelism, beyond.reason], [5, 'ScaledUp']);
  const justBelow = decide({ current: 4, metrics: { inputRate: 3700, perRunnerRate: 1000, lag: 0 } }); // raw 3.7
  assert.deepEqual([justBelow.parallelism, justBelow.reason], [4, 'WithinDeadBand']);
});

test('missing data: no rate, or a lag with no processing rate, changes nothing', () => {
  const none = decide({ missing: 'runner 1 has not reported a checkpoint with its lag' });
  assert.deepEqual([none.parallelism, none.reason], [2, 'MetricsUnavailable']);
  assert.match(none.message, /runner 1/);
  const noRate = decide({ metrics: { inputRate: 0, perRunnerRate: 0, lag: 500 } });
  assert.deepEqual([noRate.parallelism, noRate.reason], [2, 'MetricsUnavailable']);
});

test('cooldown: no change for cooldown after a change, and when to look again', () => {
  const d = decide({ lastScaleAt: T0 - 20_000, metrics: { inputRate: 90_000, perRunnerRate: 100, lag: 0 } });
  assert.deepEqual([d.parallelism, d.reason, d.recheckAfterMs], [2, 'CoolingDown', 40_000]);
  const after = decide({ lastScaleAt: T0 - 60_000, metrics: { inputRate: 90_000, perRunnerRate: 100, lag: 0 } });
  assert.equal(after.reason, 'ScaledUp');
});

test('scale down only after a full window of lower recommendations, to the highest of them', () => {
  const idle: ScalingMetrics = { inputRate: 0, perRunnerRate: 1000, lag: 0 };
  let history: Recommendation[] = [];
  let d = decide({ current: 4, metrics: idle, history });
  assert.deepEqual([d.parallelism, d.reason, d.recommended], [4, 'Stabilizing', 1]);
  assert.equal(d.recheckAfterMs, 300_000);
  history = d.history;
  d = decide({ now: T0 + 100_000, current: 4, metrics: { inputRate: 2500, perRunnerRate: 1000, lag: 0 }, history }); // recommends 3
  assert.equal(d.reason, 'Stabilizing');
  history = d.history;
  d = decide({ now: T0 + 299_000, current: 4, metrics: idle, history });
  assert.equal(d.parallelism, 4, 'the window is not yet covered');
  history = d.history;
  d = decide({ now: T0 + 300_000, current: 4, metrics: idle, history });
  assert.deepEqual([d.parallelism, d.reason], [3, 'ScaledDown'], 'the highest recommendation in the window (3), not the last (1)');
  assert.match(d.message, /scaling down 4 → 3/);
});

test('never flaps: an input that swings every evaluation changes the parallelism at most once per window', () => {
  let current = 4;
  let history: Recommendation[] = [];
  let lastScaleAt: number | undefined;
  const changes: Array<[number, number]> = [];
  for (let i = 0; i < 200; i++) {
    const now = T0 + i * 10_000;
    const metrics = { inputRate: i % 2 === 0 ? 1000 : 4000, perRunnerRate: 1000, lag: 0 }; // 1 or 4 runners
    const d = decideParallelism({ now, current, options, history, metrics, ...(lastScaleAt === undefined ? {} : { lastScaleAt }) });
    history = d.history;
    if (d.parallelism !== current) {
      changes.push([now, d.parallelism]);
      current = d.parallelism;
      lastScaleAt = now;
    }
  }
  assert.deepEqual(changes, [], 'the high recommendations hold the parallelism: no change at all');
  // and a real step down followed by noise inside the dead band: one change only
  history = [];
  current = 4;
  lastScaleAt = undefined;
  const steps: number[] = [];
  for (let i = 0; i < 100; i++) {
    const now = T0 + i * 10_000;
    const metrics = { inputRate: 2000 + (i % 2 === 0 ? 50 : -50), perRunnerRate: 1000, lag: 0 };
    const d = decideParallelism({ now, current, options, history, metrics, ...(lastScaleAt === undefined ? {} : { lastScaleAt }) });
    history = d.history;
    if (d.parallelism !== current) {
      steps.push(d.parallelism);
      current = d.parallelism;
      lastScaleAt = now;
    }
  }
  assert.deepEqual(steps, [3], '2050/s is 2.05 runners: 3, then the noise stays inside the dead band');
});

test('no input and no lag recommends minParallelism', () => {
  const d = decide({ current: 1, metrics: { inputRate: 0, perRunnerRate: 0, lag: 0 } });
  assert.deepEqual([d.parallelism, d.recommended, d.reason], [1, 1, 'Steady']);
});
