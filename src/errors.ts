/**
 * One error hierarchy (kafkajs-style): every error Sluice raises on purpose is a SluiceError
 * with a `retriable` flag and an optional `cause`. Retry logic reads the flag, never the text.
 */
export interface SluiceErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class SluiceError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** The job cannot go on without a human: bad spec, bad record under the fail policy. */
export class JobFailedError extends SluiceError {}

/** Another process claimed a newer epoch for this runner index: this one must stop at once. */
export class FencedError extends SluiceError {
  constructor(job: string, runner: number, ownEpoch: number, newerEpoch: number) {
    super(
      `another runner owns job ${job} runner ${runner}: epoch ${newerEpoch} was claimed after this process's epoch ${ownEpoch}; exiting without committing`,
    );
  }
}
