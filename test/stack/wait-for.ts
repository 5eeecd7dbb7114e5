/**
 * Polling with a deadline: how the stack waits for a daemon to answer or to exit. There is no
 * event to await for "the broker serves metadata", so a check is polled, quickly at first and
 * then at most every `maxIntervalMs`, and the wait always ends.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { logTail } from './log-tail.ts';

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  deadlineMs: number;
  /** Logs whose tails the timeout error carries, so it says why the daemon never got ready. @default [] */
  logs?: readonly string[];
  /** Longest pause between two checks; pauses start at 50 ms and double up to it. @default 1000 */
  maxIntervalMs?: number;
}

/**
 * Resolves once `check` returns true; rejects with `timed out after <s>s waiting for <what>` (and
 * the logs' tails) once the deadline has passed. An error thrown by `check` ends the wait at once:
 * that is how a caller says "the process exited, stop waiting"; a check for which an error only
 * means "not yet" (a refused connection) must catch it and return false.
 */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.deadlineMs;
  const maxInterval = options.maxIntervalMs ?? 1000;
  let pause = 50;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const logs = options.logs ?? [];
      const tails = logs.length > 0 ? `\n${logTail(logs)}` : '';
      throw new Error(`timed out after ${options.deadlineMs / 1000}s waiting for ${what}${tails}`);
    }
    await delay(pause);
    pause = Math.min(pause * 2, maxInterval);
  }
}
