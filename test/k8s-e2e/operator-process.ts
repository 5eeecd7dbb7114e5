/**
 * `sluice operator` as a child process, started the way a user would start it outside a cluster
 * (`bin/sluice.mjs operator --kubeconfig ...`). Its stderr goes to a log file (kept for a
 * post-mortem); the identity it campaigns for the Lease under is read from its "started as" line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shebangNodeFlags } from '../helpers/node-flags.ts';
import { poll } from '../kubelet/test-cluster.ts';

const BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

export interface OperatorProcessOptions {
  kubeconfig: string;
  /** The one namespace it watches (and holds its Lease in): other tests' jobs are not its business. */
  namespace: string;
  runnerImage: string;
  logFile: string;
  /** Appended to the command line (e.g. the admission webhook's flags). */
  extraArgs?: string[];
}

export class OperatorProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(o: OperatorProcessOptions) {
    this.logFile = o.logFile;
    const fd = openSync(o.logFile, 'a');
    const env = { ...process.env };
    delete env.POD_NAME; // the identity must be this process's own, not a leftover variable
    this.child = spawn(process.execPath, [...shebangNodeFlags(), BIN, 'operator', '--kubeconfig', o.kubeconfig, '--namespace', o.namespace,
      '--leader-election-namespace', o.namespace, '--metrics-port', '0', '--runner-image', o.runnerImage, ...(o.extraArgs ?? [])], { env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The Lease identity, from the `started as <identity>;` line. */
  identity(timeoutMs = 30_000): Promise<string> {
    return poll(`operator "started as" line in ${this.logFile}`, async () => {
      if (this.child.exitCode !== null) throw new Error(`operator exited ${this.child.exitCode}: ${this.log().slice(-2000)}`);
      return /started as (\S+);/.exec(this.log())?.[1];
    }, timeoutMs);
  }

  /** The admission webhook's port, from the `admission webhook on :<port>` part of that line. */
  webhookPort(timeoutMs = 30_000): Promise<number> {
    return poll(`operator "admission webhook on" in ${this.logFile}`, async () => {
      if (this.child.exitCode !== null) throw new Error(`operator exited ${this.child.exitCode}: ${this.log().slice(-2000)}`);
      const m = /admission webhook on :(\d+)/.exec(this.log());
      return m ? Number(m[1]) : undefined;
    }, timeoutMs);
  }

  /** SIGKILL (a crash) or SIGTERM (a clean stop: releases the Lease); resolves once it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
