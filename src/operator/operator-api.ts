/**
 * Every write the reconciler makes, behind one small interface so the reconciler is tested with a
 * fake and the real thing (`kube-operator-api.ts`) stays a thin translation to API calls.
 * Implementations treat "already so" answers (create → 409, delete → 404) as success.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { IngestJob } from '../api/types.ts';
import type { JobEvent, OperatorStatus } from './runner-plan.ts';
import type { RunnerRbac } from './runner-rbac.ts';

export interface OperatorApi {
  /** Adds the finalizer, guarded so a concurrent change is not overwritten. */
  addFinalizer(job: IngestJob, finalizer: string): Promise<void>;
  removeFinalizer(job: IngestJob, finalizer: string): Promise<void>;
  /** Server-side apply of the operator's status fields (field manager sluice-operator, force). */
  applyStatus(job: IngestJob, status: OperatorStatus): Promise<void>;
  /** Removes status.runners entries of indexes that no longer exist (fields other managers own too). */
  removeRunnerEntries(job: IngestJob, indexes: number[]): Promise<void>;
  createPod(pod: V1Pod): Promise<void>;
  /** Deletes with the pod's own grace period (SIGTERM → final checkpoint), only if its uid matches. */
  deletePod(namespace: string, name: string, uid: string): Promise<void>;
  /** Creates the ServiceAccount, Role and RoleBinding, or brings the Role's rules back. */
  ensureRbac(rbac: RunnerRbac): Promise<void>;
  recordEvent(job: IngestJob, event: JobEvent): Promise<void>;
  /**
   * Sets spec.parallelism through the scale subresource (field manager sluice-autoscaler), only if
   * it is still `from`: a concurrent change fails it (then the reconcile retries from fresh state).
   */
  scaleJob(job: IngestJob, from: number, to: number): Promise<void>;
}
