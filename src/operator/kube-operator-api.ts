/**
 * OperatorApi on @kubernetes/client-node 2.0.1. Status goes by server-side apply on the status
 * subresource (never a read-modify-write PUT, so no 409 loops with the runners, who apply their
 * own entries); finalizers by JSON patch with a `test` op (optimistic, no lost update).
 */
import {
  CoreV1Api, CustomObjectsApi, EventsV1Api, V1MicroTime, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';
import type { IngestJob } from '../api/types.ts';
import { httpStatus } from './errors.ts';
import { API_GROUP_VERSION } from './ingest-job-ref.ts';
import { FIELD_MANAGER } from './names.ts';
import type { OperatorApi } from './operator-api.ts';
import type { JobEvent, OperatorStatus } from './runner-plan.ts';
import type { RunnerRbac } from './runner-rbac.ts';
import { AUTOSCALER_FIELD_MANAGER } from './scale-owner.ts';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

async function ignore(codes: number[], p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!codes.includes(httpStatus(err) ?? 0)) throw err;
  }
}

export class KubeOperatorApi implements OperatorApi {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly events: EventsV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  private readonly identity: string;

  constructor(kc: KubeConfig, identity: string) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.events = kc.makeApiClient(EventsV1Api);
    this.rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    this.identity = identity;
  }

  private ref(job: IngestJob): { group: string; version: string; plural: string; namespace: string; name: string } {
    return { group: GROUP, version: VERSION, plural: PLURAL, namespace: job.metadata.namespace ?? 'default', name: job.metadata.name };
  }

  async addFinalizer(job: IngestJob, finalizer: string): Promise<void> {
    const current = (job.metadata.finalizers as string[] | undefined) ?? [];
    if (current.includes(finalizer)) return;
    const body = current.length === 0
      ? [{ op: 'test', path: '/metadata/resourceVersion', value: job.metadata.resourceVersion }, { op: 'add', path: '/metadata/finalizers', value: [finalizer] }]
      : [{ op: 'test', path: '/metadata/finalizers', value: current }, { op: 'add', path: '/metadata/finalizers/-', value: finalizer }];
    // The `test` op makes this optimistic: had anyone changed the list (or, with no list yet, the
    // object) since our read, the patch fails with 422 and the reconcile retries from fresh state.
    await this.custom.patchNamespacedCustomObject({ ...this.ref(job), body, fieldManager: FIELD_MANAGER }, jsonPatch);
  }

  async removeFinalizer(job: IngestJob, finalizer: string): Promise<void> {
    const current = (job.metadata.finalizers as string[] | undefined) ?? [];
    if (!current.includes(finalizer)) return;
    const body = [
      { op: 'test', path: '/metadata/finalizers', value: current },
      { op: 'replace', path: '/metadata/finalizers', value: current.filter((f) => f !== finalizer) },
    ];
    await ignore([404], this.custom.patchNamespacedCustomObject({ ...this.ref(job), body, fieldManager: FIELD_MANAGER }, jsonPatch));
  }

  async applyStatus(job: IngestJob, status: OperatorStatus): Promise<void> {
    const body = { apiVersion: API_GROUP_VERSION, kind: 'IngestJob', metadata: { name: job.metadata.name, namespace: job.metadata.namespace }, status };
    await this.custom.patchNamespacedCustomObjectStatus({ ...this.ref(job), body, fieldManager: FIELD_MANAGER, force: true }, applyPatch);
  }

  async removeRunnerEntries(job: IngestJob, indexes: number[]): Promise<void> {
    // Positions from a fresh read: the cached job predates the status this reconcile just applied
    // and the runners' own applies, so its list order may be stale.
    const fresh = await this.custom.getNamespacedCustomObjectStatus(this.ref(job)) as IngestJob;
    const runners = fresh.status?.runners ?? [];
    // Highest position first so earlier removals do not shift later ones; each guarded by a test
    // of its index so a concurrent reorder fails the patch instead of removing the wrong entry.
    const ops = runners
      .map((r, pos) => ({ r, pos }))
      .filter(({ r }) => indexes.includes(r.index))
      .sort((a, b) => b.pos - a.pos)
      .flatMap(({ r, pos }) => [{ op: 'test', path: `/status/runners/${pos}/index`, value: r.index }, { op: 'remove', path: `/status/runners/${pos}` }]);
    if (ops.length === 0) return;
    try {
      await this.custom.patchNamespacedCustomObjectStatus({ ...this.ref(job), body: ops, fieldManager: FIELD_MANAGER }, jsonPatch);
    } catch (err) {
      // 422 is a failed `test`: the list changed since the read. Retry, never a bad spec.
      if (httpStatus(err) === 422) throw new Error(`status.runners of ${job.metadata.name} changed while removing entries ${indexes.join(', ')}`, { cause: err });
      throw err;
    }
  }

  async scaleJob(job: IngestJob, from: number, to: number): Promise<void> {
    const body = [{ op: 'test', path: '/spec/replicas', value: from }, { op: 'replace', path: '/spec/replicas', value: to }];
    try {
      await this.custom.patchNamespacedCustomObjectScale({ ...this.ref(job), body, fieldManager: AUTOSCALER_FIELD_MANAGER }, jsonPatch);
    } catch (err) {
      // 422 here is the failed `test`: someone changed spec.parallelism since our read. A plain
      // error, so the reconcile retries with fresh state rather than recording a bad spec.
      if (httpStatus(err) === 422) throw new Error(`spec.parallelism of ${job.metadata.name} is no longer ${from}; not scaling to ${to}`, { cause: err });
      throw err;
    }
  }

  async createPod(pod: V1Pod): Promise<void> {
    await ignore([409], this.core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod, fieldManager: FIELD_MANAGER }));
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<void> {
    // 409: the uid precondition failed, the pod was already replaced: nothing of ours to delete.
    await ignore([404, 409], this.core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid } } }));
  }

  async ensureRbac(r: RunnerRbac): Promise<void> {
    const ns = r.serviceAccount.metadata!.namespace!;
    // Independent objects (a RoleBinding may name a Role that does not exist yet): one round trip.
    const role = async (): Promise<void> => {
      try {
        await this.rbac.createNamespacedRole({ namespace: ns, body: r.role, fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (httpStatus(err) !== 409) throw err;
        // It exists: make its rules ours again (a hand edit could have widened or broken them).
        await this.rbac.replaceNamespacedRole({ name: r.role.metadata!.name!, namespace: ns, body: r.role, fieldManager: FIELD_MANAGER });
      }
    };
    await Promise.all([
      ignore([409], this.core.createNamespacedServiceAccount({ namespace: ns, body: r.serviceAccount, fieldManager: FIELD_MANAGER })),
      role(),
      ignore([409], this.rbac.createNamespacedRoleBinding({ namespace: ns, body: r.roleBinding, fieldManager: FIELD_MANAGER })),
    ]);
  }

  /** events.k8s.io/v1 (what `kubectl events` and `kubectl describe` read), regarding the IngestJob. */
  async recordEvent(job: IngestJob, e: JobEvent): Promise<void> {
    const namespace = job.metadata.namespace ?? 'default';
    await this.events.createNamespacedEvent({
      namespace,
      body: {
        // client-go's naming (`<object>.<unix nanos in hex>`): events.k8s.io refuses a generateName
        // ending in '.', and this is unique per object at any event rate the operator produces.
        metadata: { name: `${job.metadata.name}.${(BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n).toString(16)}`, namespace },
        regarding: { apiVersion: API_GROUP_VERSION, kind: 'IngestJob', name: job.metadata.name, namespace, uid: job.metadata.uid },
        reason: e.reason,
        action: e.reason,
        note: e.message.length > 1024 ? `${e.message.slice(0, 1021)}...` : e.message,
        type: e.type,
        eventTime: new V1MicroTime(),
        reportingController: 'sluice.dev/operator',
        reportingInstance: this.identity.slice(0, 128),
      },
    });
  }
}
