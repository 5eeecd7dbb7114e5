/**
 * One pod's container, run as a local process. The worker owns the process and is the only writer
 * of the pod's status, so its patches are serialised and never race. Lifecycle:
 *   1. report Pending / ContainerCreating; resolve env (Secrets, ConfigMaps, fieldRefs) and argv
 *   2. spawn (own process group, stdout+stderr appended to `<podLogDir>/<ns>_<name>.log`), report Running
 *   3. on exit apply `restartPolicy`: back off (CrashLoopBackOff) and go to 2, or report Succeeded/Failed
 *   4. `terminate(grace)` (pod deletion): SIGTERM the group, SIGKILL after the grace period
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError, resolveEnv } from './container-env.ts';
import type { ConfigSource } from './container-env.ts';
import { resolveArgv } from './image-map.ts';
import type { CommandContext, ImageMapping } from './image-map.ts';
import { buildPodStatus, exitCodeOf, restartBackoffMs, shouldRestart } from './pod-status.ts';
import type { ContainerSnapshot, ContainerState, PodPhase, RestartPolicy } from './pod-status.ts';

/** What a worker needs from the API server. */
export interface PodStatusWriter {
  patchStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
}

export interface PodWorkerOptions {
  pod: V1Pod;
  writer: PodStatusWriter;
  config: ConfigSource;
  mappings: readonly ImageMapping[];
  command: CommandContext;
  podLogDir: string;
  /** Extra env the kubelet injects (service-account kubeconfig, KUBERNETES_SERVICE_*); pod env wins. */
  baseEnv: () => Promise<Record<string, string>>;
  backoff: { baseMs: number; maxMs: number };
  log: (line: string) => void;
}

type Terminated = Extract<ContainerState, { kind: 'terminated' }>;

const signalNumbers = constants.signals as Record<string, number>;

/** Host variables a process needs to run at all; everything else comes from the pod spec. */
const HOST_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ'];

/**
 * Gives each pod its own port space (pod-network.ts): pods are processes on one machine, so two
 * replicas listening on the same containerPort would otherwise clash. A URL: no spaces to quote.
 */
const POD_NETWORK_PRELOAD = new URL('./pod-network-preload.ts', import.meta.url).href;

/** NODE_OPTIONS with the pod-network preload first; the pod's own options are kept. */
export function withPodNetwork(nodeOptions: string | undefined): string {
  return [`--import=${POD_NETWORK_PRELOAD}`, nodeOptions ?? ''].join(' ').trim();
}

export class PodWorker {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly done: Promise<void>;
  private readonly opts: PodWorkerOptions;
  private child: ChildProcess | undefined;
  private childExit: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private statusChain: Promise<void> = Promise.resolve();
  private readonly startTime = new Date();
  private container: ContainerSnapshot;
  private phase: PodPhase = 'Pending';

  constructor(opts: PodWorkerOptions) {
    this.opts = opts;
    this.namespace = opts.pod.metadata?.namespace ?? 'default';
    this.name = opts.pod.metadata?.name ?? '';
    this.uid = opts.pod.metadata?.uid ?? '';
    const c = opts.pod.spec?.containers[0];
    this.container = { name: c?.name ?? 'main', image: c?.image ?? '', state: { kind: 'waiting', reason: 'ContainerCreating' }, restartCount: 0 };
    this.done = this.run().catch((err: unknown) => opts.log(`pod ${this.key}: worker failed: ${String(err)}`));
  }

  get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get terminating(): boolean {
    return this.stopping;
  }

  /** Sends `signal` to the container's process group; false when it is not running. */
  kill(signal: NodeJS.Signals): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
    } catch {
      return false;
    }
    return true;
  }

  /** Pod deletion: SIGTERM, SIGKILL after `graceSeconds`, resolves once the process is gone. */
  async terminate(graceSeconds: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (this.kill('SIGTERM')) {
      const timer = setTimeout(() => this.kill('SIGKILL'), Math.max(0, graceSeconds) * 1000);
      await this.childExit;
      clearTimeout(timer);
    }
    await this.done;
  }

  private report(): void {
    const status = buildPodStatus({ phase: this.phase, startTime: this.startTime, container: { ...this.container } });
    this.statusChain = this.statusChain
      .then(() => this.opts.writer.patchStatus(this.namespace, this.name, status))
      .catch((err: unknown) => this.opts.log(`pod ${this.key}: status update failed: ${String(err)}`));
  }

  private setState(phase: PodPhase, state: ContainerState): void {
    this.phase = phase;
    this.container = { ...this.container, state };
    this.report();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  private async prepare(): Promise<{ argv: string[]; env: Record<string, string> } | null> {
    const { pod } = this.opts;
    const spec = pod.spec?.containers[0];
    if (!spec) {
      this.setState('Failed', { kind: 'waiting', reason: 'InvalidPod', message: 'pod has no containers' });
      return null;
    }
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const podEnv = await resolveEnv(pod, spec, this.opts.config);
        const env: Record<string, string> = {};
        for (const k of HOST_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
        Object.assign(env, { HOSTNAME: this.name }, await this.opts.baseEnv(), podEnv);
        env.NODE_OPTIONS = withPodNetwork(env.NODE_OPTIONS);
        const resolved = resolveArgv(spec, this.opts.mappings, this.opts.command, env);
        if ('error' in resolved) {
          this.setState('Pending', { kind: 'waiting', reason: 'ErrImagePull', message: resolved.error });
          return null;
        }
        return { argv: resolved.argv, env };
      } catch (err) {
        // Like the kubelet: a missing Secret may appear later, so keep retrying with back-off.
        const reason = err instanceof ContainerConfigError ? err.name : 'CreateContainerError';
        this.setState('Pending', { kind: 'waiting', reason, message: err instanceof Error ? err.message : String(err) });
        await this.sleep(restartBackoffMs(attempt, this.opts.backoff.baseMs, this.opts.backoff.maxMs));
      }
    }
    return null;
  }

  private spawnOnce(argv: string[], env: Record<string, string>): Promise<Terminated> {
    mkdirSync(this.opts.podLogDir, { recursive: true });
    const logFd = openSync(join(this.opts.podLogDir, `${this.namespace}_${this.name}.log`), 'a');
    writeSync(logFd, `--- ${new Date().toISOString()} start ${this.container.name} (restart ${this.container.restartCount}): ${argv.join(' ')}\n`);
    const startedAt = new Date();
    return new Promise<Terminated>((resolve) => {
      let child: ChildProcess;
      try {
        // detached: its own process group, so a signal reaches whatever it forks too.
        child = spawn(argv[0]!, argv.slice(1), { env, cwd: this.opts.command.repoRoot, detached: true, stdio: ['ignore', logFd, logFd] });
      } catch (err) {
        closeSync(logFd);
        resolve({ kind: 'terminated', exitCode: 128, reason: 'StartError', message: String(err), startedAt, finishedAt: new Date() });
        return;
      }
      this.child = child;
      let settled = false;
      const finish = (t: Terminated): void => {
        if (settled) return;
        settled = true;
        closeSync(logFd);
        resolve(t);
      };
      child.once('error', (err) => finish({ kind: 'terminated', exitCode: 128, reason: 'StartError', message: err.message, startedAt, finishedAt: new Date() }));
      child.once('exit', (code, signal) => {
        const exitCode = exitCodeOf(code, signal, signalNumbers);
        finish({ kind: 'terminated', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: new Date() });
      });
      if (child.pid !== undefined) this.setState('Running', { kind: 'running', startedAt });
    });
  }

  private async run(): Promise<void> {
    this.report();
    const prepared = await this.prepare();
    if (!prepared) return;
    const policy = (this.opts.pod.spec?.restartPolicy ?? 'Always') as RestartPolicy;
    while (!this.stopping) {
      const exited = this.spawnOnce(prepared.argv, prepared.env);
      this.childExit = exited.then(() => undefined);
      const terminated = await exited;
      this.opts.log(`pod ${this.key}: container ${this.container.name} exited ${terminated.exitCode}`);
      // A pod being deleted is about to disappear: its last status does not matter.
      if (this.stopping) break;
      if (shouldRestart(policy, terminated.exitCode)) {
        this.container = { ...this.container, lastTerminated: terminated, restartCount: this.container.restartCount + 1 };
        this.setState('Running', { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${this.container.name}` });
        await this.sleep(restartBackoffMs(this.container.restartCount, this.opts.backoff.baseMs, this.opts.backoff.maxMs));
        continue;
      }
      this.setState(terminated.exitCode === 0 ? 'Succeeded' : 'Failed', terminated);
      break;
    }
    await this.statusChain;
  }
}
