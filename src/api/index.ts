/**
 * @module api — the IngestJob API: types, the one schema, validation, defaults, loading.
 * See README.md for how the parts fit.
 */
export * from './types.ts';
export type { ResolvedSpec, ResolvedSource, ResolvedSink, ResolvedKafkaSource, ResolvedFormat, ResolvedCsvFormat, ResolvedJsonFormat, ResolvedStorage, ResolvedJindoNamespace, ResolvedOssAccess, ResolvedRollingPolicy, ResolvedPartitionCommit, PartitionOffset } from './resolved-spec.ts';
export { type ValidationError, formatValidationError, InvalidFieldError } from './field-error.ts';
export { JobValidationError } from './job-validation-error.ts';
export { parseDuration } from './duration.ts';
export { parseMemorySize } from './memory-size.ts';
export { withDefaults, resolveSpec } from './defaults.ts';
export { validateIngestJob, API_VERSION } from './validate.ts';
export { loadIngestJob, parseIngestJob, type LoadedIngestJob } from './load.ts';
export { buildIngestJobCrd, renderIngestJobCrd, CRD_NAME } from './crd.ts';
export { ingestJobSchema } from './schema.ts';
