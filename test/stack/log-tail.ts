/**
 * The last lines of a daemon's logs, for error messages: a service that fails to start says why
 * in the test output instead of sending the reader to a file under `.cache/stack/`.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * The tail of each file that exists, each under a `--- <file> (tail) ---` header; `(no log)` when
 * none exists yet (the process died before writing anything).
 */
export function logTail(files: readonly string[], lines = 40): string {
  const parts: string[] = [];
  for (const f of files) {
    if (existsSync(f)) parts.push(`--- ${f} (tail) ---\n${tail(readFileSync(f, 'utf8'), lines)}`);
  }
  return parts.length > 0 ? parts.join('\n') : '(no log)';
}
