/**
 * The partition-time extractor's settings (`spec.sink.partitionCommit.timestampPattern`,
 * `timestampFormatter`, `watermarkTimeZone`), checked before anything runs: each would
 * otherwise fail only at the first partition commit, mid-stream, after data was written.
 */
import { formatterProblem, zoneProblem } from '../sink/partition-time.ts';
import type { ValidationError } from './field-error.ts';
import type { IngestJobSpec } from './types.ts';

const FIELD = 'spec.sink.partitionCommit';

export function checkPartitionTimeSettings(spec: IngestJobSpec): ValidationError[] {
  const commit = spec.sink.partitionCommit;
  if (commit === undefined) return [];
  const errors: ValidationError[] = [];
  const partitionBy = spec.sink.partitionBy ?? [];
  if (commit.timestampPattern !== undefined) {
    // the extractor fills `$name` from the partition column `name` (partition-time.ts)
    for (const m of commit.timestampPattern.matchAll(/\$(\w+)/gu)) {
      if (!partitionBy.includes(m[1]!)) {
        const have = partitionBy.length === 0 ? 'there are no partition columns' : `partitionBy is ${partitionBy.join(', ')}`;
        errors.push({ path: `${FIELD}.timestampPattern`, message: `$${m[1]} is not a partition column (${have})` });
      }
    }
    if (!commit.timestampPattern.includes('$')) {
      errors.push({ path: `${FIELD}.timestampPattern`, message: 'names no partition column ($column): every partition would get the same time' });
    }
  }
  if (commit.timestampFormatter !== undefined) {
    const problem = formatterProblem(commit.timestampFormatter);
    if (problem !== null) errors.push({ path: `${FIELD}.timestampFormatter`, message: `${JSON.stringify(commit.timestampFormatter)}: ${problem}` });
  }
  if (commit.watermarkTimeZone !== undefined) {
    const problem = zoneProblem(commit.watermarkTimeZone);
    if (problem !== null) errors.push({ path: `${FIELD}.watermarkTimeZone`, message: problem });
  }
  return errors;
}
