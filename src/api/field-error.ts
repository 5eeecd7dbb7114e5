import { SluiceError } from '../errors.ts';

/**
 * One bad field of an IngestJob, by its path from the resource root
 * (`spec.sink.rollingPolicy.fileSize`). The same shape whether it came from the structural
 * schema, a CEL rule, or parsing a duration/size, so every producer renders alike.
 */
export interface ValidationError {
  path: string;
  message: string;
}

/** `spec.sink.rollingPolicy.fileSize: must be a size like 2MB or 128mb`. */
export function formatValidationError(error: ValidationError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}

/** A single field could not be parsed (a duration, a memory size...). `message` is already prefixed by the path. */
export class InvalidFieldError extends SluiceError {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(formatValidationError({ path, message: reason }));
    this.path = path;
    this.reason = reason;
  }

  toValidationError(): ValidationError {
    return { path: this.path, message: this.reason };
  }
}
