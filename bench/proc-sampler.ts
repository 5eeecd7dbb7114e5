/**
 * Peaks of a running process read from /proc (Linux), for the figures a job's own summary cannot
 * give: open file descriptors (entries in /proc/<pid>/fd, sampled every `intervalMs`) and the
 * resident-set high-water mark (VmHWM in /proc/<pid>/status, which the kernel keeps itself, so
 * it is exact even between samples). Samples stop once the process is gone; elsewhere than Linux
 * the peaks stay null.
 */
import { readdir, readFile, stat } from 'node:fs/promises';

export interface ProcPeaks {
  /** Most descriptors open at one sample (stdio, the event loop's own and the job's files). */
  fds: number | null;
  /** VmHWM, MB (1 MB = 1024 KiB, as the summary's maxRssMb), at the last sample. */
  hwmMb: number | null;
  samples: number;
}

export interface ProcSampler {
  /** Stop sampling (after one last sample, if the process is still there); the peaks seen. Idempotent. */
  stop(): Promise<ProcPeaks>;
}

/**
 * Descriptors `pid` has open. Linux 6.2+ gives the count as the size of /proc/<pid>/fd, one stat
 * instead of listing 100,000 entries 20 times a second (which would take CPU from the process
 * measured); older kernels report 0 there, and the entries are counted.
 */
async function openFds(pid: number): Promise<number> {
  const { size } = await stat(`/proc/${pid}/fd`);
  return size > 0 ? size : (await readdir(`/proc/${pid}/fd`)).length;
}

export function sampleProc(pid: number, intervalMs = 50): ProcSampler {
  const peaks: ProcPeaks = { fds: null, hwmMb: null, samples: 0 };
  let busy: Promise<void> = Promise.resolve();
  const sample = async (): Promise<void> => {
    try {
      const [fds, status] = await Promise.all([openFds(pid), readFile(`/proc/${pid}/status`, 'utf8')]);
      peaks.fds = Math.max(peaks.fds ?? 0, fds);
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (hwm) peaks.hwmMb = Math.max(peaks.hwmMb ?? 0, Math.round(Number(hwm[1]) / 1024));
      peaks.samples++;
    } catch {
      // the process has exited (or this is not Linux): keep what was seen
    }
  };
  // one sample at a time: a slow readdir of many thousand fds must not pile up behind the timer
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    busy = sample().finally(() => (running = false));
  }, intervalMs);
  let stopped: Promise<ProcPeaks> | undefined;
  return {
    stop: () => (stopped ??= (async () => {
      clearInterval(timer);
      await busy;
      await sample();
      return peaks;
    })()),
  };
}
