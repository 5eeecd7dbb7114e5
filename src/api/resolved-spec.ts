/**
 * ResolvedSpec: an IngestJobSpec with every default applied and every duration/size parsed
 * (`defaults.ts` builds it). The runtime reads only this, so it never re-parses `'30 min'`
 * or guesses a default. Units are in the names: `...Ms` milliseconds, `...Bytes` bytes.
 * Absent optional things are `null`, never `undefined`.
 */
import type { ResolvedRestartPolicy } from './restart-policy.ts';
import type { Field, FileOrSecretRef, FunctionDef, JindoNamespace, RunnerSpec } from './types.ts';

export interface ResolvedCsvFormat {
  type: 'csv';
  fieldDelimiter: string;
  /** null when disableQuoteCharacter is true. */
  quoteCharacter: string | null;
  allowComments: boolean;
  ignoreParseErrors: boolean;
  /** Text that stands for SQL NULL ('' = an empty field is null). */
  nullLiteral: string;
  escapeCharacter: string | null;
  header: boolean;
  compression: 'gzip' | 'zstd' | 'none';
}

export interface ResolvedJsonFormat {
  type: 'json';
  failOnMissingField: boolean;
  ignoreParseErrors: boolean;
  timestampFormat: 'SQL' | 'ISO-8601';
  compression: 'gzip' | 'zstd' | 'none';
}

export interface ResolvedParquetFormat {
  type: 'parquet';
  compression: 'snappy' | 'zstd' | 'gzip' | 'none';
  rowGroupSizeBytes: number;
  pageSizeBytes: number;
  dictionary: boolean;
  utcTimezone: boolean;
}

export type ResolvedFormat = ResolvedCsvFormat | ResolvedJsonFormat | ResolvedParquetFormat;

/** One entry of Flink's `scan.startup.specific-offsets`. */
export interface PartitionOffset {
  partition: number;
  offset: number;
}

export interface ResolvedKafkaSecurity {
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  sasl: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: FileOrSecretRef; password: FileOrSecretRef } | null;
  tls: { ca: FileOrSecretRef | null; cert: FileOrSecretRef | null; key: FileOrSecretRef | null; rejectUnauthorized: boolean } | null;
}

export interface ResolvedKafkaSource {
  bootstrapServers: string[];
  /** `topic` split on ';' (Flink's list syntax). */
  topics: string[];
  startupMode: 'earliest-offset' | 'latest-offset' | 'group-offsets' | 'timestamp' | 'specific-offsets';
  groupId: string;
  /** null: a partition without a committed offset fails under group-offsets (as in Flink). */
  autoOffsetReset: 'earliest' | 'latest' | 'none' | null;
  startupTimestampMillis: number | null;
  startupSpecificOffsets: PartitionOffset[] | null;
  boundedMode: 'unbounded' | 'latest-offset';
  /** 0 disables discovery. */
  partitionDiscoveryIntervalMs: number;
  security: ResolvedKafkaSecurity;
}

export interface ResolvedSource {
  /** Exactly one of files and kafka is non-null. */
  files: { path: string } | null;
  kafka: ResolvedKafkaSource | null;
  format: ResolvedFormat;
  schema: Field[];
  watermark: { column: string; delayMs: number } | null;
  badRecords: { mode: 'fail' | 'skip' | 'dead-letter'; deadLetter: string | null };
}

export interface ResolvedRollingPolicy {
  fileSizeBytes: number;
  rolloverIntervalMs: number;
  inactivityIntervalMs: number;
  checkIntervalMs: number;
}

export interface ResolvedPartitionCommit {
  trigger: 'process-time' | 'partition-time';
  delayMs: number;
  policy: Array<'success-file'>;
  successFileName: string;
  timestampPattern: string | null;
  timestampFormatter: string;
  watermarkTimeZone: string;
}

export interface ResolvedSink {
  path: string;
  format: ResolvedFormat;
  partitionBy: string[];
  rollingPolicy: ResolvedRollingPolicy;
  partitionCommit: ResolvedPartitionCommit;
  partSuffix: string;
  uploadPartSizeBytes: number;
  /** Bytes, or null: derived from the container's memory at run time (pipeline/memory-budget.ts). */
  memoryBudgetBytes: number | null;
  maxOpenFiles: number;
  /** null: the storage's own default. */
  commitConcurrency: number | null;
}

export interface ResolvedOssAccess {
  endpoint: string;
  region: string | null;
  signatureVersion: 'v1' | 'v4';
  pathStyle: boolean;
  credentialsSecret: string | null;
  fromEnv: boolean;
}

export interface ResolvedJindoNamespace extends Omit<ResolvedOssAccess, 'endpoint'> {
  mode: JindoNamespace['mode'];
  ossUri: string | null;
  endpoint: string | null;
  fuseMountPath: string | null;
}

export interface ResolvedStorage {
  oss: ResolvedOssAccess | null;
  hdfs: { namenodes: Record<string, string>; user: string; delegationTokenSecret: string | null };
  jindofs: { namespaces: Record<string, ResolvedJindoNamespace> };
}

export interface ResolvedSpec {
  source: ResolvedSource;
  transform: { functions: FunctionDef[]; query: string };
  sink: ResolvedSink;
  checkpoint: { intervalMs: number; dir: string };
  parallelism: number;
  storage: ResolvedStorage;
  runner: { image: string | null; resources: RunnerSpec['resources'] | null; podTemplate: RunnerSpec['podTemplate'] | null };
  restartPolicy: ResolvedRestartPolicy;
  suspend: boolean;
}
