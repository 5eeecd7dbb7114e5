/**
 * loadIngestJob: a YAML file → a validated IngestJob and its ResolvedSpec, for `sluice run`
 * and `sluice validate`. The file holds exactly one document; anything else is refused with
 * the file name and what was found.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { withDefaults } from './defaults.ts';
import { JobValidationError } from './job-validation-error.ts';
import type { ResolvedSpec } from './resolved-spec.ts';
import type { IngestJob } from './types.ts';
import { validateIngestJob } from './validate.ts';

export interface LoadedIngestJob {
  job: IngestJob;
  resolved: ResolvedSpec;
}

/**
 * Parses, validates and resolves one IngestJob from YAML text.
 * @param source the file name (or other origin) named in errors
 * @throws JobValidationError on YAML syntax errors, wrong document count or kind, or any invalid field
 */
export function parseIngestJob(text: string, source: string): LoadedIngestJob {
  const documents = parseAllDocuments(text);
  // A `---` separated list yields an array; a single document yields one Document.
  const docs = Array.isArray(documents) ? documents : [documents];
  const nonEmpty = docs.filter((d) => d.contents !== null);
  if (nonEmpty.length !== 1) {
    throw new JobValidationError(source, [{ path: '', message: `expected exactly one YAML document with an IngestJob, found ${nonEmpty.length}` }]);
  }
  const doc = nonEmpty[0]!;
  if (doc.errors.length > 0) {
    throw new JobValidationError(source, doc.errors.map((e) => ({ path: '', message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/:$/u, '')}` })));
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (kind !== undefined && kind !== 'IngestJob') {
    throw new JobValidationError(source, [{ path: 'kind', message: `this file holds a ${String(kind)}, not an IngestJob` }]);
  }
  const errors = validateIngestJob(value);
  if (errors.length > 0) throw new JobValidationError(source, errors);
  const job = value as IngestJob;
  return { job, resolved: withDefaults(job.spec, job.metadata.name) };
}

/** Reads `file` and returns the job with its ResolvedSpec. @throws JobValidationError naming the file */
export async function loadIngestJob(file: string): Promise<LoadedIngestJob> {
  return parseIngestJob(await readFile(file, 'utf8'), file);
}
