/**
 * A running `sluice` child's open file descriptors, read from /proc (Linux) the way an operator
 * would look at them: the count of `/proc/<pid>/fd` sampled every few milliseconds until
 * stopped (its peak), and, when the runner reports its restore (before its sink opens any part
 * file), the count then and the RLIMIT_NOFILE it really runs under (`/proc/<pid>/limits`), so a
 * test meant to run under a low limit can prove the limit was in force. Sampling can miss a
 * short peak; the limit itself is the hard bound (past it the process fails with EMFILE).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { SluiceProcess } from './sluice-process.ts';

export class FdSampler {
  /** Largest descriptor count seen. */
  peak = 0;
  samples = 0;
  /** At the runner's `restore` event: its soft limit and descriptor count (null: it never restored). */
  readonly atRestore: Promise<{ limit: number; fds: number } | null>;
  private readonly pid: number;
  private readonly timer: NodeJS.Timeout;

  constructor(p: SluiceProcess, intervalMs = 20) {
    this.pid = p.child.pid!;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.atRestore = p.waitFor((e) => e.event === 'restore').then(() => {
      const fds = this.sample();
      const limit = openFilesLimit(this.pid);
      return fds === null || limit === null ? null : { limit: limit.soft, fds };
    }, () => null);
  }

  /** The count now, or null once the process is gone. */
  sample(): number | null {
    let n: number;
    try {
      n = readdirSync(`/proc/${this.pid}/fd`).length;
    } catch {
      return null; // exited
    }
    this.samples++;
    if (n > this.peak) this.peak = n;
    return n;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The soft and hard `Max open files` of a running process, or null if it is gone. */
export function openFilesLimit(pid: number): { soft: number; hard: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) throw new Error(`/proc/${pid}/limits has no 'Max open files' line:\n${text}`);
  const n = (s: string): number => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}
