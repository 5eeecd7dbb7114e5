/**
 * The runner's log: one JSON object per line on stdout (`time`, `level`, `event`, fields), the
 * shape log collectors index and `sluice run --json` also prints. Callers pass counters, ids and
 * messages, never configuration objects, so credentials cannot leak into a line by accident.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export interface JsonLog {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export function jsonLog(out: NodeJS.WritableStream = process.stdout, clock: () => number = Date.now): JsonLog {
  const log = (level: LogLevel, event: string, fields: Record<string, unknown> = {}): void => {
    // bigint counters (BIGINT columns never reach here, but be safe) would throw in JSON.stringify
    const line = JSON.stringify({ time: new Date(clock()).toISOString(), level, event, ...fields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    out.write(line + '\n');
  };
  return {
    log,
    info: (e, f) => log('info', e, f),
    warn: (e, f) => log('warn', e, f),
    error: (e, f) => log('error', e, f),
  };
}
