/**
 * What the informer caches keep of each object (controller-runtime's cache `DefaultTransform` and
 * `ByObject` field selection, in TypeScript): only the fields the reconciler reads, applied to
 * every object on receipt, before it is stored. With thousands of jobs the cache is most of the
 * operator's memory, and most of an object is managedFields, pod specs and fields nothing here reads.
 *
 *   - IngestJob: identity, generation, resourceVersion, deletionTimestamp, finalizers, the
 *     managedFields entries that own spec.parallelism (scale-owner.ts), spec and status. Specs
 *     equal to one already cached are replaced by that one (`SpecInterner`): jobs stamped from one
 *     template share one decoded spec.
 *   - Pod: identity, labels, the sluice.dev annotations, ownerReferences that control it,
 *     deletionTimestamp, and the status the plan reads (phase, reason, condition times, the
 *     container's terminated state). No pod spec.
 * Cached objects are read-only from here on: they may be shared.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { IngestJob, IngestJobSpec } from '../api/types.ts';
import { slimManagedFields } from './scale-owner.ts';
import type { ManagedFieldsEntry } from './scale-owner.ts';

/**
 * One object per distinct spec. Weak: a spec no cached job holds any more is collected, and its
 * entry goes with it.
 */
export class SpecInterner {
  private readonly specs = new Map<string, WeakRef<IngestJobSpec>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    if (this.specs.get(key)?.deref() === undefined) this.specs.delete(key);
  });

  intern(spec: IngestJobSpec): IngestJobSpec {
    const key = JSON.stringify(spec);
    const known = this.specs.get(key)?.deref();
    if (known) return known;
    this.specs.set(key, new WeakRef(spec));
    this.registry.register(spec, key);
    return spec;
  }

  /** Distinct specs alive (for tests). */
  get size(): number {
    return this.specs.size;
  }
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export function slimIngestJob(job: IngestJob, specs?: SpecInterner): IngestJob {
  const m = job.metadata;
  const metadata = defined({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    generation: m.generation,
    resourceVersion: m.resourceVersion,
    deletionTimestamp: m.deletionTimestamp,
    finalizers: m.finalizers,
    managedFields: slimManagedFields(m.managedFields as ManagedFieldsEntry[] | undefined),
  });
  return defined({ apiVersion: job.apiVersion, kind: job.kind, metadata, spec: specs ? specs.intern(job.spec) : job.spec, status: job.status });
}

const SLUICE_PREFIX = 'sluice.dev/';

function sluiceOnly(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(map)) {
    if (k.startsWith(SLUICE_PREFIX)) {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

export function slimPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  const s = pod.status;
  const metadata = defined({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    labels: sluiceOnly(m.labels),
    annotations: sluiceOnly(m.annotations),
    ownerReferences: m.ownerReferences?.filter((o) => o.controller).map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: true })),
  });
  if (!s) return { metadata };
  const status = defined({
    phase: s.phase,
    reason: s.reason,
    // reason and message of a False condition (PodScheduled: Unschedulable) and a waiting
    // container's (CreateContainerConfigError, ErrImagePull) are why a pod cannot start
    // (pod-state.ts waitingCause), shown on the job.
    conditions: s.conditions?.map((c) => defined({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message })),
    containerStatuses: s.containerStatuses?.map((c) => {
      const t = c.state?.terminated;
      const w = c.state?.waiting;
      return {
        name: c.name, image: '', imageID: '', ready: c.ready, restartCount: c.restartCount,
        ...(t ? { state: { terminated: defined({ exitCode: t.exitCode, reason: t.reason, startedAt: t.startedAt, finishedAt: t.finishedAt }) } }
          : w ? { state: { waiting: defined({ reason: w.reason, message: w.message }) } } : {}),
      };
    }),
  });
  return { metadata, status };
}
