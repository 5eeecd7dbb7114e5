/**
 * The pipeline's run: one runner index of a job wired to its storages and source, run to its
 * end. Both `sluice run` (cli/run.ts) and `sluice runner` (runner/pod-runner.ts, the pod entry
 * point) call `runPipeline()`; each only adds how it reports (PipelineHooks).
 *
 *   1. resolve the storages (sink, checkpoint state, dead letters) and build the source reader;
 *   2. run a JobRunner; the first SIGINT/SIGTERM (stop-signals.ts) asks it for a final checkpoint,
 *      a second exits at once (130);
 *   3. map the outcome to an exit code (0 done or stopped, 1 failed, 3 fenced) and close
 *      everything it opened.
 */
import { FencedError } from '../errors.ts';
import { secretFromEnv } from '../secrets.ts';
import { createDeadLetterTopic, createReader } from '../sources/create-reader.ts';
import type { SplitReader } from '../sources/types.ts';
import { registerBuiltinStorages } from '../storage/builtin.ts';
import { StorageResolver } from '../storage/resolve.ts';
import type { Storage } from '../storage/types.ts';
import type { DeadLetterTopic } from './bad-records.ts';
import { JobRunner } from './job-runner.ts';
import type { RunnerListener, RunResult } from './job-runner.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import { onStopSignal } from './stop-signals.ts';

/** One pipeline run as the hooks see it. */
export interface PipelineRun {
  config: RuntimeConfig;
  runner: JobRunner;
  reader: SplitReader;
}

/** What a command adds to a pipeline run: how it reports. Every hook is optional. */
export interface PipelineHooks {
  /** Passed to the JobRunner (restore, checkpoint, batch events). */
  listener?: RunnerListener;
  /** The runner and reader exist and the run is about to start. */
  onStart?(run: PipelineRun): void;
  /** The first SIGINT/SIGTERM arrived: a final checkpoint follows. */
  onStopping?(signal: string): void;
  /** The run ended cleanly (end of input, or stopped after a final checkpoint). */
  onDone?(result: RunResult, run: PipelineRun): void | Promise<void>;
  /** The run failed; `exitCode` is 3 when fenced by a newer runner, else 1. */
  /** `run` is absent when the pipeline failed before it could start (source or storage setup). */
  onError?(error: unknown, exitCode: 1 | 3, run?: PipelineRun): void | Promise<void>;
}

/**
 * Run one runner index of a job to its end and return the exit code (0 done or stopped, 1 failed,
 * 3 fenced). A stop signal (stop-signals.ts: the first SIGINT/SIGTERM, even one that arrived
 * before this run started) asks for a final checkpoint. Closes the reader and storages before
 * returning.
 */
export async function runPipeline(config: RuntimeConfig, hooks: PipelineHooks = {}): Promise<number> {
  registerBuiltinStorages();
  const storages = new StorageResolver({ spec: config.storage, secret: (name, key) => secretFromEnv(name, key), partSize: config.sink.uploadPartSize });
  let reader: SplitReader;
  let deadLetterTopic: DeadLetterTopic | undefined;
  let sinkStorage: Storage;
  let stateStorage: Storage;
  let deadLetterStorage: Storage | undefined;
  try {
    sinkStorage = storages.for(config.sink.path);
    stateStorage = storages.for(config.checkpointDir);
    const dl = config.badRecords.deadLetter;
    deadLetterStorage = dl !== undefined && !dl.startsWith('kafka://') ? storages.for(dl) : undefined;
    reader = await createReader(config, storages);
    deadLetterTopic = await createDeadLetterTopic(config);
  } catch (e) {
    // e.g. credentials missing for a storage, a Kafka option the client refuses: a clear line, exit 1
    await storages.close().catch(() => {});
    await hooks.onError?.(e, 1);
    return 1;
  }
  const runner = new JobRunner(config, {
    deadLetterTopic,
    sinkStorage,
    stateStorage,
    deadLetterStorage,
    reader,
    listener: hooks.listener,
  });
  const run: PipelineRun = { config, runner, reader };
  hooks.onStart?.(run);
  const unsubscribe = onStopSignal((sig) => {
    hooks.onStopping?.(sig);
    runner.requestStop();
  });
  try {
    const r = await runner.run();
    await hooks.onDone?.(r, run);
    return 0;
  } catch (e) {
    const code = e instanceof FencedError ? 3 : 1;
    await hooks.onError?.(e, code, run);
    return code;
  } finally {
    unsubscribe();
    await reader.close().catch(() => {});
    await deadLetterTopic?.close().catch(() => {});
    await storages.close().catch(() => {});
  }
}
