/**
 * The validating admission webhook for IngestJobs: `POST /validate-ingestjob` takes an
 * admission.k8s.io/v1 AdmissionReview and answers it with the full `sluice validate`
 * (`checkIngestJob` with the Kubernetes path rule), so `kubectl apply` refuses a bad query, an
 * unknown function, a partition column the query does not produce or a relative path, naming
 * the field (and, for SQL, the line and column), before any runner pod is spent.
 *
 * Served over TLS by every operator replica, leader or not (the apiserver calls any endpoint of
 * the Service). Only CREATE and UPDATE are checked, and an UPDATE only when the spec changed: a
 * label, a finalizer removal or a job already being deleted must never be blocked by a rule that
 * was added after the job was stored.
 */
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ValidationError } from '../api/field-error.ts';
import { formatValidationError } from '../api/field-error.ts';
import { checkIngestJob } from '../pipeline/job-check.ts';
import { stableJson } from './stable-json.ts';

export const WEBHOOK_PATH = '/validate-ingestjob';
/** Bodies above this are refused before parsing (the apiserver's own limit for an object is 3 MiB). */
const MAX_BODY_BYTES = 4 << 20;

export interface AdmissionRequest {
  uid: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  subResource?: string;
  object?: { metadata?: { deletionTimestamp?: string }; spec?: unknown } & Record<string, unknown>;
  oldObject?: { spec?: unknown } & Record<string, unknown>;
}

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string; details?: { causes: Array<{ type: string; field: string; message: string }> } };
}

export type JobChecker = (job: unknown) => ValidationError[];

export const kubernetesJobCheck: JobChecker = (job) => checkIngestJob(job, { onKubernetes: true });

/** The decision for one AdmissionReview request (pure). */
export function reviewIngestJob(request: AdmissionRequest, check: JobChecker = kubernetesJobCheck): AdmissionResponse {
  const allow: AdmissionResponse = { uid: request.uid, allowed: true };
  if (request.subResource) return allow; // status is written by the operator and the runners
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow;
  const obj = request.object;
  if (!obj || obj.metadata?.deletionTimestamp) return allow;
  if (request.operation === 'UPDATE' && stableJson(obj.spec) === stableJson(request.oldObject?.spec)) return allow;
  // What `sluice run` would read: status and server metadata are not the job's input.
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const input = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: meta.name ?? meta.generateName ?? 'unnamed', namespace: meta.namespace }, spec: obj.spec };
  const errors = check(input);
  if (errors.length === 0) return allow;
  return {
    uid: request.uid,
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message: `IngestJob ${errors.length === 1 ? 'has an error' : `has ${errors.length} errors`}: ${errors.map(formatValidationError).join('; ')}`,
      details: { causes: errors.map((e) => ({ type: 'FieldValueInvalid', field: e.path, message: e.message })) },
    },
  };
}

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface WebhookOptions {
  port: number;
  host?: string;
  /** PEM serving certificate and key (the chart mounts them from a Secret). */
  cert: string | Buffer;
  key: string | Buffer;
  check?: JobChecker;
  log?: (line: string) => void;
}

export async function startAdmissionWebhook(o: WebhookOptions): Promise<WebhookServer> {
  const server: Server = createServer({ cert: o.cert, key: o.key }, (req, res) => {
    const reply = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== WEBHOOK_PATH) {
      reply(404, { message: `only POST ${WEBHOOK_PATH}` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reply(413, { message: 'AdmissionReview too large' });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      let review: AdmissionReview;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
      } catch {
        reply(400, { message: 'body is not an AdmissionReview (JSON)' });
        return;
      }
      if (!review.request?.uid) {
        reply(400, { message: 'AdmissionReview without request.uid' });
        return;
      }
      let response: AdmissionResponse;
      try {
        response = reviewIngestJob(review.request, o.check);
      } catch (e) {
        // A bug in a check must not let a job through unseen, nor hang the apiserver's call.
        o.log?.(`admission review ${review.request.uid} failed: ${(e as Error).message}`);
        response = { uid: review.request.uid, allowed: false, status: { code: 500, reason: 'InternalError', message: `sluice validation failed: ${(e as Error).message}` } };
      }
      reply(200, { apiVersion: review.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
