/**
 * Reconcile(key): level-triggered, like controller-runtime's. It reads the IngestJob and its pods
 * from the informer caches (never the event that woke it), asks `planJob` what the world should
 * look like, and makes it so:
 *   1. a live job gets the `sluice.dev/runners` finalizer before any pod exists;
 *   2. the operator's status fields are applied (only when they changed) BEFORE pods are touched,
 *      so a restart is counted even if the operator dies right after deleting the failed pod;
 *   3. pods are deleted, RBAC ensured, pods created;
 *   4. a deleted job's finalizer goes once every runner pod is gone.
 * Errors: a plain error means "retry with backoff"; a TerminalError (bad spec, a pod the apiserver
 * rejects) is recorded on the job (Stalled) and not retried until the job changes.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { InvalidFieldError, formatValidationError } from '../api/field-error.ts';
import type { IngestJob, IngestJobStatus } from '../api/types.ts';
import { kubernetesJobCheck } from './admission-webhook.ts';
import type { JobChecker } from './admission-webhook.ts';
import { setCondition } from './conditions.ts';
import { TerminalError, apiMessage, httpStatus } from './errors.ts';
import { FINALIZER, splitKey } from './names.ts';
import type { OperatorApi } from './operator-api.ts';
import { operatorView, planJob } from './runner-plan.ts';
import type { OperatorStatus } from './runner-plan.ts';
import { JobAutoscalers } from './job-autoscaler.ts';
import { buildRunnerRbac } from './runner-rbac.ts';
import { specHash } from './spec-hash.ts';
import { stableJson } from './stable-json.ts';

const EXPECTATION_TTL_MS = 60_000;

export interface ReconcileResult {
  /** Look at this job again after this long even if nothing changes (a restart backoff ends). */
  requeueAfterMs?: number;
}

/** controller-runtime's Reconciler: one method, the key only. */
export interface Reconciler {
  reconcile(key: string): Promise<ReconcileResult>;
}

/** Read-only view of the caches. */
export interface JobCache {
  getJob(namespace: string, name: string): IngestJob | undefined;
  podsOfJob(namespace: string, job: string): V1Pod[];
}

export interface IngestJobReconcilerOptions {
  cache: JobCache;
  api: OperatorApi;
  /** @default Date.now */
  now?: () => number;
  /** Image when spec.runner.image is unset. @default DEFAULT_RUNNER_IMAGE ('ghcr.io/sluice-dev/sluice:0.1.0') */
  defaultImage?: string;
  /**
   * The admission webhook's check (the full `sluice validate` plus the Kubernetes path rule), run
   * again before any pod is made: a job admitted while the webhook was down or not installed is
   * marked InvalidSpec (Stalled) without spending a pod. @default kubernetesJobCheck
   */
  checkJob?: JobChecker;
  log?: (line: string) => void;
  /** Told about every change of spec.parallelism the autoscaler makes (metrics). */
  onScale?: (job: IngestJob, from: number, to: number) => void;
}

export class IngestJobReconciler implements Reconciler {
  private readonly opts: IngestJobReconcilerOptions;
  /**
   * The last status this operator applied per job uid. The job cache can lag behind our own
   * write (the pod-deleted event may arrive before the status update); restart counts are
   * taken as the max of both so a restart is never forgotten.
   */
  private readonly written = new Map<string, Map<number, number>>();
  private readonly autoscalers = new JobAutoscalers();
  /**
   * Expectations (as client-go's ReplicaSet controller keeps them): pods this operator created or
   * deleted whose event the pod cache has not shown yet. Without them a reconcile that runs
   * between our write and its watch event would see the old world and act (and report) twice.
   */
  private readonly expectations = new Map<string, { created: Map<string, { pod: V1Pod; at: number }>; deleted: Set<string> }>();

  constructor(opts: IngestJobReconcilerOptions) {
    this.opts = opts;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.opts.cache.getJob(namespace, name);
    if (!cached) return {}; // gone: its pods and RBAC are garbage-collected through ownerReferences
    const job = this.withWrittenStatus(cached);
    try {
      return await this.converge(job);
    } catch (err) {
      const terminal = this.classify(err);
      if (terminal) {
        await this.recordTerminal(job, terminal).catch((e: unknown) => this.opts.log?.(`${key}: recording ${terminal.reason} failed: ${apiMessage(e)}`));
        throw terminal;
      }
      throw err;
    }
  }

  /** Forget per-job memory of deleted jobs. */
  forgetJob(uid: string, key?: string): void {
    this.written.delete(uid);
    this.specErrors.delete(uid);
    this.autoscalers.forget(uid);
    if (key) this.expectations.delete(key);
  }

  private expectationsOf(key: string): { created: Map<string, { pod: V1Pod; at: number }>; deleted: Set<string> } {
    let e = this.expectations.get(key);
    if (!e) {
      e = { created: new Map(), deleted: new Set() };
      this.expectations.set(key, e);
    }
    return e;
  }

  /** The cached pods corrected by what we know we did and the cache has not shown yet. */
  private expectedPods(key: string, cached: V1Pod[], now: number): V1Pod[] {
    const e = this.expectations.get(key);
    if (!e) return cached;
    const names = new Set(cached.map((p) => p.metadata?.name));
    const uids = new Set(cached.map((p) => p.metadata?.uid));
    for (const uid of e.deleted) if (!uids.has(uid)) e.deleted.delete(uid);
    const out = cached.map((p) => {
      const uid = p.metadata?.uid ?? '';
      if (!e.deleted.has(uid)) return p;
      if (p.metadata?.deletionTimestamp) {
        e.deleted.delete(uid);
        return p;
      }
      return { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(now) } };
    });
    for (const [name, c] of e.created) {
      // Seen in the cache, or never coming (a minute is far beyond any watch delay): stop expecting.
      if (names.has(name) || now - c.at > EXPECTATION_TTL_MS) e.created.delete(name);
      else out.push({ ...c.pod, status: { phase: 'Pending' } });
    }
    return out;
  }

  private withWrittenStatus(job: IngestJob): IngestJob {
    const restarts = job.metadata.uid ? this.written.get(job.metadata.uid) : undefined;
    if (!restarts || !job.status) return job;
    const runners = (job.status.runners ?? []).map((r) => ({ ...r, restarts: Math.max(r.restarts ?? 0, restarts.get(r.index) ?? 0) }));
    return { ...job, status: { ...job.status, runners } };
  }

  /** The spec's errors, remembered per uid and generation (the plan check parses SQL). */
  private readonly specErrors = new Map<string, { generation: number; message: string | undefined }>();

  private specError(job: IngestJob): string | undefined {
    const uid = job.metadata.uid ?? '';
    const generation = job.metadata.generation ?? 0;
    const known = this.specErrors.get(uid);
    if (known && known.generation === generation) return known.message;
    const input = { apiVersion: job.apiVersion, kind: job.kind, metadata: { name: job.metadata.name, namespace: job.metadata.namespace }, spec: job.spec };
    const errors = (this.opts.checkJob ?? kubernetesJobCheck)(input);
    const message = errors.length === 0 ? undefined : `the spec is invalid (admitted while the admission webhook was not running?): ${errors.map(formatValidationError).join('; ')}`;
    this.specErrors.set(uid, { generation, message });
    return message;
  }

  private async converge(job: IngestJob): Promise<ReconcileResult> {
    const { api } = this.opts;
    const ns = job.metadata.namespace ?? 'default';
    if (!job.metadata.deletionTimestamp) {
      const invalid = this.specError(job);
      // Before the finalizer and before any pod: nothing to clean up, no pod spent.
      if (invalid !== undefined && this.opts.cache.podsOfJob(ns, job.metadata.name).length === 0) {
        const stalled = job.status?.conditions?.find((c) => c.type === 'Stalled');
        // Already recorded for this very spec (our own status write woke us): nothing to repeat.
        if (job.status?.lastAppliedSpecHash === specHash(job.spec) && stalled?.status === 'True' && stalled.reason === 'InvalidSpec') return {};
        throw new TerminalError('InvalidSpec', invalid);
      }
    }
    const finalizers = (job.metadata.finalizers as string[] | undefined) ?? [];
    if (!job.metadata.deletionTimestamp && !finalizers.includes(FINALIZER)) await api.addFinalizer(job, FINALIZER);

    const now = (this.opts.now ?? Date.now)();
    const key = `${ns}/${job.metadata.name}`;
    const plan = planJob({
      job,
      pods: this.expectedPods(key, this.opts.cache.podsOfJob(ns, job.metadata.name), now),
      now,
      defaultImage: this.opts.defaultImage,
    });

    const scaling = plan.status && !job.metadata.deletionTimestamp ? this.autoscalers.evaluate(job, now) : undefined;
    if (scaling && plan.status) plan.status.autoscaler = scaling.status;
    if (scaling?.scaleTo !== undefined) {
      // The new parallelism comes back as a spec change and is reconciled then; pods planned
      // for the old one are not touched now.
      const from = job.spec.parallelism ?? 1;
      await api.scaleJob(job, from, scaling.scaleTo);
      this.opts.onScale?.(job, from, scaling.scaleTo);
      plan.create = [];
      plan.delete = [];
    }
    const status = plan.status && stableJson(plan.status) !== stableJson(operatorView(job.status)) ? plan.status : undefined;
    const writeStatus = async (): Promise<void> => {
      if (!status) return;
      await api.applyStatus(job, status);
      // Only the restart counts are read back (withWrittenStatus): keep nothing else per job.
      if (job.metadata.uid) this.written.set(job.metadata.uid, new Map(status.runners.map((r) => [r.index, r.restarts ?? 0])));
    };
    // The status goes first when pods are deleted: a restart is counted before its pod goes. Pods
    // created carry their restart count in an annotation, so creation does not wait for the status
    // write; the ServiceAccount must exist before a pod naming it is admitted, so RBAC goes first.
    // Round trips from a new job to its pods: finalizer, then status ∥ RBAC, then the pods.
    let statusWritten: Promise<void> | undefined;
    if (plan.delete.length > 0 || plan.create.length === 0) await writeStatus();
    else statusWritten = writeStatus();
    if (scaling?.event) plan.events.push(scaling.event);
    if (plan.staleRunnerIndexes.length > 0) await api.removeRunnerEntries(job, plan.staleRunnerIndexes);
    const exp = this.expectationsOf(key);
    for (const d of plan.delete) {
      await api.deletePod(ns, d.name, d.uid);
      exp.deleted.add(d.uid);
    }
    if (plan.create.length > 0) {
      try {
        await Promise.all([statusWritten, api.ensureRbac(buildRunnerRbac(job))]);
        await Promise.all(plan.create.map(async (pod) => {
          await api.createPod(pod);
          exp.created.set(pod.metadata!.name!, { pod, at: now });
        }));
      } catch (err) {
        // A terminal error's own status write must land after this one, never before it.
        await statusWritten?.catch(() => undefined);
        throw err;
      }
    }
    await statusWritten;
    // Events are for humans: sent after the writes they describe and not waited for (a round
    // trip less per reconcile); losing one must not fail or repeat the reconcile.
    for (const e of plan.events) {
      api.recordEvent(job, e).catch((err: unknown) => this.opts.log?.(`${ns}/${job.metadata.name}: event ${e.reason} not recorded: ${apiMessage(err)}`));
    }
    if (plan.removeFinalizer) {
      await api.removeFinalizer(job, FINALIZER);
      if (job.metadata.uid) this.forgetJob(job.metadata.uid, key);
    }
    const requeue = [plan.requeueAfterMs, scaling?.recheckAfterMs].filter((x): x is number => x !== undefined);
    return requeue.length === 0 ? {} : { requeueAfterMs: Math.min(...requeue) };
  }

  private classify(err: unknown): TerminalError | undefined {
    if (err instanceof TerminalError) return err;
    if (err instanceof InvalidFieldError) return new TerminalError('InvalidSpec', err.message, err);
    const code = httpStatus(err);
    // The apiserver refused what we built from the spec (bad podTemplate, admission policy):
    // retrying the same request cannot help.
    if (code === 400 || code === 422) return new TerminalError('InvalidRunnerPod', `the apiserver rejected a runner object built from spec.runner: ${apiMessage(err)}`, err);
    return undefined;
  }

  private async recordTerminal(job: IngestJob, err: TerminalError): Promise<void> {
    const generation = job.metadata.generation ?? 0;
    const now = new Date().toISOString();
    let conditions = job.status?.conditions;
    conditions = setCondition(conditions, { type: 'Stalled', status: 'True', reason: err.reason, message: err.message }, generation, now);
    conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: err.reason, message: err.message }, generation, now);
    conditions = setCondition(conditions, { type: 'Reconciling', status: 'False', reason: err.reason, message: 'waiting for the spec to change' }, generation, now);
    const view = operatorView(job.status);
    // lastAppliedSpecHash marks this spec as tried: it stays Failed until the spec changes.
    const status: OperatorStatus = { ...view, observedGeneration: generation, conditions, phase: 'Failed' as IngestJobStatus['phase'], lastAppliedSpecHash: specHash(job.spec) };
    await this.opts.api.applyStatus(job, status);
    await this.opts.api.recordEvent(job, { type: 'Warning', reason: 'ReconcileError', message: err.message });
  }
}
