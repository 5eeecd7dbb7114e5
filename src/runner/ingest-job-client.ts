/**
 * The runner's only conversation with the Kubernetes API, with exactly the rights its per-job
 * Role grants: GET its IngestJob, and server-side apply its own entry of the status subresource
 * (`PATCH .../ingestjobs/<job>/status`, `application/apply-patch+yaml`, fieldManager
 * `sluice-runner-<i>`, force). `force` is safe: the runner is the only writer of its fields, and
 * it means a manager conflict (say, after an operator upgrade took a field) can never loop on 409.
 */
import { ApiException, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';
import type { IngestJob, RunnerStatus } from '../api/types.ts';
import { SluiceError } from '../errors.ts';
import type { IngestJobRef } from './runner-status.ts';
import { runnerFieldManager, runnerStatusApply } from './runner-status.ts';
import type { StatusSink } from './status-reporter.ts';

/** A Kubernetes API call failed; `code` is the HTTP status (0 when no answer came). */
export class KubeApiError extends SluiceError {
  readonly code: number;

  constructor(message: string, code: number, cause: unknown) {
    // 429 and 5xx are worth retrying; 4xx (forbidden, not found, invalid) are not.
    super(message, { retriable: code === 0 || code === 429 || code >= 500, cause });
    this.code = code;
  }
}

/** Kubernetes' `Status` reason text, if the body has one; never the request (tokens live there). */
function describe(e: unknown): { code: number; reason: string } {
  if (e instanceof ApiException) {
    const body: unknown = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    const msg = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : `HTTP ${e.code}`;
    return { code: e.code, reason: msg };
  }
  return { code: 0, reason: e instanceof Error ? e.message : String(e) };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export class IngestJobClient implements StatusSink {
  private readonly api: CustomObjectsApi;
  private readonly ref: IngestJobRef;
  private readonly fieldManager: string;

  constructor(kc: KubeConfig, ref: IngestJobRef, runnerIndex: number) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.ref = ref;
    this.fieldManager = runnerFieldManager(runnerIndex);
  }

  /** Credentials the way a pod gets them: KUBECONFIG, ~/.kube/config, else the in-cluster service account. */
  static fromDefault(ref: IngestJobRef, runnerIndex: number): IngestJobClient {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    return new IngestJobClient(kc, ref, runnerIndex);
  }

  private where(): string {
    return `ingestjobs.${GROUP} ${this.ref.namespace}/${this.ref.name}`;
  }

  /** @throws KubeApiError naming the IngestJob and the API's reason */
  async get(): Promise<IngestJob> {
    try {
      return (await this.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.ref.namespace, plural: PLURAL, name: this.ref.name })) as IngestJob;
    } catch (e) {
      const d = describe(e);
      const hint = d.code === 404 ? 'not found' : d.code === 403 ? 'forbidden (the runner service account needs get on this IngestJob)' : d.reason;
      throw new KubeApiError(`cannot read ${this.where()}: ${hint}`, d.code, e);
    }
  }

  /** Server-side apply of this runner's `status.runners[]` entry. @throws KubeApiError */
  async apply(status: RunnerStatus): Promise<void> {
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group: GROUP, version: VERSION, namespace: this.ref.namespace, plural: PLURAL, name: this.ref.name,
          body: runnerStatusApply(this.ref, status), fieldManager: this.fieldManager, force: true,
        },
        // The generated client serialises the body as JSON (valid YAML) and would label it a JSON
        // patch; this header makes the apiserver read it as an apply configuration.
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    } catch (e) {
      const d = describe(e);
      throw new KubeApiError(`status update of ${this.where()} runner ${status.index} failed: ${d.reason}`, d.code, e);
    }
  }
}
