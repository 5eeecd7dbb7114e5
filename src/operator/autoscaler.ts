/**
 * The autoscaler's decision as a pure function (Flink FileSink style: a decision over a read-only
 * view, tested without I/O). Like the Flink Kubernetes Operator's autoscaler it sizes the job from
 * the rate a runner truly processes, not from busy time or CPU:
 *   1. bounds: [minParallelism, min(maxParallelism, the topic's partitions)] — a runner beyond the
 *      partition count would own no partition;
 *   2. a parallelism outside the bounds is brought inside them at once;
 *   3. during `cooldown` after a change nothing moves (the new runners restore; their rates say
 *      nothing yet);
 *   4. without rates for every runner (just started, just rescaled, no lag reported) nothing moves;
 *   5. target rate = input rate + lag / targetCatchUp (keep up, and clear the backlog in time);
 *      raw = target rate / per-runner rate; within the dead band (±10 % of the current
 *      parallelism, the HPA's tolerance) the recommendation is the current parallelism, else
 *      ceil(raw), bounded;
 *   6. up: at once. Down: to the highest recommendation of the last `stabilizationWindow` (an
 *      HPA's scaleDown stabilization), and only once recommendations cover the whole window.
 * So it never flaps: a change waits out the cooldown, a decrease a full window of lower
 * recommendations, and small moves fall in the dead band.
 */

/** |raw - current| within this fraction of current recommends no change (HPA's default tolerance). */
export const DEAD_BAND = 0.1;
/** The CRD's bound on spec.parallelism. */
export const MAX_PARALLELISM = 1024;

export interface AutoscalerOptions {
  minParallelism: number;
  /** undefined: only the partition count bounds it. */
  maxParallelism?: number;
  targetCatchUpMs: number;
  stabilizationWindowMs: number;
  cooldownMs: number;
}

/** What the runners' statuses say, summed over the job (see rate-observer.ts). */
export interface ScalingMetrics {
  /** Records per second arriving at the source: committed rate plus lag growth. */
  inputRate: number;
  /** Records per second one runner processes while it has a backlog (its true processing rate). */
  perRunnerRate: number;
  lag: number;
  /** The topic's partitions (sum of the runners' splits), when every runner reported it. */
  partitions?: number;
}

/** One recommendation, kept for the stabilization window. */
export interface Recommendation {
  at: number;
  parallelism: number;
}

export type DecisionReason =
  | 'ScaledUp' | 'ScaledDown' | 'WithinDeadBand' | 'Steady' | 'AtBound' | 'Stabilizing' | 'CoolingDown' | 'MetricsUnavailable';

export interface DecisionInput {
  now: number;
  /** spec.parallelism now. */
  current: number;
  options: AutoscalerOptions;
  /** undefined: some runner has no rate yet (`missing` says which). */
  metrics?: ScalingMetrics;
  missing?: string;
  /** Earlier recommendations, oldest first (what the previous decision returned). */
  history: readonly Recommendation[];
  /** When spec.parallelism was last changed by the autoscaler. */
  lastScaleAt?: number;
}

export interface Decision {
  /** What spec.parallelism should be; equal to `current` when nothing changes. */
  parallelism: number;
  /** This evaluation's recommendation (before stabilization), when it made one. */
  recommended?: number;
  reason: DecisionReason;
  message: string;
  /** Keep for the next decision. */
  history: Recommendation[];
  /** Evaluate again after this long even if no status changes (a cooldown or window ends). */
  recheckAfterMs?: number;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/** Bounds from the options and the partition count; min never exceeds max. */
export function bounds(options: AutoscalerOptions, partitions: number | undefined): { min: number; max: number } {
  const max = Math.max(1, Math.min(options.maxParallelism ?? MAX_PARALLELISM, partitions ?? MAX_PARALLELISM, MAX_PARALLELISM));
  return { min: Math.min(Math.max(1, options.minParallelism), max), max };
}

/**
 * Drops recommendations older than the window but keeps the newest of those: it proves the
 * window is covered (a decrease needs a full window of evidence).
 */
function prune(history: readonly Recommendation[], now: number, windowMs: number): Recommendation[] {
  const start = now - windowMs;
  let firstInside = history.findIndex((r) => r.at > start);
  if (firstInside === -1) firstInside = history.length;
  return history.slice(Math.max(0, firstInside - 1));
}

export function decideParallelism(input: DecisionInput): Decision {
  const { now, current, options } = input;
  const { min, max } = bounds(options, input.metrics?.partitions);
  const keep = (reason: DecisionReason, message: string, history: Recommendation[], extra: Partial<Decision> = {}): Decision =>
    ({ parallelism: current, reason, message, history, ...extra });

  if (current < min || current > max) {
    const to = Math.min(max, Math.max(min, current));
    const why = current > max
      ? `parallelism ${current} is above the bound ${max} (${max === input.metrics?.partitions ? 'the topic\'s partitions' : 'maxParallelism'})`
      : `parallelism ${current} is below minParallelism ${min}`;
    return { parallelism: to, reason: to > current ? 'ScaledUp' : 'ScaledDown', message: `${why}: scaling to ${to}`, history: [] };
  }

  if (input.lastScaleAt !== undefined && now - input.lastScaleAt < options.cooldownMs) {
    const left = options.cooldownMs - (now - input.lastScaleAt);
    // Recommendations made while new runners restore would be noise: the history starts again.
    return keep('CoolingDown', `changed ${seconds(now - input.lastScaleAt)} ago; no change for cooldown ${seconds(options.cooldownMs)}`, [], { recheckAfterMs: left });
  }

  const m = input.metrics;
  if (!m) return keep('MetricsUnavailable', `no rate yet: ${input.missing ?? 'runners have not reported two checkpoints'}`, [...input.history]);

  const targetRate = m.inputRate + m.lag / (options.targetCatchUpMs / 1000);
  let raw: number;
  if (targetRate <= 0) raw = 0;
  else if (m.perRunnerRate > 0) raw = targetRate / m.perRunnerRate;
  else return keep('MetricsUnavailable', `lag ${m.lag} but no runner has processed a record yet`, [...input.history]);

  const figures = `input ${fmt(m.inputRate)}/s, lag ${m.lag}, catch up in ${seconds(options.targetCatchUpMs)} → ${fmt(targetRate)}/s at ${fmt(m.perRunnerRate)}/s per runner = ${raw.toFixed(2)} runners`;
  let recommended: number;
  let reason: DecisionReason;
  if (raw > 0 && Math.abs(raw - current) <= DEAD_BAND * current) {
    recommended = current;
    reason = 'WithinDeadBand';
  } else {
    const wanted = Math.max(1, Math.ceil(raw));
    recommended = Math.min(max, Math.max(min, wanted));
    reason = recommended !== wanted ? 'AtBound' : 'Steady';
  }
  const history = prune([...input.history, { at: now, parallelism: recommended }], now, options.stabilizationWindowMs);

  if (recommended > current) {
    return { parallelism: recommended, recommended, reason: 'ScaledUp', message: `${figures}: scaling up ${current} → ${recommended}`, history: [] };
  }
  if (recommended < current) {
    const windowStart = now - options.stabilizationWindowMs;
    const covered = history[0]!.at <= windowStart;
    const inWindow = history.filter((r) => r.at > windowStart);
    const highest = Math.max(...inWindow.map((r) => r.parallelism), covered ? 0 : current);
    if (highest < current) {
      return { parallelism: highest, recommended, reason: 'ScaledDown', message: `${figures}: scaling down ${current} → ${highest} (highest recommendation over the ${seconds(options.stabilizationWindowMs)} window)`, history: [] };
    }
    // When the oldest recommendation holding the parallelism up leaves the window.
    const holding = covered ? inWindow.find((r) => r.parallelism >= current) : history[0];
    const recheckAfterMs = Math.max(1, (holding?.at ?? now) + options.stabilizationWindowMs - now);
    return keep('Stabilizing', `${figures}: recommends ${recommended}, waiting for the ${seconds(options.stabilizationWindowMs)} window before scaling down`, history, { recommended, recheckAfterMs });
  }
  const bound = reason === 'AtBound' ? ` (bounded to ${min}..${max})` : '';
  return keep(reason, `${figures}: keeping ${current}${bound}`, history, { recommended });
}
