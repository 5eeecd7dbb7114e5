/**
 * Daemons that outlive the process that started them (`npm run stack -- up`, a test's `before`):
 * spawned detached (their own process group) with output in a log file and their pid in a pid
 * file, so a later process (`down`, another test file) finds and stops them.
 *
 * Lifecycle: `spawnDaemon` → `waitUntilReady` (kills it and fails with its log's tail if it never
 * answers) → … → `stopDaemon` (the first signal, SIGKILL after a grace period, pid file removed).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { logTail } from './log-tail.ts';
import { waitFor } from './wait-for.ts';

/** How long a process gets to die after SIGKILL before we report it as stuck (uninterruptible I/O). */
const KILL_DEADLINE_MS = 10_000;

/** The pid in `pidFile`, or null when there is none or it holds no positive integer. */
export function readPid(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** True while `pid` exists (signal 0). A zombie, exited but not yet reaped, still counts. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `pid` is a live process (not a zombie) whose command line contains `marker`: a pid
 * file can outlive its process, and the kernel reuses pids, so this proves the pid is still ours.
 */
export function runsCommand(pid: number, marker: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    // State Z: it has exited and only waits to be reaped.
    if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

/**
 * The pid of the daemon recorded in `pidFile` if it still runs, else null. With a `marker`, "still
 * runs" also means its command line still contains the marker (see `runsCommand`).
 */
export function daemonPid(pidFile: string, marker?: string): number | null {
  const pid = readPid(pidFile);
  if (pid === null) return null;
  const running = marker === undefined ? alive(pid) : runsCommand(pid, marker);
  return running ? pid : null;
}

export interface SpawnDaemonOptions {
  /** Names the daemon in errors (`kafka`, `etcd`). */
  name: string;
  command: string;
  args: readonly string[];
  pidFile: string;
  /** Receives the daemon's stdout and stderr. */
  logFile: string;
  /** Keep earlier output (a daemon restarted within one run) instead of starting the log afresh. @default false */
  appendLog?: boolean;
  cwd?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Added to the error when the command cannot be run at all (`is it built?`). */
  hint?: string;
}

/**
 * Starts `command` detached, in its own process group, so it outlives this process and a stop can
 * signal the group (a JVM's helpers, a launcher's children). Writes the pid file and resolves to the
 * pid; rejects, naming the command, when it cannot be started (not found, not executable).
 */
export async function spawnDaemon(options: SpawnDaemonOptions): Promise<number> {
  mkdirSync(dirname(options.pidFile), { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });
  const out = openSync(options.logFile, options.appendLog === true ? 'a' : 'w');
  let child;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(out);
  }
  // Also keeps a later 'error' (none is expected) from crashing this process.
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    const hint = options.hint === undefined ? '' : ` (${options.hint})`;
    throw new Error(`${options.name}: cannot start ${options.command}: ${(await spawnError).message}${hint}`);
  }
  writeFileSync(options.pidFile, `${pid}\n`);
  return pid;
}

export interface ReadyStep {
  /** What is awaited, for the timeout message (`kafka broker to answer a kafkajs admin`). */
  what: string;
  check: () => Promise<boolean> | boolean;
}

export interface WaitUntilReadyOptions {
  /** Names the daemon in errors. */
  name: string;
  /** Each step gets this long. */
  deadlineMs: number;
  /** The daemon's logs: their tails go into the error. */
  logs: readonly string[];
  /** Stops the half-started daemon (usually a SIGKILL) before the error is thrown. */
  kill: () => Promise<void>;
}

/**
 * Waits for a daemon that was just spawned: each step in turn, failing at once if the process
 * exits. If it does not get ready it is killed, so no half-started process keeps the ports, and the
 * error carries the tails of its logs.
 */
export async function waitUntilReady(pid: number, steps: readonly ReadyStep[], options: WaitUntilReadyOptions): Promise<void> {
  try {
    for (const step of steps) {
      await waitFor(step.what, () => {
        if (!alive(pid)) throw new Error(`${options.name}: pid ${pid} exited during start`);
        return step.check();
      }, { deadlineMs: options.deadlineMs });
    }
  } catch (e) {
    await options.kill();
    throw new Error(`${(e as Error).message}\n${logTail(options.logs)}`, { cause: e });
  }
}

export interface StopOptions {
  /** SIGTERM for a clean stop; SIGKILL for a crash (no shutdown hooks run). @default 'SIGTERM' */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** How long the first signal gets before SIGKILL follows. */
  graceMs: number;
  /**
   * Signal the whole process group (the daemon was spawned detached, so its pid is the group id).
   * False signals the daemon alone, e.g. a kubelet whose pods must be stopped by the kubelet itself.
   * @default true
   */
  group?: boolean;
  /** Only a pid whose command line contains this is signalled (see `runsCommand`). */
  marker?: string;
}

function send(pid: number, signal: 'SIGTERM' | 'SIGKILL', group: boolean): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Stops the daemon recorded in `pidFile` and removes the pid file: the first signal, then SIGKILL
 * after `graceMs`, then fails if it is still there after another 10 s. No error when it is not
 * running.
 */
export async function stopDaemon(pidFile: string, options: StopOptions): Promise<void> {
  const pid = daemonPid(pidFile, options.marker);
  if (pid !== null) {
    const signal = options.signal ?? 'SIGTERM';
    const group = options.group ?? true;
    const gone = (): boolean => daemonPid(pidFile, options.marker) !== pid;
    send(pid, signal, group);
    try {
      await waitFor(`pid ${pid} to exit after ${signal}`, gone, { deadlineMs: options.graceMs, maxIntervalMs: 250 });
    } catch {
      send(pid, 'SIGKILL', group);
      await waitFor(`pid ${pid} to exit after SIGKILL`, gone, { deadlineMs: KILL_DEADLINE_MS, maxIntervalMs: 250 });
    }
  }
  rmSync(pidFile, { force: true });
}
