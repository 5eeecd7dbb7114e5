/**
 * `sluice runner`: one runner pod of an IngestJob, from its IngestJob to its exit code.
 *
 *   1. serve /metrics, /healthz, /readyz (ready once restored);
 *   2. GET the IngestJob (retrying while the API is unreachable), validate it as `sluice run`
 *      would, and resolve this runner's RuntimeConfig (index i of N);
 *   3. run the pipeline with the same wiring as `sluice run` (`runPipeline`): storages, reader,
 *      JobRunner, SIGTERM → final checkpoint → exit 0;
 *   4. report progress to `status.runners[i]` after restore and after checkpoints (rate-limited
 *      by StatusReporter), and a final status before exit — except when fenced: a newer runner
 *      owns this index then, and its status must not be overwritten by a stale process.
 * Exit codes as `sluice run`: 0 done or stopped, 1 failed, 2 invalid job, 3 fenced.
 */
import { validateIngestJob } from '../api/validate.ts';
import { checkJobPlan } from '../pipeline/job-plan.ts';
import { formatValidationError } from '../api/field-error.ts';
import type { IngestJob, RunnerStatus } from '../api/types.ts';
import { JobFailedError } from '../errors.ts';
import { runtimeConfig } from '../pipeline/runtime-config.ts';
import type { RuntimeConfig } from '../pipeline/runtime-config.ts';
import { runPipeline } from '../pipeline/run-pipeline.ts';
import { installStopSignals } from '../pipeline/stop-signals.ts';
import type { PipelineRun } from '../pipeline/run-pipeline.ts';
import type { JsonLog } from './json-log.ts';
import type { RunnerOptions } from './runner-args.ts';
import { RunnerMetrics } from './runner-metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import type { RunnerState } from './runner-status.ts';
import { MAX_RECENT_PARTITIONS, runnerStatus } from './runner-status.ts';
import type { ReporterTimers, StatusSink } from './status-reporter.ts';
import { realTimers, StatusReporter } from './status-reporter.ts';

/** What the pod runner talks to; `IngestJobClient` on Kubernetes, fakes in tests. */
export interface JobSource extends StatusSink {
  get(): Promise<IngestJob>;
}

export interface PodRunnerDeps {
  client: JobSource;
  log: JsonLog;
  timers?: ReporterTimers;
  /** Interface the metrics server binds. @default all interfaces */
  metricsHost?: string;
  /** Tells the caller where /metrics listens (tests use port 0). */
  onListening?(port: number): void;
  /** How long to keep retrying the first GET while the API is unreachable. @default 60000 */
  getJobTimeoutMs?: number;
}

export async function runInPod(o: RunnerOptions, d: PodRunnerDeps): Promise<number> {
  installStopSignals(); // before anything else: a SIGTERM from the kubelet at any moment is a stop, never a kill
  const { log, client } = d;
  const timers = d.timers ?? realTimers;
  const metrics = new RunnerMetrics({ ingestjob: `${o.namespace}/${o.job}`, runner: o.index });
  let server;
  try {
    server = await startMetricsServer(metrics, { port: o.metricsPort, host: d.metricsHost });
  } catch (e) {
    log.error('failed', { reason: `cannot serve metrics on port ${o.metricsPort} (--metrics-port): ${(e as Error).message}` });
    return 1;
  }
  d.onListening?.(server.port);
  log.info('starting', { namespace: o.namespace, job: o.job, index: o.index, parallelism: o.parallelism, pod: process.env.POD_NAME, metricsPort: server.port });
  const reporter = new StatusReporter(client, {
    minIntervalMs: o.statusIntervalMs,
    timers,
    onError: (e, s) => log.warn('status-update-failed', { reason: (e as Error).message, checkpointId: s.checkpointId }),
  });
  try {
    let job: IngestJob;
    try {
      job = await getJob(client, d.getJobTimeoutMs ?? 60_000, timers, log);
    } catch (e) {
      log.error('failed', { reason: (e as Error).message });
      return 1;
    }
    let config: RuntimeConfig;
    try {
      config = configFor(job, o);
    } catch (e) {
      const reason = (e as Error).message;
      log.error('invalid-job', { reason });
      await reporter.close(failedStatus(o.index, reason));
      return 2;
    }
    return await runJob(config, o, { log, reporter, metrics, timers, setReady: (r) => server.setReady(r) });
  } finally {
    server.setReady(false);
    await server.close();
  }
}

/** The job as the API holds it, checked with the same validation as `sluice run`. */
function configFor(job: IngestJob, o: RunnerOptions): RuntimeConfig {
  // Only what the runner runs: status (written by others) and server metadata are not its input.
  const input = { apiVersion: job.apiVersion, kind: job.kind, metadata: { name: job.metadata.name, namespace: job.metadata.namespace }, spec: job.spec };
  const errors = validateIngestJob(input);
  if (errors.length > 0) throw new JobFailedError(`IngestJob ${o.namespace}/${o.job} is invalid: ${errors.map(formatValidationError).join('; ')}`);
  const plan = checkJobPlan(input as IngestJob);
  if (plan.length > 0) throw new JobFailedError(`IngestJob ${o.namespace}/${o.job} is invalid: ${plan.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return runtimeConfig(input as IngestJob, o.index, o.parallelism);
}

async function getJob(client: JobSource, timeoutMs: number, timers: ReporterTimers, log: JsonLog): Promise<IngestJob> {
  const deadline = timers.now() + timeoutMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 8000)) {
    try {
      return await client.get();
    } catch (e) {
      const retriable = (e as { retriable?: boolean }).retriable === true;
      if (!retriable || timers.now() + delay > deadline) throw e;
      log.warn('get-job-retry', { reason: (e as Error).message, retryInMs: delay });
      await new Promise<void>((r) => setTimeout(r, delay)); // a ref'd timer: the wait keeps the process alive
    }
  }
}

function failedStatus(index: number, message: string): RunnerStatus {
  return { index, state: 'Failed', message: message.slice(0, 1024) };
}

interface RunContext {
  log: JsonLog;
  reporter: StatusReporter;
  metrics: RunnerMetrics;
  timers: ReporterTimers;
  setReady(ready: boolean): void;
}

async function runJob(config: RuntimeConfig, o: RunnerOptions, x: RunContext): Promise<number> {
  const { log, reporter, metrics, timers } = x;
  let run: PipelineRun | null = null;
  let checkpoint: { id: number; at: number | null; durationMs: number | null } | null = null;
  let final: RunnerStatus | null = null;
  metrics.trackSource(() => run?.reader.metrics());
  const status = (state: RunnerState, finished: boolean, message?: string): RunnerStatus => {
    const s = run!.runner.status;
    const source = run!.reader.metrics();
    return runnerStatus({
      index: o.index, state, epoch: s.epoch, checkpoint, counters: s.counters, lag: source.lag, splits: source.splits?.length, source, finished,
      partitions: s.committer?.recent(MAX_RECENT_PARTITIONS) ?? [], partitionsTotal: s.committer?.partitionsTotal ?? 0, message,
    });
  };
  let code: number;
  try {
    code = await runPipeline(config, {
      onStart: (r) => {
        run = r;
      },
      listener: {
        onRestore: (i) => {
          const s = run!.runner.status;
          if (i.restoredId !== null) checkpoint = { id: i.restoredId, at: null, durationMs: null };
          metrics.restored(s.counters, s.lastCheckpointId);
          log.info('restore', { job: config.job, runner: config.runner, parallelism: config.parallelism, ...i });
          x.setReady(true);
          reporter.update(status('Running', false));
        },
        onBatch: (n) => metrics.batch(n),
        onCheckpoint: (e) => {
          checkpoint = { id: e.id, at: timers.now(), durationMs: e.durationMs };
          const source = run!.reader.metrics();
          const l = source.lag;
          metrics.checkpoint(e, l);
          log.info('checkpoint', { id: e.id, epoch: e.epoch, durationMs: e.durationMs, files: e.files, records: e.records, committedPartitions: e.committedPartitions.length, lag: l, finished: e.finished });
          reporter.update(status('Running', false));
        },
      },
      onStopping: (signal) => {
        x.setReady(false);
        log.info('stopping', { signal, note: 'taking a final checkpoint' });
      },
      onDone: (r) => {
        const message = r.finished ? 'input fully committed' : `stopped after checkpoint ${r.lastCheckpointId ?? 'none'}`;
        final = status(r.finished ? 'Succeeded' : 'Running', r.finished, message);
        log.info('summary', {
          job: config.job, runner: config.runner, finished: r.finished, lastCheckpoint: r.lastCheckpointId, epoch: r.epoch,
          recordsIn: r.counters.recordsIn, recordsCommitted: r.counters.records, bytesCommitted: r.counters.bytes,
          filesCommitted: r.counters.files, skipped: r.counters.skipped,
        });
      },
      onError: (e, exitCode) => {
        const reason = e instanceof Error ? e.message : String(e);
        if (exitCode === 3) {
          log.error('fenced', { reason });
          return; // the newer runner reports for this index now
        }
        log.error('failed', { reason, stack: e instanceof JobFailedError ? undefined : (e as Error).stack });
        final = status('Failed', false, reason);
      },
    });
  } catch (e) {
    // Wiring failed before the run (a source or storage that cannot be set up).
    const reason = (e as Error).message;
    log.error('failed', { reason });
    final = failedStatus(o.index, reason);
    code = 1;
  }
  x.setReady(false);
  await reporter.close(final);
  return code;
}
