/**
 * withDefaults: IngestJobSpec → ResolvedSpec. Applies Flink's defaults (`flink-defaults.ts`),
 * parses every duration to ms and size to bytes, and checks the few things the schema cannot
 * express (numeric bounds on parsed sizes and durations). Every problem is collected, so one
 * run names all of them.
 *
 * Input is assumed to have passed the schema (`validateIngestJob`); this step does not re-check
 * types.
 */
import { parseDuration } from './duration.ts';
import { InvalidFieldError, type ValidationError } from './field-error.ts';
import { FLINK_DEFAULTS as D } from './flink-defaults.ts';
import { JobValidationError } from './job-validation-error.ts';
import { parseMemorySize } from './memory-size.ts';
import { resolveRestartPolicy } from './restart-policy.ts';
import type {
  PartitionOffset, ResolvedFormat, ResolvedJindoNamespace, ResolvedKafkaSource, ResolvedOssAccess, ResolvedSpec,
} from './resolved-spec.ts';
import type { Format, IngestJobSpec, KafkaSource, OssStorage, JindoNamespace } from './types.ts';

/** Flink refuses checkpoint intervals below this. */
export const MIN_CHECKPOINT_INTERVAL_MS = 10;
/** OSS rejects multipart parts (except the last) below 100 KB. */
export const MIN_UPLOAD_PART_BYTES = 100 * 1024;
/** OSS's largest part. */
export const MAX_UPLOAD_PART_BYTES = 5 * 1024 ** 3;

class Resolver {
  readonly errors: ValidationError[] = [];

  private attempt(parse: () => number): number {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error;
      this.errors.push(error.toValidationError());
      return Number.NaN;
    }
  }

  duration(value: string | undefined, fallback: string, path: string): number {
    return this.attempt(() => parseDuration(value ?? fallback, path));
  }

  size(value: string | number | undefined, fallback: string, path: string): number {
    return this.attempt(() => parseMemorySize(value ?? fallback, path));
  }

  /** Adds an error when `ok` is false (skipped for values that already failed to parse). */
  require(value: number, ok: boolean, path: string, message: string): void {
    if (!Number.isNaN(value) && !ok) this.errors.push({ path, message });
  }
}

function resolveFormat(format: Format, path: string, r: Resolver): ResolvedFormat {
  if (format.type === 'parquet') {
    return {
      type: 'parquet',
      compression: format.compression ?? 'snappy',
      rowGroupSizeBytes: r.size(format.rowGroupSize, D.parquetRowGroupSize, `${path}.rowGroupSize`),
      pageSizeBytes: r.size(format.pageSize, D.parquetPageSize, `${path}.pageSize`),
      dictionary: format.dictionary ?? true,
      utcTimezone: format.utcTimezone ?? false,
    };
  }
  if (format.type === 'json') {
    return {
      type: 'json',
      failOnMissingField: format.failOnMissingField ?? false,
      ignoreParseErrors: format.ignoreParseErrors ?? false,
      timestampFormat: format.timestampFormat ?? D.timestampFormat,
      compression: format.compression ?? 'none',
    };
  }
  return {
    type: 'csv',
    fieldDelimiter: format.fieldDelimiter ?? D.fieldDelimiter,
    quoteCharacter: format.disableQuoteCharacter === true ? null : (format.quoteCharacter ?? D.quoteCharacter),
    allowComments: format.allowComments ?? false,
    ignoreParseErrors: format.ignoreParseErrors ?? false,
    nullLiteral: format.nullLiteral ?? '',
    escapeCharacter: format.escapeCharacter ?? null,
    header: format.header ?? false,
    compression: format.compression ?? 'none',
  };
}

/** Flink's `partition:0,offset:42;partition:1,offset:300` (the schema pattern has checked the syntax). */
export function parseSpecificOffsets(text: string): PartitionOffset[] {
  return text
    .split(';')
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [partition, offset] = entry.split(',').map((kv) => Number(kv.split(':')[1]));
      return { partition: partition!, offset: offset! };
    });
}

function resolveKafka(kafka: KafkaSource, jobName: string, r: Resolver): ResolvedKafkaSource {
  const path = 'spec.source.kafka';
  const security = kafka.security ?? {};
  const username = security.sasl?.username;
  return {
    bootstrapServers: kafka.bootstrapServers,
    topics: (Array.isArray(kafka.topic) ? kafka.topic : kafka.topic.split(';')).filter((t) => t !== ''),
    startupMode: kafka.startupMode ?? D.startupMode,
    groupId: kafka.groupId ?? `sluice-${jobName}`,
    autoOffsetReset: kafka.autoOffsetReset ?? null,
    startupTimestampMillis: kafka.startupTimestampMillis ?? null,
    startupSpecificOffsets: kafka.startupSpecificOffsets === undefined ? null : parseSpecificOffsets(kafka.startupSpecificOffsets),
    boundedMode: kafka.boundedMode ?? D.boundedMode,
    partitionDiscoveryIntervalMs: r.duration(kafka.partitionDiscoveryInterval, D.partitionDiscoveryInterval, `${path}.partitionDiscoveryInterval`),
    security: {
      protocol: security.protocol ?? 'PLAINTEXT',
      sasl: security.sasl === undefined || username === undefined ? null : {
        mechanism: security.sasl.mechanism,
        username: typeof username === 'string' ? { value: username } : username,
        password: security.sasl.password,
      },
      tls: security.tls === undefined ? null : {
        ca: security.tls.ca ?? null,
        cert: security.tls.cert ?? null,
        key: security.tls.key ?? null,
        rejectUnauthorized: security.tls.rejectUnauthorized ?? true,
      },
    },
  };
}

function resolveOss(oss: OssStorage): ResolvedOssAccess {
  return {
    endpoint: oss.endpoint,
    region: oss.region ?? null,
    signatureVersion: oss.signatureVersion ?? D.signatureVersion,
    pathStyle: oss.pathStyle ?? false,
    credentialsSecret: oss.credentialsSecret ?? null,
    fromEnv: oss.fromEnv ?? false,
  };
}

function resolveNamespace(ns: JindoNamespace): ResolvedJindoNamespace {
  return {
    mode: ns.mode,
    ossUri: ns.ossUri ?? null,
    endpoint: ns.endpoint ?? null,
    region: ns.region ?? null,
    signatureVersion: ns.signatureVersion ?? D.signatureVersion,
    pathStyle: ns.pathStyle ?? false,
    credentialsSecret: ns.credentialsSecret ?? null,
    fromEnv: ns.fromEnv ?? false,
    fuseMountPath: ns.fuseMountPath ?? null,
  };
}

/**
 * Resolves a spec, collecting every error instead of throwing.
 * @param jobName metadata.name, for defaults derived from it (the Kafka group id `sluice-<name>`)
 */
export function resolveSpec(spec: IngestJobSpec, jobName = 'job'): { resolved: ResolvedSpec; errors: ValidationError[] } {
  const r = new Resolver();
  const { source, sink } = spec;
  const rolling = sink.rollingPolicy ?? {};
  const commit = sink.partitionCommit ?? {};
  const storage = spec.storage ?? {};
  const rp = 'spec.sink.rollingPolicy';

  const resolved: ResolvedSpec = {
    source: {
      files: source.files === undefined ? null : { path: source.files.path },
      kafka: source.kafka === undefined ? null : resolveKafka(source.kafka, jobName, r),
      format: resolveFormat(source.format, 'spec.source.format', r),
      schema: source.schema,
      watermark: source.watermark === undefined ? null : {
        column: source.watermark.column,
        delayMs: r.duration(source.watermark.delay, D.watermarkDelay, 'spec.source.watermark.delay'),
      },
      badRecords: { mode: source.badRecords?.mode ?? D.badRecordsMode, deadLetter: source.badRecords?.deadLetter ?? null },
    },
    transform: { functions: spec.transform?.functions ?? [], query: spec.transform?.query ?? D.query },
    sink: {
      path: sink.path,
      format: resolveFormat(sink.format, 'spec.sink.format', r),
      partitionBy: sink.partitionBy ?? [],
      rollingPolicy: {
        fileSizeBytes: r.size(rolling.fileSize, D.fileSize, `${rp}.fileSize`),
        rolloverIntervalMs: r.duration(rolling.rolloverInterval, D.rolloverInterval, `${rp}.rolloverInterval`),
        inactivityIntervalMs: r.duration(rolling.inactivityInterval, D.inactivityInterval, `${rp}.inactivityInterval`),
        checkIntervalMs: r.duration(rolling.checkInterval, D.checkInterval, `${rp}.checkInterval`),
      },
      partitionCommit: {
        trigger: commit.trigger ?? D.trigger,
        delayMs: r.duration(commit.delay, D.commitDelay, 'spec.sink.partitionCommit.delay'),
        policy: commit.policy ?? [],
        successFileName: commit.successFileName ?? D.successFileName,
        timestampPattern: commit.timestampPattern ?? null,
        timestampFormatter: commit.timestampFormatter ?? D.timestampFormatter,
        watermarkTimeZone: commit.watermarkTimeZone ?? D.watermarkTimeZone,
      },
      partSuffix: sink.partSuffix ?? '',
      uploadPartSizeBytes: r.size(sink.uploadPartSize, D.uploadPartSize, 'spec.sink.uploadPartSize'),
      memoryBudgetBytes: sink.memoryBudget === undefined ? null : r.size(sink.memoryBudget, D.memoryBudget, 'spec.sink.memoryBudget'),
      maxOpenFiles: sink.maxOpenFiles ?? D.maxOpenFiles,
      commitConcurrency: sink.commitConcurrency ?? null,
    },
    checkpoint: {
      intervalMs: r.duration(spec.checkpoint?.interval, D.checkpointInterval, 'spec.checkpoint.interval'),
      dir: spec.checkpoint?.dir ?? `${sink.path.replace(/\/+$/u, '')}/_sluice`,
    },
    parallelism: spec.parallelism ?? D.parallelism,
    storage: {
      oss: storage.oss === undefined ? null : resolveOss(storage.oss),
      hdfs: {
        namenodes: storage.hdfs?.namenodes ?? {},
        user: storage.hdfs?.user ?? D.hdfsUser,
        delegationTokenSecret: storage.hdfs?.delegationTokenSecret ?? null,
      },
      jindofs: {
        namespaces: Object.fromEntries(Object.entries(storage.jindofs?.namespaces ?? {}).map(([name, ns]) => [name, resolveNamespace(ns)])),
      },
    },
    runner: { image: spec.runner?.image ?? null, resources: spec.runner?.resources ?? null, podTemplate: spec.runner?.podTemplate ?? null },
    restartPolicy: resolveRestartPolicy(spec.restartPolicy, (value, fallback, path) => r.duration(value, fallback, path)),
    suspend: spec.suspend ?? false,
  };

  const { rollingPolicy } = resolved.sink;
  r.require(rollingPolicy.fileSizeBytes, rollingPolicy.fileSizeBytes > 0, `${rp}.fileSize`, 'must be greater than 0');
  r.require(rollingPolicy.rolloverIntervalMs, rollingPolicy.rolloverIntervalMs > 0, `${rp}.rolloverInterval`, 'must be greater than 0');
  r.require(rollingPolicy.inactivityIntervalMs, rollingPolicy.inactivityIntervalMs > 0, `${rp}.inactivityInterval`, 'must be greater than 0');
  r.require(rollingPolicy.checkIntervalMs, rollingPolicy.checkIntervalMs > 0, `${rp}.checkInterval`, 'must be greater than 0');
  const part = resolved.sink.uploadPartSizeBytes;
  r.require(part, part >= MIN_UPLOAD_PART_BYTES && part <= MAX_UPLOAD_PART_BYTES, 'spec.sink.uploadPartSize', 'must be between 100KB and 5GB (OSS multipart limits)');
  const budget = resolved.sink.memoryBudgetBytes;
  r.require(budget ?? 0, budget === null || budget >= 1 << 20, 'spec.sink.memoryBudget', 'must be at least 1MB');
  const open = resolved.sink.maxOpenFiles;
  r.require(open, Number.isInteger(open) && open >= 1, 'spec.sink.maxOpenFiles', 'must be a positive integer');
  const cc = resolved.sink.commitConcurrency;
  r.require(cc ?? 0, cc === null || (Number.isInteger(cc) && cc >= 1), 'spec.sink.commitConcurrency', 'must be a positive integer');
  const interval = resolved.checkpoint.intervalMs;
  r.require(interval, interval >= MIN_CHECKPOINT_INTERVAL_MS, 'spec.checkpoint.interval', `must be at least ${MIN_CHECKPOINT_INTERVAL_MS}ms (as in Flink)`);
  const { initialMs, maxMs } = resolved.restartPolicy;
  r.require(maxMs, Number.isNaN(initialMs) || initialMs <= maxMs, 'spec.restartPolicy.backoff.max', 'must not be less than backoff.initial');

  return { resolved, errors: r.errors };
}

/**
 * Applies defaults and parses units.
 * @throws JobValidationError listing every field that cannot be resolved
 */
export function withDefaults(spec: IngestJobSpec, jobName = 'job'): ResolvedSpec {
  const { resolved, errors } = resolveSpec(spec, jobName);
  if (errors.length > 0) throw new JobValidationError(`IngestJob ${jobName}`, errors);
  return resolved;
}
