/**
 * `sluice run FILE [--runner i/N] [--json]`: run a job in this process (the embedded default).
 *
 * A bounded source runs to its end; the process exits 0 after the final commit. SIGINT/SIGTERM
 * take a final checkpoint and exit 0 (a second signal exits at once; the next run resumes from
 * the last checkpoint). Exit codes: 0 done, 1 job failed, 2 usage/invalid job, 3 fenced.
 *
 * A failure that may pass (its error is `retriable`: a broker or storage away longer than the
 * client's own retries) restarts the pipeline in this process from its last checkpoint, after
 * `spec.restartPolicy`'s backoff, as the operator restarts a runner pod; a restart is a
 * `restarting` event. Once `maxRestarts` are used, or for any other failure, it exits 1.
 *
 * The run itself (storages, reader, JobRunner, signals, exit codes) is pipeline/run-pipeline.ts,
 * shared with `sluice runner`; this command adds loading the file and how it reports.
 */
import * as path from 'node:path';
import { loadIngestJob } from '../api/load.ts';
import { resolveRestartPolicy } from '../api/restart-policy.ts';
import type { IngestJob } from '../api/types.ts';
import { checkJobPlan, formatPlanErrors } from '../pipeline/job-plan.ts';
import { runPipeline } from '../pipeline/run-pipeline.ts';
import { installStopSignals } from '../pipeline/stop-signals.ts';
import type { PipelineHooks } from '../pipeline/run-pipeline.ts';
import { isOsError } from '../storage/os-error.ts';
import { debugEnabled, errorText } from './error-output.ts';
import { runtimeConfig } from '../pipeline/runtime-config.ts';
import type { SourceMetrics } from '../sources/types.ts';
import { schemeOf } from '../storage/resolve.ts';
import { parseArgs, parseRunnerFlag } from './args.ts';
import { runWithRestarts } from './restarts.ts';
import { jsonReporter, terminalReporter } from './progress.ts';
import type { Reporter } from './progress.ts';

/** Local paths in a job file are relative to the file, so a job runs the same from any directory. */
export function resolveLocalPaths(job: IngestJob, baseDir: string): IngestJob {
  const fix = (p: string | undefined): string | undefined =>
    p === undefined || schemeOf(p) !== 'file' || p.startsWith('file:') || path.isAbsolute(p) ? p : path.resolve(baseDir, p);
  const j = structuredClone(job);
  if (j.spec.source.files) j.spec.source.files.path = fix(j.spec.source.files.path)!;
  j.spec.sink.path = fix(j.spec.sink.path)!;
  if (j.spec.checkpoint?.dir) j.spec.checkpoint.dir = fix(j.spec.checkpoint.dir);
  const bad = j.spec.source.badRecords;
  if (bad?.deadLetter && !bad.deadLetter.startsWith('kafka://')) bad.deadLetter = fix(bad.deadLetter);
  return j;
}

export async function runCommand(argv: string[]): Promise<number> {
  installStopSignals(); // before anything else: a signal at any moment is a stop, never a kill
  const args = parseArgs(argv, ['json']);
  const file = args.positionals[0];
  if (file === undefined) {
    process.stderr.write('usage: sluice run FILE [--runner i/N] [--json]\n');
    return 2;
  }
  let job: IngestJob;
  let split: { index: number; parallelism: number } | undefined;
  try {
    job = resolveLocalPaths((await loadIngestJob(file)).job, path.dirname(path.resolve(file)));
    split = parseRunnerFlag(args.flags.get('runner'));
    const plan = checkJobPlan(job);
    if (plan.length > 0) throw new Error(formatPlanErrors(file, plan));
  } catch (e) {
    // spec and plan errors are already the user's lines; a file that cannot be read is an OS error
    process.stderr.write(`${isOsError(e) || debugEnabled() ? errorText(e) : (e as Error).message}\n`);
    return 2;
  }
  const config = runtimeConfig(job, split?.index ?? 0, split?.parallelism);
  const policy = resolveRestartPolicy(job.spec.restartPolicy);
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  let metrics: (() => SourceMetrics) | undefined;
  let reporter: Reporter = jsonReporter(process.stdout, () => metrics?.() ?? {});
  const hooks: PipelineHooks = {
    listener: {
      onRestore: (i) => reporter.event('restore', { job: config.job, runner: config.runner, parallelism: config.parallelism, ...i }),
      onCheckpoint: (e) => reporter.checkpoint(e),
    },
    onStart: ({ runner, reader }) => {
      metrics = () => reader.metrics();
      if (process.stdout.isTTY && args.flags.get('json') !== true) reporter = terminalReporter(runner, reader);
      reporter.start();
    },
    onStopping: (sig) => reporter.event('stopping', { signal: sig, note: 'taking a final checkpoint; signal again to exit at once' }),
    onDone: (r, { runner, reader }) => {
      reporter.stop();
      const parts = runner.status.committer?.recent(10) ?? [];
      reporter.event('summary', {
        job: config.job,
        runner: config.runner,
        finished: r.finished,
        elapsedSeconds: Math.round(performance.now() - startedAt) / 1000,
        lastCheckpoint: r.lastCheckpointId,
        recordsIn: r.counters.recordsIn,
        recordsCommitted: r.counters.records,
        bytesCommitted: r.counters.bytes,
        filesCommitted: r.counters.files,
        skipped: r.counters.skipped,
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        // CPU time of all the process's threads over elapsedSeconds (more than it on several cores)
        cpuSeconds: cpuSecondsSince(cpuAtStart),
        source: reader.position(),
        // lifetime figures of this runner's lineage (restarts included), see PartitionCommitter
        partitions: runner.status.committer?.partitionsTotal ?? 0,
        recentPartitions: parts.map((p) => ({ path: p.path, files: p.files, records: p.records, successFile: p.successFile })),
      });
    },
    onError: (e, code) => {
      reporter.stop();
      if (code === 3) process.stderr.write(`sluice: ${(e as Error).message}\n`);
      // one line naming the path and cause; the stack only with SLUICE_DEBUG=1 / --debug
      else process.stderr.write(`sluice: job ${config.job} failed: ${errorText(e)}\n`);
    },
  };
  return runWithRestarts(policy, (onError) => runPipeline(config, { ...hooks, onError: async (e, code, run) => (onError(e), hooks.onError?.(e, code, run)) }), {
    onRestart: (r) => reporter.event('restarting', { job: config.job, runner: config.runner, ...r }),
  });
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return Math.round((u.user + u.system) / 1e4) / 100;
}
