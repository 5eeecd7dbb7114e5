import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunnerStatus } from '../api/types.ts';
import { RateObserver } from './rate-observer.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const entry = (index: number, t: number, records: number, lag: number, o: Partial<RunnerStatus> = {}): RunnerStatus =>
  ({ index, state: 'Running', epoch: 1, records, lag, splits: 3, checkpointAt: new Date(T0 + t).toISOString(), ...o });

test('rates from two reports of each runner: committed rate, input = committed + lag growth, true rate of backlogged runners', () => {
  const o = new RateObserver();
  assert.match(o.observe([entry(0, 0, 0, 5000), entry(1, 0, 0, 0)], 2).missing!, /runner 0 has reported one checkpoint/);
  const r = o.observe([entry(0, 10_000, 8000, 7000), entry(1, 10_000, 3000, 0)], 2);
  // runner 0: 800/s committed, lag +200/s, backlogged throughout → its 800/s is a true rate
  // runner 1: 300/s, no lag: waiting for input, says nothing about capacity
  assert.deepEqual(r.metrics, { inputRate: 1300, perRunnerRate: 800, lag: 7000, partitions: 6 });
});

test('without a backlog the last true rate is kept; without any, the observed rate is a lower bound', () => {
  const o = new RateObserver();
  o.observe([entry(0, 0, 0, 100)], 1);
  assert.equal(o.observe([entry(0, 5000, 5000, 50)], 1).metrics!.perRunnerRate, 1000);
  assert.equal(o.observe([entry(0, 10_000, 6000, 0)], 1).metrics!.perRunnerRate, 1000, 'backlog gone: the true rate stays known');
  const fresh = new RateObserver();
  fresh.observe([entry(0, 0, 0, 0)], 1);
  assert.equal(fresh.observe([entry(0, 5000, 1000, 0)], 1).metrics!.perRunnerRate, 200);
});

test('a restarted runner (new epoch) or a new parallelism starts its samples again; a runner without lag is missing data', () => {
  const o = new RateObserver();
  o.observe([entry(0, 0, 0, 100)], 1);
  assert.ok(o.observe([entry(0, 5000, 10, 100, { epoch: 2 })], 1).missing, 'restored counters are not a rate');
  assert.ok(o.observe([entry(0, 10_000, 20, 100, { epoch: 2 })], 1).metrics);
  assert.ok(o.observe([entry(0, 15_000, 30, 100, { epoch: 2 }), entry(1, 15_000, 0, 0)], 2).missing, 'splits moved');
  assert.match(o.observe([entry(0, 20_000, 40, 100, { epoch: 2 }), { index: 1, state: 'Running' }], 2).missing!, /runner 1/);
  assert.match(new RateObserver().observe([], 1).missing!, /runner 0/);
});

test('partitions are unknown unless every runner reports its splits; a runner owning none is not a capacity sample', () => {
  const o = new RateObserver();
  o.observe([entry(0, 0, 0, 10, { splits: undefined }), entry(1, 0, 0, 0, { splits: 0 })], 2);
  const r = o.observe([entry(0, 2000, 2000, 10, { splits: undefined }), entry(1, 2000, 0, 0, { splits: 0 })], 2);
  assert.equal(r.metrics!.partitions, undefined);
  assert.equal(r.metrics!.perRunnerRate, 1000);
});

test('a backlog seen in one report waits for the next: the true rate comes from the newest backlogged run only', () => {
  const o = new RateObserver();
  o.observe([entry(0, 0, 0, 0)], 1);
  o.observe([entry(0, 30_000, 300, 0)], 1); // 10/s, input-bound
  assert.match(o.observe([entry(0, 31_000, 310, 90_000)], 1).missing!, /backlog in one report only/);
  // 31 s → 33 s under a backlog: 20000 records in 2 s, not the diluted rate of the whole window
  const r = o.observe([entry(0, 33_000, 20_310, 80_000)], 1);
  assert.equal(r.metrics!.perRunnerRate, 10_000);
  assert.equal(r.metrics!.lag, 80_000);
});
