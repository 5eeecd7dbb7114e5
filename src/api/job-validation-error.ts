import { JobFailedError } from '../errors.ts';
import { formatValidationError, type ValidationError } from './field-error.ts';

/**
 * An IngestJob that cannot run as written. Lists every error, each by field path, and names
 * where the job came from (a file, or `IngestJob <namespace>/<name>`). Not retriable: a human
 * must fix the spec (the operator reports it as condition Stalled).
 */
export class JobValidationError extends JobFailedError {
  readonly errors: readonly ValidationError[];
  readonly source: string;

  constructor(source: string, errors: readonly ValidationError[]) {
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    super(`${source}: invalid IngestJob (${count}):\n${errors.map((e) => `  ${formatValidationError(e)}`).join('\n')}`);
    this.errors = errors;
    this.source = source;
  }
}
