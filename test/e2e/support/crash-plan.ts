/**
 * Drives `sluice run job.yaml` through a crash plan, one child process per step:
 *
 *   random          SIGKILL at a random moment after the runner restored, or after its first checkpoint
 *                   so that the moment can fall inside a later checkpoint's commit (the kill -9 a node loss gives);
 *   failpoint       SLUICE_FAILPOINTS=<name>:<n>: the runner kills itself inside the commit protocol;
 *   disruption      a backing service fails under a running runner (HDFS or the OSS emulator restarted,
 *                   faults injected): the runner either rides it out — on its clients' retries, or by
 *                   restarting in its own process from its checkpoint (spec.restartPolicy) — and is
 *                   killed once it has checkpointed again, or fails with exit 1 while the service is
 *                   away, and the next step restarts it, as the operator would.
 *
 * A step whose runner exits 0 means the job finished early: the plan stops there (the caller asserts
 * enough kills landed). Any other exit is a failure that names the step and the runner's stderr.
 *
 * With `openFiles`, every runner starts under that file-descriptor limit and its descriptors are
 * sampled from /proc: the result has the peak, the count when the runner had just restored
 * (before its sink opened anything), and the limit each runner really ran under.
 */
import { FdSampler } from '../../helpers/fd-sampler.ts';
import { SluiceProcess } from '../../helpers/sluice-process.ts';
import type { SluiceEvent } from '../../helpers/sluice-process.ts';
import { withDeadline } from './deadline.ts';

export type CrashStep =
  | { kind: 'random'; maxDelayMs: number; after?: 'restore' | 'checkpoint' }
  | { kind: 'failpoint'; failpoints: string }
  | { kind: 'disruption'; name: string; disrupt: () => Promise<void> };

export interface CrashPlanOptions {
  job: string;
  /** Environment for every runner (secrets). */
  env?: Record<string, string>;
  steps: CrashStep[];
  random: () => number;
  /** Bound on any one step. @default 120000 */
  stepDeadlineMs?: number;
  /**
   * Cap on the runners' read rate (records/s, `SLUICE_TEST_MAX_RATE`), so each step covers about
   * the same share of the input on an idle machine as on a busy one and the plan never runs out
   * of input before its kills land.
   */
  maxRate?: number;
  /** Start every runner under this RLIMIT_NOFILE (`ulimit -n`) and sample its descriptors. */
  openFiles?: number;
}

export interface CrashPlanResult {
  kills: number;
  /** Runs that failed (exit 1) while a disruption was under way. */
  failedDuringDisruption: number;
  /** Disruptions the runner rode out on retries (it checkpointed after the service was back). */
  rodeOut: number;
  finishedEarly: boolean;
  log: string[];
  /** Everything the runners printed (stdout events and stderr), to check that no secret leaks. */
  output: string;
  /** With `openFiles`: the most descriptors any runner held at a sample. */
  peakFds: number;
  /** With `openFiles`: the most descriptors a runner held when it reported its restore. */
  fdsAtRestore: number;
  /** With `openFiles`: the soft RLIMIT_NOFILE each runner that restored ran under. */
  openFilesLimits: number[];
}

const isCheckpoint = (e: SluiceEvent): boolean => e.event === 'checkpoint';

function describe(step: CrashStep): string {
  return step.kind === 'random' ? `random kill after ${step.after ?? 'restore'}` : step.kind === 'failpoint' ? `failpoint ${step.failpoints}` : `disruption ${step.name}`;
}

export async function runCrashPlan(o: CrashPlanOptions): Promise<CrashPlanResult> {
  const result: CrashPlanResult = { kills: 0, failedDuringDisruption: 0, rodeOut: 0, finishedEarly: false, log: [], output: '', peakFds: 0, fdsAtRestore: 0, openFilesLimits: [] };
  const deadline = o.stepDeadlineMs ?? 120_000;
  for (const step of o.steps) {
    const env = {
      ...o.env,
      ...(o.maxRate !== undefined ? { SLUICE_TEST_MAX_RATE: String(o.maxRate) } : {}),
      ...(step.kind === 'failpoint' ? { SLUICE_FAILPOINTS: step.failpoints } : {}),
    };
    const p = new SluiceProcess(['run', o.job, '--json'], env, o.openFiles === undefined ? {} : { openFiles: o.openFiles });
    const fds = o.openFiles === undefined ? null : new FdSampler(p);
    if (fds !== null) {
      void fds.atRestore.then((r) => {
        if (r === null) return;
        result.openFilesLimits.push(r.limit);
        result.fdsAtRestore = Math.max(result.fdsAtRestore, r.fds);
      });
    }
    const t0 = Date.now();
    try {
      const outcome = await withDeadline(`${describe(step)} (stderr: ${p.stderr.slice(-500)})`, deadline, runStep(p, step, o.random));
      const x = await p.exited;
      const checkpoints = p.events.filter(isCheckpoint).length;
      const restarts = p.events.filter((e) => e.event === 'restarting').length;
      result.log.push(
        `${describe(step)}: ${x.signal ?? `exit ${x.code}`}${outcome ? ` (${outcome})` : ''}, ${checkpoints} checkpoints, ` +
          `${restarts > 0 ? `${restarts} restart(s) in process, ` : ''}${Date.now() - t0} ms`,
      );
      if (x.signal === 'SIGKILL') {
        result.kills++;
        if (outcome === 'rode out') result.rodeOut++;
        continue;
      }
      if (x.code === 0) {
        result.finishedEarly = true;
        return result;
      }
      if (x.code === 1 && outcome === 'failed during disruption') {
        result.failedDuringDisruption++;
        continue;
      }
      throw new Error(`${describe(step)}: runner exited ${x.code ?? x.signal}; stderr:\n${p.stderr.slice(-3000)}`);
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
      await p.exited;
      if (fds !== null) {
        fds.stop();
        result.peakFds = Math.max(result.peakFds, fds.peak);
      }
      result.output += `${JSON.stringify(p.events)}\n${p.stderr}\n`;
    }
  }
  return result;
}

type Outcome = 'rode out' | 'failed during disruption' | '';

async function runStep(p: SluiceProcess, step: CrashStep, random: () => number): Promise<Outcome> {
  switch (step.kind) {
    case 'failpoint':
      await p.exited;
      return '';
    case 'random': {
      const anchor = step.after === 'checkpoint' ? isCheckpoint : (e: SluiceEvent): boolean => e.event === 'restore';
      await p.waitFor(anchor).catch(() => undefined); // a run that dies first is judged by its exit
      if (p.child.exitCode !== null) return '';
      // The random moment itself is the point of this step: not a wait for an event.
      await new Promise((r) => setTimeout(r, Math.floor(random() * step.maxDelayMs)));
      p.kill('SIGKILL');
      await p.exited;
      return '';
    }
    case 'disruption': {
      // Disrupt a runner that is really working: after its first checkpoint.
      const first = await p.waitFor(isCheckpoint).catch(() => null);
      if (first === null) return '';
      await step.disrupt();
      const seen = p.events.filter(isCheckpoint).length;
      const next = await p.waitFor((e) => isCheckpoint(e) && p.events.filter(isCheckpoint).indexOf(e) >= seen).catch(() => null);
      if (next !== null && !next.finished) {
        p.kill('SIGKILL');
        await p.exited;
        return 'rode out';
      }
      const x = await p.exited;
      return x.code === 1 ? 'failed during disruption' : next !== null ? 'rode out' : '';
    }
  }
}
