/**
 * Runs `sluice` as a child process, the way a user or a pod would, and lets a test await the
 * JSON-line events it prints (restore, checkpoint, summary) instead of sleeping. `openFiles`
 * starts it under a file-descriptor limit (`ulimit -n`, soft and hard, so Node cannot raise it),
 * as a container's or a shell's limit would hold it; the child's pid is still sluice's own (exec).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

export interface SluiceEvent {
  event: string;
  [k: string]: unknown;
}

export interface SluiceProcessOptions {
  /** RLIMIT_NOFILE (soft and hard) for the process: it dies with EMFILE past that many descriptors. */
  openFiles?: number;
}

export class SluiceProcess {
  readonly child: ChildProcess;
  readonly events: SluiceEvent[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<{ pred: (e: SluiceEvent) => boolean; resolve: (e: SluiceEvent) => void }> = [];

  constructor(args: string[], env: Record<string, string> = {}, options: SluiceProcessOptions = {}) {
    const [cmd, argv] = options.openFiles === undefined
      ? [BIN, args]
      : ['bash', ['-c', `ulimit -n ${Math.floor(options.openFiles)} && exec "$@"`, 'sluice', BIN, ...args]];
    this.child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let e: SluiceEvent;
        try {
          e = JSON.parse(line) as SluiceEvent;
        } catch {
          continue;
        }
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first event matching pred (past or future), or rejects if the process exits first. */
  waitFor(pred: (e: SluiceEvent) => boolean): Promise<SluiceEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred, resolve });
      void this.exited.then((x) => reject(new Error(`sluice exited (${x.code ?? x.signal}) before the awaited event; stderr: ${this.stderr.slice(-2000)}`)));
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }
}

/** Run to exit; returns code, events, stderr. */
export async function runSluice(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; events: SluiceEvent[]; stderr: string }> {
  const p = new SluiceProcess(args, env);
  const x = await p.exited;
  return { ...x, events: p.events, stderr: p.stderr };
}
