/**
 * What a failed reconcile means lives in the error's type, not its text (controller-runtime's
 * `reconcile.TerminalError`): a plain error is retried with backoff; a TerminalError is recorded on
 * the IngestJob (Stalled) and not retried until the object changes.
 */
import { SluiceError } from '../errors.ts';

export class TerminalError extends SluiceError {
  /** CamelCase reason for the Stalled condition and the Event. */
  readonly reason: string;

  constructor(reason: string, message: string, cause?: unknown) {
    super(message, { retriable: false, cause });
    this.reason = reason;
  }
}

/** HTTP status of a client-node ApiException (or a Watch error), if any. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The apiserver's own message (`Status.message`) from a client-node ApiException, or the error text. */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON: fall through
    }
  }
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
