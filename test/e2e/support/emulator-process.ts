/**
 * The OSS emulator as a separate process (test/oss-emulator/main.ts), so a test can kill and
 * restart it like a real server: it keeps its data under `dataDir` and comes back on the same
 * port. Faults are injected through its HTTP control endpoint, as an operator's chaos tool would.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FaultRule } from '../../oss-emulator/faults.ts';
import { withDeadline } from './deadline.ts';

const MAIN = fileURLToPath(new URL('../../oss-emulator/main.ts', import.meta.url));

export interface EmulatorProcessOptions {
  dataDir: string;
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  region?: string;
}

export class EmulatorProcess {
  readonly options: EmulatorProcessOptions;
  private child: ChildProcess | null = null;
  /** 0 until the first start picks a free port; then kept across restarts. */
  port = 0;

  private constructor(options: EmulatorProcessOptions) {
    this.options = options;
  }

  static async start(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
    const e = new EmulatorProcess(options);
    await e.up();
    return e;
  }

  /** Path-style endpoint (ali-oss `sldEnable: true`, Sluice `pathStyle: true`). */
  get endpoint(): string {
    return `http://localhost:${this.port}`;
  }

  get region(): string {
    return this.options.region ?? 'cn-hangzhou';
  }

  private async up(): Promise<void> {
    const o = this.options;
    const child = spawn(process.execPath, [
      MAIN, '--port', String(this.port), '--data', o.dataDir, '--bucket', o.bucket,
      '--access-key-id', o.accessKeyId, '--access-key-secret', o.accessKeySecret, '--region', this.region,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let stdout = '';
    const ready = new Promise<number>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        const nl = stdout.indexOf('\n');
        if (nl >= 0) resolve((JSON.parse(stdout.slice(0, nl)) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`oss emulator exited ${code} before it listened: ${stderr}`)));
    });
    this.port = await withDeadline('oss emulator start', 30_000, ready);
  }

  /** Stop (SIGKILL: a crash; SIGTERM: clean) and start again on the same port with the same data. */
  async restart(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    await this.up();
  }

  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
    const c = this.child;
    this.child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill(signal);
    await withDeadline('oss emulator stop', 10_000, exited);
  }

  /** Add fault rules through the control endpoint (unsigned, test-only). */
  async addFaults(rules: FaultRule[]): Promise<void> {
    const res = await fetch(`${this.endpoint}/_emulator/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }), signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`adding faults: HTTP ${res.status} ${await res.text()}`);
  }

  /** The rules in force, with how often each fired. */
  async faults(): Promise<Array<FaultRule & { fired: number }>> {
    const res = await fetch(`${this.endpoint}/_emulator/faults`, { signal: AbortSignal.timeout(5000) });
    return (await res.json()) as Array<FaultRule & { fired: number }>;
  }

  async clearFaults(): Promise<void> {
    await fetch(`${this.endpoint}/_emulator/faults`, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
  }
}
