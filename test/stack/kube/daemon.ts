/**
 * The kube stack's daemons (etcd, kube-apiserver, kube-controller-manager, the test kubelet):
 * `../daemon.ts` processes described by a `DaemonSpec`, pid in `<run>/<name>.pid`, output appended
 * to `<logs>/<name>.log`. Every pid is checked against `/proc/<pid>/cmdline` before it is trusted or
 * signalled, so a recycled pid is never killed by mistake.
 */
import { join } from 'node:path';
import { daemonPid as pidIfOurs, spawnDaemon, stopDaemon as stopPidFile } from '../daemon.ts';
import { portOpen } from '../ports.ts';
import { waitFor as waitWithDeadline } from '../wait-for.ts';

export interface DaemonSpec {
  /** Short name: pid file `<runDir>/<name>.pid`, log `<logDir>/<name>.log`. */
  name: string;
  command: string;
  args: string[];
  /** A substring of the process's command line that proves a pid is still ours. */
  marker: string;
  runDir: string;
  logDir: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function pidFile(spec: Pick<DaemonSpec, 'name' | 'runDir'>): string {
  return join(spec.runDir, `${spec.name}.pid`);
}

/** The running pid, or null when the pid file is missing or points at someone else's process. */
export function daemonPid(spec: Pick<DaemonSpec, 'name' | 'runDir' | 'marker'>): number | null {
  return pidIfOurs(pidFile(spec), spec.marker);
}

/** Starts the daemon unless it already runs; resolves to its pid. */
export async function startDaemon(spec: DaemonSpec): Promise<number> {
  const running = daemonPid(spec);
  if (running !== null) return running;
  return spawnDaemon({
    name: spec.name, command: spec.command, args: spec.args, cwd: spec.cwd, env: spec.env,
    pidFile: pidFile(spec), logFile: join(spec.logDir, `${spec.name}.log`), appendLog: true,
    hint: 'is it built? see test/stack/kube/build.sh',
  });
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; no error if it is not running. Only the daemon itself is
 * signalled, not its process group: the test kubelet stops its pods itself.
 */
export async function stopDaemon(spec: Pick<DaemonSpec, 'name' | 'runDir' | 'marker'>, graceMs = 10_000): Promise<void> {
  await stopPidFile(pidFile(spec), { graceMs, group: false, marker: spec.marker });
}

/**
 * Polls `check` until it returns true, failing with `what` and the log's tail after `timeoutMs`.
 * A check that throws (connection refused while the daemon starts) counts as "not yet".
 */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  await waitWithDeadline(what, () => check().catch(() => false), {
    deadlineMs: timeoutMs, logs: logFile === undefined ? [] : [logFile], maxIntervalMs: 250,
  });
}

/** True when something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return portOpen(port);
}

/**
 * Starts the daemon unless it already runs; fails at once, naming the port, when the port is taken
 * by a process that is not ours (typically the same stack started from another checkout).
 */
export async function startDaemonOnPort(spec: DaemonSpec, port: number): Promise<number> {
  const running = daemonPid(spec);
  if (running !== null) return running;
  if (await portInUse(port)) {
    throw new Error(`${spec.name}: port 127.0.0.1:${port} is already in use by another process `
      + '(the kube stack of another checkout? stop it there with `npm run stack -- down kube`)');
  }
  return startDaemon(spec);
}
