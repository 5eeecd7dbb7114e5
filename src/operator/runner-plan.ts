/**
 * The reconcile decision as a pure function (Flink FileSink style: decisions over a read-only
 * view, tested without I/O). Given the IngestJob, its runner pods and the time, it returns what to
 * change: pods to create and delete, the operator's status fields, events, when to look again.
 *
 * Per runner index i < parallelism:
 *   1. pod terminating → wait for it to go (its deletion event requeues the job);
 *   2. pod built from another spec (spec-hash annotation) → delete; recreated from the new spec;
 *   3. pod Failed → after backoff(restarts) delete it and count a restart; when restarts reached
 *      maxRestarts → keep it (logs stay readable), the job is Stalled. A pod that ran
 *      backoff.resetThreshold before it failed starts the count again from zero;
 *   4. no pod → create one (unless the job is Succeeded or Stalled for this very spec, or a pod
 *      of another spec still exists at any index: runners of two specs never overlap);
 * pods of indexes >= parallelism are deleted; `suspend` deletes every pod (SIGTERM = final
 * checkpoint). Suspending, or changing the spec, resets restart counts: that is how a human
 * clears a Stalled job.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Condition, IngestJob, IngestJobStatus, RunnerStatus } from '../api/types.ts';
import { findCondition, setCondition } from './conditions.ts';
import type { ConditionInput } from './conditions.ts';
import { exitSummary, finishedAt, podRestarts, podSpecHash, podState, ranFor, runnerIndex, waitingCause } from './pod-state.ts';
import { resolveRestartPolicy, restartDelayMs, restartsBefore } from '../api/restart-policy.ts';
import { LABEL_JOB } from './names.ts';
import { buildRunnerPod } from './runner-pod.ts';
import { specHash } from './spec-hash.ts';
import { aggregateRunners } from './status-aggregate.ts';


/** `sluice runner` exits 2 when the job itself is invalid (see src/cli/run.ts): a human must act. */
const INVALID_JOB_EXIT = 2;

function exitCode(pod: V1Pod): number | undefined {
  return pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
}

export type DeletionCause = 'restart' | 'spec-change' | 'suspend' | 'scale-down' | 'job-deleted';

export interface PodDeletion {
  name: string;
  uid: string;
  cause: DeletionCause;
}

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: 'RunnerStarted' | 'RunnerFailed' | 'RunnerRestarted' | 'RunnerCannotStart' | 'RunnerReplaced' | 'Stalled' | 'Suspended' | 'Resumed'
    | 'Succeeded' | 'SpecChanged' | 'Rescaled' | 'Stopping' | 'ReconcileError' | 'ScaledUp' | 'ScaledDown' | 'AutoscalerStoodDown';
  message: string;
}

/** The status fields the operator owns (field manager `sluice-operator`). */
export type OperatorStatus = Omit<IngestJobStatus, 'runners'> & { runners: OperatorRunnerStatus[] };
export type OperatorRunnerStatus = Pick<RunnerStatus, 'index' | 'pod' | 'state' | 'restarts'>;

export interface Plan {
  create: V1Pod[];
  delete: PodDeletion[];
  /** Operator-owned status; undefined while the job is being deleted. */
  status?: OperatorStatus;
  /** status.runners entries of removed indexes (they hold runner-owned fields SSA would keep). */
  staleRunnerIndexes: number[];
  events: JobEvent[];
  /** The finalizer may go: every runner pod is gone. */
  removeFinalizer: boolean;
  requeueAfterMs?: number;
}

export interface PlanInput {
  job: IngestJob;
  /** Pods labelled with this job's name (any owner: the plan checks). */
  pods: readonly V1Pod[];
  now: number;
  defaultImage?: string;
}

function ownedBy(pod: V1Pod, job: IngestJob): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.uid === job.metadata.uid && o.controller);
}

function cond(type: string, status: Condition['status'], reason: string, message: string): ConditionInput {
  return { type, status, reason, message };
}

export function planJob(input: PlanInput): Plan {
  const { job, now } = input;
  const name = job.metadata.name;
  const pods = input.pods.filter((p) => ownedBy(p, job));
  const prev: IngestJobStatus = job.status ?? {};
  const plan: Plan = { create: [], delete: [], staleRunnerIndexes: [], events: [], removeFinalizer: false };
  const del = (p: V1Pod, cause: DeletionCause): void => {
    plan.delete.push({ name: p.metadata!.name!, uid: p.metadata!.uid ?? '', cause });
  };

  if (job.metadata.deletionTimestamp) {
    for (const p of pods) if (podState(p) !== 'Terminating') del(p, 'job-deleted');
    plan.removeFinalizer = pods.length === 0;
    if (plan.delete.length > 0) plan.events.push({ type: 'Normal', reason: 'Stopping', message: `IngestJob deleted: stopping ${plan.delete.length} runner pod(s) after a final checkpoint` });
    if (!plan.removeFinalizer) plan.requeueAfterMs = 5_000;
    return plan;
  }

  const parallelism = job.spec.parallelism ?? 1;
  const suspended = job.spec.suspend === true;
  const hash = specHash(job.spec);
  const policy = resolveRestartPolicy(job.spec.restartPolicy);
  const generation = job.metadata.generation ?? 0;
  const sameSpec = prev.lastAppliedSpecHash === hash;
  // Sticky outcomes: a Succeeded or Stalled job stays so until its spec changes or it is suspended.
  const wasSucceeded = sameSpec && prev.phase === 'Succeeded';
  const wasStalled = sameSpec && findCondition(prev.conditions, 'Stalled')?.status === 'True';
  const resetRestarts = suspended || !sameSpec;

  // Splits move between runners when the spec (parallelism above all) changes: a new runner
  // restores from the positions its predecessors published, so none starts while any runner of
  // another spec — terminating, or at an index that no longer exists — may still publish.
  const previousSpecRunning = pods.some((p) => podSpecHash(p) !== hash);
  const byIndex = new Map<number, V1Pod>();
  for (const p of pods) {
    const i = runnerIndex(p);
    if (i === undefined || i >= parallelism) {
      if (podState(p) !== 'Terminating') del(p, 'scale-down');
      continue;
    }
    byIndex.set(i, p);
  }
  const prevRunners = new Map((prev.runners ?? []).map((r) => [r.index, r]));
  // An entry of a removed index goes once its pod is gone: the runner's final report (totals
  // after its last checkpoint) is in by then, and is folded into status.retired exactly once.
  const podIndexes = new Set(pods.map((p) => runnerIndex(p)));
  plan.staleRunnerIndexes = [...prevRunners.keys()].filter((i) => i >= parallelism && !podIndexes.has(i)).sort((a, b) => a - b);

  const runners: OperatorRunnerStatus[] = [];
  let exhausted: { index: number; why: string; reason: string } | undefined;
  /** The first runner whose pod cannot start, and why (its waiting reason). */
  let stuck: { reason: string; why: string } | undefined;
  let nextWake: number | undefined;
  const wakeAt = (t: number): void => { nextWake = nextWake === undefined ? t : Math.min(nextWake, t); };
  let specChanged = false;

  for (let i = 0; i < parallelism; i++) {
    const pod = byIndex.get(i);
    const before = prevRunners.get(i);
    let restarts = resetRestarts ? 0 : Math.max(before?.restarts ?? 0, pod && podSpecHash(pod) === hash ? podRestarts(pod) : 0);
    const podName = `${name}-runner-${i}`;
    let state: string;
    const st = pod ? podState(pod) : undefined;
    if (pod && st === 'Terminating') {
      state = 'Terminating';
    } else if (pod && suspended) {
      del(pod, 'suspend');
      state = 'Terminating';
    } else if (pod && podSpecHash(pod) !== hash) {
      del(pod, 'spec-change');
      specChanged = true;
      state = 'Terminating';
    } else if (pod && st === 'Failed') {
      // A runner that ran backoff.resetThreshold before it failed counts from zero again (Flink).
      const k = restartsBefore(policy, podRestarts(pod), ranFor(pod));
      if (k === 0) restarts = 0;
      // The runner's own words (status.runners[i].message) say why; the exit code only says that.
      const why = before?.message ? `${exitSummary(pod)}: ${before.message}` : exitSummary(pod);
      if (before?.state !== 'Failed') {
        plan.events.push({ type: 'Warning', reason: 'RunnerFailed', message: `runner ${i} (pod ${podName}) failed: ${why}` });
      }
      state = 'Failed';
      if (exitCode(pod) === INVALID_JOB_EXIT) {
        // the runner refused the job itself (its query, formats or options): restarting cannot help
        exhausted ??= { index: i, reason: 'InvalidSpec', why: `runner ${i} refused the job: ${before?.message ?? exitSummary(pod)}` };
      } else if (k >= policy.maxRestarts) {
        exhausted ??= { index: i, reason: 'RestartsExhausted', why: `runner ${i} (pod ${podName}) failed ${k + 1} times: ${why}; restartPolicy.maxRestarts is ${policy.maxRestarts}` };
      } else {
        const due = (finishedAt(pod) ?? now) + restartDelayMs(policy, k);
        if (now >= due) {
          restarts = Math.max(restarts, k + 1);
          del(pod, 'restart');
          plan.events.push({ type: 'Normal', reason: 'RunnerRestarted', message: `restarting runner ${i} from its last checkpoint (restart ${k + 1} of at most ${policy.maxRestarts})` });
          state = 'Restarting';
        } else {
          wakeAt(due);
        }
      }
    } else if (pod) {
      state = st!;
      const cause = st === 'Pending' ? waitingCause(pod) : undefined;
      if (cause) stuck ??= { reason: cause.reason, why: `runner ${i} (pod ${podName}) cannot start: ${cause.reason}${cause.message ? `: ${cause.message}` : ''}` };
    } else if (suspended) {
      state = 'Suspended';
    } else if (wasSucceeded || wasStalled) {
      state = before?.state ?? (wasSucceeded ? 'Succeeded' : 'Failed');
    } else if (previousSpecRunning) {
      state = 'Pending'; // created once every runner of the previous spec is gone (its deletion requeues the job)
    } else {
      plan.create.push(buildRunnerPod({ job, index: i, parallelism, specHash: hash, restarts, defaultImage: input.defaultImage }));
      if (sameSpec && before?.pod === podName && (before.state === 'Running' || before.state === 'Pending')) {
        // Nobody here deleted it (a restart, suspend or spec change passes through other states).
        plan.events.push({ type: 'Normal', reason: 'RunnerReplaced', message: `replacing runner ${i} because its pod ${podName} was deleted; it resumes from its last checkpoint` });
      } else {
        plan.events.push({ type: 'Normal', reason: 'RunnerStarted', message: `starting runner ${i} of ${parallelism} (pod ${podName})` });
      }
      state = 'Pending';
    }
    const entry: OperatorRunnerStatus = { index: i, state, restarts };
    if (pod || plan.create.some((c) => c.metadata?.name === podName)) entry.pod = podName;
    else if (before?.pod && (wasSucceeded || wasStalled)) entry.pod = before.pod;
    runners.push(entry);
  }

  if (wasStalled && !exhausted && !suspended) {
    const c = findCondition(prev.conditions, 'Stalled');
    exhausted = { index: -1, reason: c?.reason ?? 'RestartsExhausted', why: c?.message ?? 'restarts exhausted' };
  }
  if (specChanged && prev.lastAppliedSpecHash !== undefined && prev.lastAppliedSpecHash !== hash) {
    const before = prev.runners?.length ?? 0;
    plan.events.push(before > 0 && before !== parallelism
      ? { type: 'Normal', reason: 'Rescaled', message: `Rescaled ${before}→${parallelism}: runners stop after a final checkpoint; the new ones resume their splits from it` }
      : { type: 'Normal', reason: 'SpecChanged', message: 'spec changed: restarting runners from their last checkpoint with the new spec' });
  }

  const states = runners.map((r) => r.state);
  const converging = plan.create.length > 0 || plan.delete.length > 0 || states.some((s) => s === 'Terminating' || s === 'Pending' || s === 'Restarting' || s === 'Failed');
  let phase: NonNullable<IngestJobStatus['phase']>;
  const conds: ConditionInput[] = [];
  if (suspended) {
    phase = 'Suspended';
    conds.push(cond('Ready', 'False', 'Suspended', 'spec.suspend is true: runners stopped after a final checkpoint'));
    conds.push(cond('Reconciling', converging ? 'True' : 'False', converging ? 'Suspending' : 'Suspended', converging ? 'stopping runner pods' : 'all runner pods stopped'));
    conds.push(cond('Stalled', 'False', 'Suspended', ''));
  } else if (exhausted) {
    // RestartsExhausted → Stalled; a terminal reconcile error recorded earlier (bad spec) → Failed.
    phase = exhausted.reason === 'RestartsExhausted' ? 'Stalled' : 'Failed';
    conds.push(cond('Ready', 'False', exhausted.reason, exhausted.why));
    conds.push(cond('Reconciling', 'False', exhausted.reason, 'waiting for a human: fix the cause, then change the spec or suspend and resume the job'));
    conds.push(cond('Stalled', 'True', exhausted.reason, exhausted.why));
  } else if (parallelism > 0 && states.every((s) => s === 'Succeeded')) {
    phase = 'Succeeded';
    conds.push(cond('Ready', 'True', 'Succeeded', 'every runner reached the end of its bounded input and committed it'));
    conds.push(cond('Reconciling', 'False', 'Succeeded', ''));
    conds.push(cond('Stalled', 'False', 'Succeeded', ''));
  } else {
    const running = states.filter((s) => s === 'Running' || s === 'Succeeded').length;
    phase = running > 0 ? 'Running' : 'Pending';
    const ready = running === parallelism && !converging;
    conds.push(stuck
      ? cond('Ready', 'False', stuck.reason, stuck.why)
      : ready
      ? cond('Ready', 'True', 'Running', `${parallelism} runner(s) running`)
      : cond('Ready', 'False', states.some((s) => s === 'Failed' || s === 'Restarting') ? 'RunnerRestarting' : 'RunnersStarting', `${running} of ${parallelism} runner(s) running`));
    conds.push(converging
      ? cond('Reconciling', 'True', specChanged ? 'SpecChanged' : 'Progressing', `${running} of ${parallelism} runner(s) running`)
      : cond('Reconciling', 'False', 'Running', ''));
    conds.push(cond('Stalled', 'False', 'Running', ''));
  }
  if (stuck && !suspended && !exhausted && findCondition(prev.conditions, 'Ready')?.message !== stuck.why) {
    plan.events.push({ type: 'Warning', reason: 'RunnerCannotStart', message: stuck.why });
  }
  if (prev.phase === 'Suspended' && !suspended) {
    plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'spec.suspend is false: runners resume from their final checkpoint' });
  }
  if (phase !== prev.phase) {
    if (phase === 'Stalled') plan.events.push({ type: 'Warning', reason: 'Stalled', message: exhausted!.why });
    if (phase === 'Suspended') plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'runners stopping after a final checkpoint (spec.suspend is true)' });
    if (phase === 'Succeeded') plan.events.push({ type: 'Normal', reason: 'Succeeded', message: 'all runners finished their bounded input' });
  }

  let conditions = prev.conditions;
  const nowIso = new Date(now).toISOString();
  for (const c of conds) conditions = setCondition(conditions, c, generation, nowIso);
  plan.status = {
    observedGeneration: generation,
    conditions: (conditions ?? []).filter((c) => c.type === 'Ready' || c.type === 'Reconciling' || c.type === 'Stalled'),
    phase,
    ...aggregateRunners(prev.runners, parallelism, prev.retired, new Set(plan.staleRunnerIndexes)),
    runners,
    lastAppliedSpecHash: hash,
    // The scale subresource's status: runner pods that exist for this parallelism, and how to
    // select them (an HPA on CPU reads the pods through it).
    replicas: runners.filter((r) => r.pod !== undefined && r.state !== 'Terminating' && r.state !== 'Suspended').length,
    selector: `${LABEL_JOB}=${name}`,
  };
  if (prev.autoscaler) plan.status.autoscaler = prev.autoscaler;
  if (nextWake !== undefined) plan.requeueAfterMs = Math.max(1, nextWake - now);
  return plan;
}

/** The operator-owned part of a status as it stands, to compare with a plan's. */
export function operatorView(status: IngestJobStatus | undefined): OperatorStatus {
  const s = status ?? {};
  return {
    observedGeneration: s.observedGeneration,
    conditions: (s.conditions ?? []).filter((c) => c.type === 'Ready' || c.type === 'Reconciling' || c.type === 'Stalled'),
    phase: s.phase,
    checkpoint: s.checkpoint,
    committed: s.committed,
    retired: s.retired,
    source: s.source?.lag === undefined ? undefined : { lag: s.source.lag },
    partitions: s.partitions,
    runners: (s.runners ?? []).map((r) => ({ index: r.index, pod: r.pod, state: r.state, restarts: r.restarts })),
    lastAppliedSpecHash: s.lastAppliedSpecHash,
    replicas: s.replicas,
    selector: s.selector,
    autoscaler: s.autoscaler,
  };
}
