/**
 * Everything one runner needs, resolved: durations in ms, sizes in bytes, defaults applied.
 * Built from an IngestJob by `runtimeConfig()`; the runtime never re-reads spec strings.
 */
import type { BadRecordPolicy, Field, Format, FunctionDef, IngestJob, KafkaSource, StorageSpec } from '../api/types.ts';
import { withDefaults } from '../api/defaults.ts';
import { containerMemoryLimit, sinkMemoryBudget } from './memory-budget.ts';

export interface RuntimeConfig {
  /** Job name (namespace/name on Kubernetes): names the checkpoint lineage. */
  job: string;
  runner: number;
  parallelism: number;
  checkpointIntervalMs: number;
  checkpointDir: string;
  source: { files: { path: string } } | { kafka: KafkaSource };
  sourceFormat: Format;
  schema: Field[];
  watermark: { column: string; delayMs: number } | null;
  badRecords: BadRecordPolicy;
  query: string;
  functions: FunctionDef[];
  sink: {
    path: string;
    format: Format;
    partitionBy: string[];
    fileSize: number;
    rolloverIntervalMs: number;
    inactivityIntervalMs: number;
    checkIntervalMs: number;
    suffix: string;
    uploadPartSize: number;
    /** Bytes: spec.sink.memoryBudget, or derived from the container's memory (memory-budget.ts). */
    memoryBudget: number;
    maxOpenFiles: number;
    /** spec.sink.commitConcurrency, or null for the sink storage's own default. */
    commitConcurrency: number | null;
    commit: {
      trigger: 'process-time' | 'partition-time';
      delayMs: number;
      successFileName: string | null;
      timestampPattern: string | null;
      timestampFormatter: string;
      timeZone: string;
    };
  };
  storage: StorageSpec;
  /** The IngestJob it came from. */
  spec: IngestJob;
}

/**
 * Resolve one runner's config from a validated IngestJob. Defaults and unit parsing come from
 * `api/defaults.ts` (the one place they live); formats and the Kafka block stay as written,
 * because their modules compile their own options.
 */
export function runtimeConfig(job: IngestJob, runner = 0, parallelismOverride?: number): RuntimeConfig {
  const s = job.spec;
  const r = withDefaults(s, job.metadata.name);
  const name = job.metadata.namespace ? `${job.metadata.namespace}.${job.metadata.name}` : job.metadata.name;
  const pc = r.sink.partitionCommit;
  return {
    job: name,
    runner,
    parallelism: parallelismOverride ?? r.parallelism,
    checkpointIntervalMs: r.checkpoint.intervalMs,
    checkpointDir: r.checkpoint.dir,
    source: s.source.files ? { files: s.source.files } : { kafka: s.source.kafka! },
    sourceFormat: s.source.format,
    schema: r.source.schema,
    watermark: r.source.watermark,
    badRecords: r.source.badRecords.deadLetter === null ? { mode: r.source.badRecords.mode } : { mode: r.source.badRecords.mode, deadLetter: r.source.badRecords.deadLetter },
    query: r.transform.query,
    functions: r.transform.functions,
    sink: {
      path: r.sink.path,
      format: s.sink.format,
      partitionBy: r.sink.partitionBy,
      fileSize: r.sink.rollingPolicy.fileSizeBytes,
      rolloverIntervalMs: r.sink.rollingPolicy.rolloverIntervalMs,
      inactivityIntervalMs: r.sink.rollingPolicy.inactivityIntervalMs,
      checkIntervalMs: r.sink.rollingPolicy.checkIntervalMs,
      suffix: r.sink.partSuffix,
      uploadPartSize: r.sink.uploadPartSizeBytes,
      memoryBudget: sinkMemoryBudget(r.sink.memoryBudgetBytes, containerMemoryLimit()),
      maxOpenFiles: r.sink.maxOpenFiles,
      commitConcurrency: r.sink.commitConcurrency,
      commit: {
        trigger: pc.trigger,
        delayMs: pc.delayMs,
        successFileName: pc.policy.includes('success-file') ? pc.successFileName : null,
        timestampPattern: pc.timestampPattern,
        timestampFormatter: pc.timestampFormatter,
        timeZone: pc.watermarkTimeZone,
      },
    },
    storage: s.storage ?? {},
    spec: job,
  };
}
