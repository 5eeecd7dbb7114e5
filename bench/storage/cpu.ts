/**
 * CPU time, so a storage section can show where a run's cores went: the job's own (its summary
 * `cpuSeconds`), the server's (the stack's emulator or MiniDFSCluster, read from /proc), and the
 * raw client's. Linux only (/proc); elsewhere the figures are left out.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

const ticksPerSecond = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return n > 0 ? n : 100;
})();

/** CPU seconds used so far by every thread of `pid` (utime + stime), or null without /proc. */
export function processCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name; utime and stime are fields 14 and 15
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** The pid a stack service (`npm run stack`) recorded, or null. */
export function servicePid(name: 'oss' | 'hdfs'): number | null {
  try {
    const pid = Number(readFileSync(`${REPO}/.cache/stack/${name}/pid`, 'utf8').trim());
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** CPU seconds `pid` spends while `fn` runs (null without /proc), beside fn's result. */
export async function withServerCpu<T>(pid: number | null, fn: () => Promise<T>): Promise<{ result: T; serverCpu: number | null }> {
  const before = processCpuSeconds(pid);
  const result = await fn();
  const after = processCpuSeconds(pid);
  return { result, serverCpu: before === null || after === null ? null : after - before };
}

/** This process's CPU seconds (all threads) while `fn` runs. */
export async function withOwnCpu<T>(fn: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const start = process.cpuUsage();
  const result = await fn();
  const u = process.cpuUsage(start);
  return { result, cpu: (u.user + u.system) / 1e6 };
}
