/**
 * What the schema alone cannot check, checked before anything runs: the transform compiles
 * against the source schema, the formats accept their options, and every partition column is an
 * output column, and at least one output column is left for the file body. `sluice validate` and `sluice run` both use it, so a bad query is an error that
 * names the field and its position, never a stack trace half way through a start.
 */
import type { IngestJob } from '../api/types.ts';
import { createDecoder, FormatOptionsError } from '../formats/index.ts';
import { createPartFormat } from '../formats/part-format.ts';
import { compileQuery, SqlError } from '../sql/index.ts';
import type { CompiledQuery } from '../sql/index.ts';

export interface PlanError {
  path: string;
  message: string;
}

export function checkJobPlan(job: IngestJob): PlanError[] {
  const s = job.spec;
  const errors: PlanError[] = [];
  const guard = (path: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (e instanceof SqlError || e instanceof FormatOptionsError) errors.push({ path, message: e.message });
      else throw e;
    }
  };
  guard('spec.source.format', () => void createDecoder(s.source.format, s.source.schema));
  let query: CompiledQuery | undefined;
  guard('spec.transform.query', () => {
    query = compileQuery(s.transform?.query ?? 'SELECT * FROM source', s.source.schema, s.transform?.functions ?? []);
  });
  if (query !== undefined) {
    const out = query.outputSchema;
    const partitionBy = s.sink.partitionBy ?? [];
    partitionBy.forEach((k, i) => {
      if (!out.some((f) => f.name === k)) {
        errors.push({ path: `spec.sink.partitionBy[${i}]`, message: `column '${k}' is not in the query's output (${out.map((f) => f.name).join(', ')})` });
      }
    });
    const body = out.map((_, i) => i).filter((i) => !partitionBy.includes(out[i]!.name));
    if (body.length === 0 && out.length > 0) {
      // Every value would be in the directory names and each record an empty line in its file.
      errors.push({
        path: 'spec.sink.partitionBy',
        message: `partitions by every output column (${out.map((f) => f.name).join(', ')}): the part files would hold only empty lines. Leave at least one column out of partitionBy`,
      });
    }
    guard('spec.sink.format', () => void createPartFormat(s.sink.format, out, body));
  }
  return errors;
}

export function formatPlanErrors(file: string, errors: PlanError[]): string {
  return `${file}: IngestJob ${errors.length === 1 ? 'has an error' : `has ${errors.length} errors`}:\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`;
}
