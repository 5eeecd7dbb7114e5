/**
 * How `sluice` prints a failure: one line a user can act on, naming the path or field and the
 * cause. The stack (and every cause's) only under `SLUICE_DEBUG=1` or `--debug`: a stack is for
 * whoever debugs Sluice, not for whoever runs a job.
 */
import { SluiceError } from '../errors.ts';
import { describeOsError, findOsError, isOsError } from '../storage/os-error.ts';

export function debugEnabled(): boolean {
  const v = process.env.SLUICE_DEBUG;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function stacks(e: unknown): string {
  const out: string[] = [];
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 10; x = (x as { cause?: unknown }).cause, depth++) {
    out.push(`${depth === 0 ? '' : 'caused by: '}${x instanceof Error ? (x.stack ?? x.message) : String(x)}`);
  }
  return out.join('\n');
}

/** The text of a failure: the user's line, and with debugging on the stacks after it. */
export function errorText(e: unknown, debug = debugEnabled()): string {
  let line: string;
  if (isOsError(e)) {
    line = describeOsError(e);
  } else if (e instanceof SluiceError) {
    // our message names the field or path; add the OS cause when it does not say it already
    const os = findOsError(e.cause);
    line = os !== undefined && !e.message.includes(os.code) ? `${e.message}: ${describeOsError(os)}` : e.message;
  } else if (e instanceof Error) {
    const os = findOsError(e);
    line = os !== undefined ? describeOsError(os) : `${e.name}: ${e.message} (a bug in Sluice: run again with SLUICE_DEBUG=1 for the stack, and report it)`;
  } else {
    line = String(e);
  }
  return debug ? `${line}\n${stacks(e)}` : line;
}
