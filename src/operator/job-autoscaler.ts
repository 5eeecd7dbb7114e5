/**
 * The autoscaler of each job with `spec.autoscaler.enabled`: its memory (rates, recommendations)
 * and the step the reconciler takes (`evaluate`). The decision itself is `decideParallelism`
 * (autoscaler.ts); this turns a job into its input and its output into a status entry, an Event
 * and the parallelism to set through the scale subresource.
 */
import { parseDuration } from '../api/duration.ts';
import type { AutoscalerStatus, IngestJob, ScalingRecord } from '../api/types.ts';
import { decideParallelism } from './autoscaler.ts';
import type { AutoscalerOptions, Decision, Recommendation } from './autoscaler.ts';
import { toMillis } from './pod-state.ts';
import { RateObserver } from './rate-observer.ts';
import type { JobEvent } from './runner-plan.ts';
import { foreignScaler } from './scale-owner.ts';
import type { ManagedFieldsEntry } from './scale-owner.ts';

export const AUTOSCALER_DEFAULTS = { minParallelism: 1, targetCatchUp: '5m', stabilizationWindow: '5m', cooldown: '1m' } as const;
/** status.autoscaler.recent keeps this many changes. */
export const RECENT_SCALINGS = 5;

export interface AutoscalerStep {
  status: AutoscalerStatus;
  /** Set spec.parallelism to this (through the scale subresource). */
  scaleTo?: number;
  event?: JobEvent;
  decision?: Decision;
  recheckAfterMs?: number;
}

/** spec.autoscaler with defaults; a bad duration throws InvalidFieldError naming its field. */
export function resolveAutoscaler(spec: IngestJob['spec']): AutoscalerOptions {
  const a = spec.autoscaler ?? {};
  return {
    minParallelism: a.minParallelism ?? AUTOSCALER_DEFAULTS.minParallelism,
    maxParallelism: a.maxParallelism,
    targetCatchUpMs: parseDuration(a.targetCatchUp ?? AUTOSCALER_DEFAULTS.targetCatchUp, 'spec.autoscaler.targetCatchUp'),
    stabilizationWindowMs: parseDuration(a.stabilizationWindow ?? AUTOSCALER_DEFAULTS.stabilizationWindow, 'spec.autoscaler.stabilizationWindow'),
    cooldownMs: parseDuration(a.cooldown ?? AUTOSCALER_DEFAULTS.cooldown, 'spec.autoscaler.cooldown'),
  };
}

interface Memory {
  rates: RateObserver;
  history: Recommendation[];
  /** Our own last change, should the status write that records it have failed. */
  lastScaleAt?: number;
  /**
   * Our own scalings as we last wrote them: the job in the informer's cache can still hold the
   * status from before our last write, and recording from it alone would drop that scaling.
   */
  recent?: ScalingRecord[];
}

/** Both lists of scalings as one, newest first, each once (a record is its time, from and to). */
function mergeRecent(a: ScalingRecord[] | undefined, b: ScalingRecord[] | undefined): ScalingRecord[] | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const seen = new Set<string>();
  const out: ScalingRecord[] = [];
  for (const r of [...a, ...b].sort((x, y) => (x.time < y.time ? 1 : x.time > y.time ? -1 : 0))) {
    const k = `${r.time}|${r.from}|${r.to}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out.slice(0, RECENT_SCALINGS);
}

export class JobAutoscalers {
  private readonly jobs = new Map<string, Memory>();

  forget(uid: string): void {
    this.jobs.delete(uid);
  }

  /** undefined: the job has no autoscaler and never had one (status.autoscaler stays absent). */
  evaluate(job: IngestJob, now: number): AutoscalerStep | undefined {
    const uid = job.metadata.uid ?? `${job.metadata.namespace}/${job.metadata.name}`;
    const prev = job.status?.autoscaler;
    const recent = mergeRecent(this.jobs.get(uid)?.recent, prev?.recent);
    const lastScaleTime = recent?.[0]?.time !== undefined && (prev?.lastScaleTime === undefined || recent[0].time > prev.lastScaleTime) ? recent[0].time : prev?.lastScaleTime;
    const kept: AutoscalerStatus = {
      ...(lastScaleTime ? { lastScaleTime } : {}),
      ...(recent ? { recent } : {}),
    };
    if (job.spec.autoscaler?.enabled !== true) {
      this.jobs.delete(uid);
      return prev ? { status: { ...kept, state: 'Disabled' } } : undefined;
    }
    const options = resolveAutoscaler(job.spec);
    const current = job.spec.parallelism ?? 1;
    const nowIso = new Date(now).toISOString();

    const other = foreignScaler(job.metadata.managedFields as ManagedFieldsEntry[] | undefined);
    if (other) {
      this.jobs.delete(uid);
      const message = `spec.parallelism is scaled by ${other} through the scale subresource: the autoscaler stands down until spec.parallelism is set otherwise (kubectl patch or apply)`;
      const status: AutoscalerStatus = { ...kept, state: 'StoodDown', lastEvaluation: sameOr(prev, 'StoodDown', undefined, { time: nowIso, reason: 'StoodDown', message }) };
      return { status, ...(prev?.state === 'StoodDown' ? {} : { event: { type: 'Warning', reason: 'AutoscalerStoodDown', message } }) };
    }
    if (job.spec.suspend === true || job.status?.phase !== 'Running') {
      return { status: { ...kept, ...(prev?.recommendedParallelism === undefined ? {} : { recommendedParallelism: prev.recommendedParallelism }), ...(prev?.lastEvaluation ? { lastEvaluation: prev.lastEvaluation } : {}), state: 'Active' } };
    }

    let mem = this.jobs.get(uid);
    if (!mem) {
      mem = { rates: new RateObserver(), history: [] };
      this.jobs.set(uid, mem);
    }
    const observed = mem.rates.observe(job.status?.runners, current);
    const lastScaleAt = Math.max(toMillis(prev?.lastScaleTime) ?? -Infinity, mem.lastScaleAt ?? -Infinity);
    const decision = decideParallelism({
      now, current, options, history: mem.history,
      ...(observed.metrics ? { metrics: observed.metrics } : { missing: observed.missing }),
      ...(Number.isFinite(lastScaleAt) ? { lastScaleAt } : {}),
    });
    mem.history = decision.history;
    const m = observed.metrics;
    const evaluation = {
      time: nowIso, reason: decision.reason, message: decision.message.slice(0, 1024),
      ...(m ? { inputRate: m.inputRate.toFixed(1), perRunnerRate: m.perRunnerRate.toFixed(1), lag: m.lag } : {}),
    };
    const status: AutoscalerStatus = {
      ...kept,
      state: 'Active',
      ...(decision.recommended === undefined ? {} : { recommendedParallelism: decision.recommended }),
      lastEvaluation: sameOr(prev, decision.reason, decision.recommended, evaluation),
    };
    if (decision.parallelism === current) return { status, decision, ...(decision.recheckAfterMs === undefined ? {} : { recheckAfterMs: decision.recheckAfterMs }) };

    mem.lastScaleAt = now;
    const record: ScalingRecord = { time: nowIso, from: current, to: decision.parallelism, reason: decision.reason, message: evaluation.message };
    status.lastScaleTime = nowIso;
    status.recent = [record, ...(recent ?? [])].slice(0, RECENT_SCALINGS);
    mem.recent = status.recent;
    status.lastEvaluation = evaluation;
    return {
      status, decision, scaleTo: decision.parallelism,
      event: { type: 'Normal', reason: decision.parallelism > current ? 'ScaledUp' : 'ScaledDown', message: evaluation.message },
      recheckAfterMs: options.cooldownMs,
    };
  }
}

/**
 * The previous evaluation when it said the same (reason and recommendation): its figures move at
 * every runner report, and rewriting them would cost a status write per checkpoint.
 */
function sameOr(prev: AutoscalerStatus | undefined, reason: string, recommended: number | undefined, next: NonNullable<AutoscalerStatus['lastEvaluation']>): NonNullable<AutoscalerStatus['lastEvaluation']> {
  const last = prev?.lastEvaluation;
  return last && last.reason === reason && prev.recommendedParallelism === recommended ? last : next;
}
