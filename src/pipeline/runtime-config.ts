/**
 * Everything one runner needs, resolved: durations in ms, sizes in bytes, defaults applied.
 * Built from an IngestJob by `runtimeConfig()`; the runtime never re-reads spec strings.
 */
import type { BadRecordPolicy, Field, Format, FunctionDef, IngestJob, KafkaSource, StorageSpec } from '../api/types.ts';
import { parseDuration } from '../api/duration.ts';
import { FLINK_DEFAULTS } from '../api/flink-defaults.ts';
import { parseMemorySize } from '../api/memory-size.ts';

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

/** Resolve one runner's config from a validated IngestJob. */
export function runtimeConfig(job: IngestJob, runner = 0, parallelismOverride?: number): RuntimeConfig {
  const s = job.spec;
  const d = FLINK_DEFAULTS;
  const rp = s.sink.rollingPolicy ?? {};
  const pc = s.sink.partitionCommit ?? {};
  const parallelism = parallelismOverride ?? s.parallelism ?? d.parallelism;
  const name = job.metadata.namespace ? `${job.metadata.namespace}.${job.metadata.name}` : job.metadata.name;
  const source = s.source.files ? { files: s.source.files } : { kafka: s.source.kafka! };
  return {
    job: name,
    runner,
    parallelism,
    checkpointIntervalMs: parseDuration(s.checkpoint?.interval ?? d.checkpointInterval, 'spec.checkpoint.interval'),
    checkpointDir: s.checkpoint?.dir ?? joinPath(s.sink.path, '_sluice'),
    source,
    sourceFormat: s.source.format,
    schema: s.source.schema,
    watermark: s.source.watermark
      ? { column: s.source.watermark.column, delayMs: parseDuration(s.source.watermark.delay ?? d.watermarkDelay, 'spec.source.watermark.delay') }
      : null,
    badRecords: s.source.badRecords ?? { mode: d.badRecordsMode },
    query: s.transform?.query ?? d.query,
    functions: s.transform?.functions ?? [],
    sink: {
      path: s.sink.path,
      format: s.sink.format,
      partitionBy: s.sink.partitionBy ?? [],
      fileSize: parseMemorySize(rp.fileSize ?? d.fileSize, 'spec.sink.rollingPolicy.fileSize'),
      rolloverIntervalMs: parseDuration(rp.rolloverInterval ?? d.rolloverInterval, 'spec.sink.rollingPolicy.rolloverInterval'),
      inactivityIntervalMs: parseDuration(rp.inactivityInterval ?? d.inactivityInterval, 'spec.sink.rollingPolicy.inactivityInterval'),
      checkIntervalMs: parseDuration(rp.checkInterval ?? d.checkInterval, 'spec.sink.rollingPolicy.checkInterval'),
      suffix: s.sink.partSuffix ?? '',
      uploadPartSize: parseMemorySize(s.sink.uploadPartSize ?? d.uploadPartSize, 'spec.sink.uploadPartSize'),
      commit: {
        trigger: pc.trigger ?? d.trigger,
        delayMs: parseDuration(pc.delay ?? d.commitDelay, 'spec.sink.partitionCommit.delay'),
        successFileName: (pc.policy ?? []).includes('success-file') ? (pc.successFileName ?? d.successFileName) : null,
        timestampPattern: pc.timestampPattern ?? null,
        timestampFormatter: pc.timestampFormatter ?? d.timestampFormatter,
        timeZone: pc.watermarkTimeZone ?? d.watermarkTimeZone,
      },
    },
    storage: s.storage ?? {},
    spec: job,
  };
}

/** Join a URI or local path with a child name without disturbing `scheme://authority`. */
export function joinPath(base: string, name: string): string {
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}
