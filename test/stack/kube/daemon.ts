/**
 * Background processes that outlive the `npm run stack -- up` that started them: spawned detached,
 * output appended to a log file, pid kept in `<run>/<name>.pid`. Before signalling a pid we check
 * that /proc/<pid>/cmdline still names our program, so a recycled pid is never killed by mistake.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

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
  const file = pidFile(spec);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; it only waits to be reaped.
    if (/^\d+ \(.*\) Z/.test(stat)) return null;
    return cmdline.includes(spec.marker) ? pid : null;
  } catch {
    return null;
  }
}

export function startDaemon(spec: DaemonSpec): number {
  const running = daemonPid(spec);
  if (running !== null) return running;
  mkdirSync(spec.runDir, { recursive: true });
  mkdirSync(spec.logDir, { recursive: true });
  const log = openSync(join(spec.logDir, `${spec.name}.log`), 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ['ignore', log, log],
    });
    child.on('error', () => undefined); // reported just below through the missing pid
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command} (is it built? see test/stack/kube/build.sh)`);
    child.unref();
    writeFileSync(pidFile(spec), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; no error if it is not running. */
export async function stopDaemon(spec: Pick<DaemonSpec, 'name' | 'runDir' | 'marker'>, graceMs = 10_000): Promise<void> {
  const pid = daemonPid(spec);
  if (pid !== null) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (daemonPid(spec) !== null && Date.now() < deadline) await delay(100);
    if (daemonPid(spec) !== null) process.kill(pid, 'SIGKILL');
    while (daemonPid(spec) !== null) await delay(50);
  }
  rmSync(pidFile(spec), { force: true });
}

/** Polls `check` until it returns true, failing with `what` and the log's tail after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await delay(250);
  }
  let tail = '';
  if (logFile && existsSync(logFile)) tail = '\n--- ' + logFile + ' (tail) ---\n' + readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${tail}`);
}

/** True when something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
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
