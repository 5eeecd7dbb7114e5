/**
 * Rates from the runners' own status entries (`status.runners[i]`: records committed, source lag,
 * checkpoint time, splits), which each runner applies after its checkpoints. No runner scrape: a
 * runner's rate is the difference of two of its entries over their checkpoint times.
 *
 *   - committed rate of runner i = Δrecords / Δt over its samples of the last RATE_WINDOW_MS;
 *   - input rate = committed rate + Δlag / Δt (what arrived = what was processed + backlog growth);
 *   - true processing rate: the committed rate over a runner's newest run of reports that all
 *     had a backlog (lag > 0), so it never waited for input. A backlog seen in one report only
 *     waits for the next (its rate is not known yet); without any backlog the last true rate seen
 *     is used, or the highest observed rate (a lower bound: it can only over-size the job).
 * Samples of a runner restart with its epoch (a restarted runner's counters are restored ones) and
 * all of them with the parallelism (splits moved). Memory: a few samples per runner, per
 * autoscaled job only.
 */
import type { RunnerStatus } from '../api/types.ts';
import { toMillis } from './pod-state.ts';
import type { ScalingMetrics } from './autoscaler.ts';

/** Rates are taken over at most this much history. */
export const RATE_WINDOW_MS = 60_000;
const MAX_SAMPLES = 12;

interface Sample {
  at: number;
  records: number;
  lag: number;
}

interface RunnerSamples {
  epoch: number;
  samples: Sample[];
}

export type ObservedRates = { metrics: ScalingMetrics; missing?: undefined } | { metrics?: undefined; missing: string };

export class RateObserver {
  private parallelism = 0;
  private readonly runners = new Map<number, RunnerSamples>();
  /** The last true processing rate seen (a runner with a backlog), kept across rescales. */
  private capacity: number | undefined;

  /** Folds the job's current runner entries in and says what the rates are, or what is missing. */
  observe(entries: readonly RunnerStatus[] | undefined, parallelism: number): ObservedRates {
    if (parallelism !== this.parallelism) {
      this.runners.clear();
      this.parallelism = parallelism;
    }
    const byIndex = new Map((entries ?? []).map((r) => [r.index, r]));
    // Every runner's sample first: an early return must not lose the others' reports.
    let missing: string | undefined;
    for (let i = 0; i < parallelism; i++) {
      const r = byIndex.get(i);
      const at = toMillis(r?.checkpointAt);
      if (!r || r.state !== 'Running' || at === undefined || r.records === undefined || r.lag === undefined || r.epoch === undefined) {
        missing ??= `runner ${i} has not reported a checkpoint with its lag`;
        continue;
      }
      let s = this.runners.get(i);
      if (!s || s.epoch !== r.epoch) {
        s = { epoch: r.epoch, samples: [] };
        this.runners.set(i, s);
      }
      const last = s.samples.at(-1);
      if (!last || at > last.at) s.samples.push({ at, records: r.records, lag: r.lag });
      while (s.samples.length > MAX_SAMPLES || (s.samples.length > 2 && at - s.samples[1]!.at >= RATE_WINDOW_MS)) s.samples.shift();
      if (s.samples.length < 2) missing ??= `runner ${i} has reported one checkpoint since it started`;
    }
    if (missing) return { missing };

    let inputRate = 0;
    let lag = 0;
    let partitions: number | undefined = 0;
    const backlogged: number[] = [];
    let observedMax = 0;
    let waitingFor: number | undefined;
    for (let i = 0; i < parallelism; i++) {
      const r = byIndex.get(i)!;
      const { samples } = this.runners.get(i)!;
      if (partitions !== undefined) partitions = r.splits === undefined ? undefined : partitions + r.splits;
      const first = samples[0]!;
      const newest = samples.at(-1)!;
      lag += newest.lag;
      const dt = (newest.at - first.at) / 1000;
      const rate = Math.max(0, newest.records - first.records) / dt;
      inputRate += Math.max(0, rate + (newest.lag - first.lag) / dt);
      if (r.splits === 0) continue; // owns no partition: says nothing about a runner's capacity
      observedMax = Math.max(observedMax, rate);
      let k = samples.length;
      while (k > 0 && samples[k - 1]!.lag > 0) k--;
      const run = samples.slice(k);
      if (run.length >= 2) {
        const t = (run.at(-1)!.at - run[0]!.at) / 1000;
        const r = Math.max(0, run.at(-1)!.records - run[0]!.records) / t;
        if (r > 0) backlogged.push(r);
      } else if (run.length === 1) {
        waitingFor ??= i;
      }
    }
    if (backlogged.length === 0 && waitingFor !== undefined && this.capacity === undefined) {
      return { missing: `runner ${waitingFor} has a backlog in one report only: its processing rate is not known yet` };
    }
    let perRunnerRate: number;
    if (backlogged.length > 0) {
      perRunnerRate = backlogged.reduce((a, b) => a + b, 0) / backlogged.length;
      this.capacity = perRunnerRate;
    } else {
      // A runner without a backlog waits for input: its rate is a lower bound of what it can do.
      perRunnerRate = Math.max(this.capacity ?? 0, observedMax);
    }
    return { metrics: { inputRate, perRunnerRate, lag, ...(partitions === undefined ? {} : { partitions }) } };
  }
}
