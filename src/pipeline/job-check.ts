/**
 * Everything `sluice validate` checks, for a job given as an object: the schema and its CEL rules
 * (`validateIngestJob`, the CRD's twin), then — once the spec has the right shape — the plan
 * (`checkJobPlan`: query, functions, types, partition columns, formats). The admission webhook and
 * the operator call it with `onKubernetes`, which adds the one rule that depends on where the job
 * runs: a runner pod has no meaningful working directory (its root is read-only), so every path
 * must be absolute or scheme-qualified (`/data/out`, `hdfs://…`), never `../out`.
 */
import type { ValidationError } from '../api/field-error.ts';
import type { IngestJob } from '../api/types.ts';
import { validateIngestJob } from '../api/validate.ts';
import { checkJobPlan } from './job-plan.ts';

export interface JobCheckOptions {
  /** The job runs in runner pods: relative paths are refused. */
  onKubernetes?: boolean;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The spec's path fields, as `[field path, value]`. */
function pathFields(job: IngestJob): Array<[string, string]> {
  const s = job.spec;
  const out: Array<[string, string | undefined]> = [
    ['spec.source.files.path', s.source?.files?.path],
    ['spec.sink.path', s.sink?.path],
    ['spec.checkpoint.dir', s.checkpoint?.dir],
    ['spec.source.badRecords.deadLetter', s.source?.badRecords?.deadLetter],
  ];
  for (const [name, ns] of Object.entries(s.storage?.jindofs?.namespaces ?? {})) {
    out.push([`spec.storage.jindofs.namespaces.${name}.fuseMountPath`, ns.fuseMountPath]);
  }
  return out.filter((e): e is [string, string] => typeof e[1] === 'string');
}

/** Relative paths, which on Kubernetes would resolve against the runner process's working directory. */
export function kubernetesPathErrors(job: IngestJob): ValidationError[] {
  return pathFields(job)
    .filter(([, v]) => !v.startsWith('/') && !SCHEME.test(v))
    .map(([path, v]) => ({
      path,
      message: `must be an absolute path or a URI on Kubernetes (a runner pod has no working directory to resolve ${JSON.stringify(v.length > 64 ? `${v.slice(0, 61)}...` : v)} against); mount a volume and use its absolute path, or use hdfs://, oss://, jfs://`,
    }));
}

/**
 * Every error `sluice validate` would report for this job, paths from `spec`; empty when valid.
 * Plan errors are looked for only when the schema holds (the plan needs well-formed input).
 */
export function checkIngestJob(job: unknown, opts: JobCheckOptions = {}): ValidationError[] {
  const errors = validateIngestJob(job);
  if (errors.length > 0) return errors;
  const j = job as IngestJob;
  return [...(opts.onKubernetes ? kubernetesPathErrors(j) : []), ...checkJobPlan(j)];
}
