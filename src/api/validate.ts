/**
 * validateIngestJob: every reason an IngestJob would be refused, without a cluster.
 *
 * 1. The envelope: apiVersion, kind, metadata.name (the apiserver checks these itself).
 * 2. spec and status against `schema.ts` — the object the CRD is generated from — including
 *    its CEL rules, evaluated from the same rule text. Unknown fields are errors here.
 * 3. What only parsing can tell (a checkpoint interval under 10ms, a 50KB OSS part size), and
 *    what would fail later or make the output unreadable: checkpoint or dead-letter files in a
 *    visible part of the sink (state-location.ts), partition-time extractor settings that
 *    cannot work (partition-time-settings.ts), endpoints and paths the storage clients refuse
 *    (storage/endpoint-checks.ts).
 *
 * Never throws on bad input; returns all errors, in document order.
 */
import { checkStorageEndpoints } from '../storage/endpoint-checks.ts';
import { resolveSpec } from './defaults.ts';
import type { ValidationError } from './field-error.ts';
import { checkPartitionTimeSettings } from './partition-time-settings.ts';
import { checkAgainstSchema } from './schema-check.ts';
import { DNS_LABEL_PATTERN, specSchema, statusSchema } from './schema.ts';
import type { JSONSchemaProps } from './schema-types.ts';
import { checkStateLocations } from './state-location.ts';
import { GROUP, KIND, VERSION, type IngestJobSpec } from './types.ts';

export const API_VERSION = `${GROUP}/${VERSION}`;

/** What `sluice run` needs of metadata; the rest (uid, labels, managedFields...) passes through. */
const metadataSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      maxLength: 63,
      pattern: DNS_LABEL_PATTERN,
    },
    namespace: { type: 'string', maxLength: 63, pattern: DNS_LABEL_PATTERN },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['name'],
  'x-kubernetes-preserve-unknown-fields': true,
};

const ENVELOPE_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/**
 * `celOnly`: keep every CEL rule's message exactly as the apiserver words it (a test compares
 * the two); by default a message that can say more than the CEL cost budget lets it does.
 */
export function validateIngestJob(obj: unknown, o: { celOnly?: boolean } = {}): ValidationError[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return [{ path: '', message: `an IngestJob must be a mapping with apiVersion, kind, metadata and spec; got ${obj === null ? 'null' : Array.isArray(obj) ? 'a list' : `a ${typeof obj}`}` }];
  }
  const job = obj as Record<string, unknown>;
  const errors: ValidationError[] = [];
  if (job.apiVersion !== API_VERSION) {
    errors.push({ path: 'apiVersion', message: `must be ${API_VERSION}; got ${JSON.stringify(job.apiVersion ?? null)}` });
  }
  if (job.kind !== KIND) errors.push({ path: 'kind', message: `must be ${KIND}; got ${JSON.stringify(job.kind ?? null)}` });
  if (job.metadata === undefined) errors.push({ path: 'metadata', message: 'is required (with a name)' });
  else errors.push(...checkAgainstSchema(metadataSchema, job.metadata, 'metadata'));
  for (const key of Object.keys(job)) {
    if (!ENVELOPE_KEYS.has(key)) errors.push({ path: key, message: 'unknown field; an IngestJob has apiVersion, kind, metadata, spec, status' });
  }

  if (job.spec === undefined) {
    errors.push({ path: 'spec', message: 'is required' });
    return errors;
  }
  const specErrors = checkAgainstSchema(specSchema, job.spec, 'spec');
  errors.push(...specErrors);
  if (job.status !== undefined) errors.push(...checkAgainstSchema(statusSchema, job.status, 'status'));

  // Parsing assumes a well-formed spec; on a malformed one its findings would only repeat the above.
  if (specErrors.length === 0) {
    const name = (job.metadata as { name?: unknown } | undefined)?.name;
    const spec = job.spec as IngestJobSpec;
    errors.push(...resolveSpec(spec, typeof name === 'string' ? name : 'job').errors);
    errors.push(...checkStateLocations(spec), ...checkPartitionTimeSettings(spec), ...checkStorageEndpoints(spec));
  }
  return o.celOnly === true ? errors : errors.map((e) => withDefinedNamespaces(e, job.spec));
}

const UNDEFINED_JFS = /^jfs namespace \S+ is not defined in storage\.jindofs\.namespaces$/;

/**
 * The CRD's rule names the missing jfs:// namespace only: listing the defined ones in CEL would
 * cost over 100 times the apiserver's budget (map keys have no maxLength). Everywhere else
 * (sluice validate and run, the admission webhook, the operator) the message lists them too.
 */
function withDefinedNamespaces(e: ValidationError, spec: unknown): ValidationError {
  if (!UNDEFINED_JFS.test(e.message)) return e;
  const ns = (spec as { storage?: { jindofs?: { namespaces?: Record<string, unknown> } } } | undefined)?.storage?.jindofs?.namespaces;
  const names = ns !== null && typeof ns === 'object' ? Object.keys(ns).sort() : [];
  return { ...e, message: `${e.message} (${names.length === 0 ? 'none is defined' : `defined: ${names.join(', ')}`})` };
}
