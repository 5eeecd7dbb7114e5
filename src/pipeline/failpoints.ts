/**
 * Failpoints for crash tests: `SLUICE_FAILPOINTS=mid-commit:3,after-record:1` makes the process
 * kill itself with SIGKILL — a real kill -9, no cleanup — the Nth time execution reaches that
 * point. Points: after-record (checkpoint record written, nothing published), after-record-with-files
 * (the same, counting only checkpoints that have files to publish), mid-commit (some
 * files of a checkpoint published, not all), before-marker (files published, progress marker
 * not yet written), mid-recovery (while re-committing a restored checkpoint), after-takeover-record
 * (a restore wrote its own record, aborted nothing yet).
 * Unset (always, outside tests) it costs one Map lookup per checkpoint.
 */
const armed = new Map<string, number>();
for (const item of (process.env.SLUICE_FAILPOINTS ?? '').split(',')) {
  const [name, n] = item.split(':');
  if (name) armed.set(name.trim(), Number(n ?? 1));
}

export type Failpoint = 'after-record' | 'after-record-with-files' | 'mid-commit' | 'before-marker' | 'mid-recovery' | 'after-takeover-record';

export function failpoint(name: Failpoint): void {
  const left = armed.get(name);
  if (left === undefined) return;
  if (left <= 1) {
    process.stderr.write(`sluice: failpoint ${name}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  armed.set(name, left - 1);
}

/**
 * `SLUICE_TEST_MAX_RATE=<records/s>` caps how fast a runner reads, so a crash test's kills land
 * at the same share of the input on an idle machine as on a loaded one. Tests only; unset it
 * costs nothing.
 */
const maxRate = Number(process.env.SLUICE_TEST_MAX_RATE ?? 0);

/**
 * Under `SLUICE_TEST_MAX_RATE`, at most a tenth of a second of records per poll: the throttle
 * sleeps after a batch, so a source that has a whole small topic buffered (the Kafka reader
 * fetches megabytes at once) would otherwise land all of it in the first checkpoint. Unset,
 * `batch` itself.
 */
export function testBatchLimit(batch: number): number {
  return maxRate > 0 ? Math.max(1, Math.min(batch, Math.ceil(maxRate / 10))) : batch;
}

export function createTestThrottle(clock: () => number = Date.now): ((records: number) => Promise<void>) | null {
  if (!(maxRate > 0)) return null;
  const start = clock();
  let total = 0;
  return async (records: number) => {
    total += records;
    const ahead = (total / maxRate) * 1000 - (clock() - start);
    if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
  };
}
