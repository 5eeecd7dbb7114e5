/**
 * IngestJob v1alpha1 (group `sluice.dev`): the TypeScript view of the resource.
 *
 * Field names mirror the Flink SQL connector options one to one, in camelCase
 * (`sink.rolling-policy.file-size` → `spec.sink.rollingPolicy.fileSize`). The JSON schema in
 * `schema.ts` is the single source for validation and for `crds/ingestjob.yaml`; these types
 * describe the same shape for the code. Defaults are Flink's and are applied by `defaults.ts`.
 */

export const GROUP = 'sluice.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'IngestJob';
export const PLURAL = 'ingestjobs';

/** SQL types a source column can have. Values are carried as described in `RowValue`. */
export type SqlType =
  | 'TINYINT' | 'SMALLINT' | 'INT' | 'INTEGER' | 'BIGINT'
  | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'BOOLEAN'
  | 'STRING' | 'VARCHAR' | 'CHAR'
  | 'DATE' | 'TIMESTAMP';

/**
 * Runtime representation of a SQL value inside a row (rows are plain arrays, one slot per
 * column, in schema order):
 * - TINYINT/SMALLINT/INT, FLOAT/DOUBLE → number
 * - BIGINT → bigint (exact 64-bit)
 * - DECIMAL → string in canonical decimal text (exact; arithmetic converts to number)
 * - BOOLEAN → boolean
 * - STRING/VARCHAR/CHAR → string
 * - DATE → string `YYYY-MM-DD`; TIMESTAMP → string `YYYY-MM-DD HH:MM:SS[.fffffffff]`
 * - SQL NULL → null
 */
export type RowValue = number | bigint | string | boolean | null;
export type Row = RowValue[];

export interface Field {
  name: string;
  /** A SqlType, optionally with precision: `DECIMAL(10, 2)`, `VARCHAR(20)`, `TIMESTAMP(3)`. */
  type: string;
}

export interface CsvFormat {
  type: 'csv';
  /** @default ',' */
  fieldDelimiter?: string;
  /** @default '"' */
  quoteCharacter?: string;
  /** @default false */
  disableQuoteCharacter?: boolean;
  /** @default false */
  allowComments?: boolean;
  /** @default false */
  ignoreParseErrors?: boolean;
  /** Text that stands for SQL NULL. @default '' (empty field is null) */
  nullLiteral?: string;
  /** No escape character unless set. */
  escapeCharacter?: string;
  /** Sink: column names as the first line of each part file; source: each file's first line, checked against the schema. @default false */
  header?: boolean;
  /** Part files compressed with this codec (`.gz`, `.zst`). Inputs are read by their extension. @default 'none' */
  compression?: 'gzip' | 'zstd' | 'none';
}

export interface JsonFormat {
  type: 'json';
  /** @default false */
  failOnMissingField?: boolean;
  /** @default false — true together with failOnMissingField is invalid (as in Flink). */
  ignoreParseErrors?: boolean;
  /** `SQL` (`2020-12-30 12:13:14.123`) or `ISO-8601` (`2020-12-30T12:13:14.123`). @default 'SQL' */
  timestampFormat?: 'SQL' | 'ISO-8601';
  /** Part files compressed with this codec (`.gz`, `.zst`). Inputs are read by their extension. @default 'none' */
  compression?: 'gzip' | 'zstd' | 'none';
}

/** Flink's `parquet` format (files only). */
export interface ParquetFormat {
  type: 'parquet';
  /** Page compression. Flink: parquet.compression. @default 'snappy' */
  compression?: 'snappy' | 'zstd' | 'gzip' | 'none';
  /** Row group size in bytes (bounded by the sink's memory budget). Flink: parquet.block.size. @default '128mb' */
  rowGroupSize?: number | string;
  /** Page size in bytes. Flink: parquet.page.size. @default '1mb' */
  pageSize?: number | string;
  /** Dictionary encoding. Flink: parquet.enable.dictionary. @default true */
  dictionary?: boolean;
  /** TIMESTAMP values are written as UTC instants (isAdjustedToUTC). Flink: parquet.utc-timezone. @default false */
  utcTimezone?: boolean;
}

/** The line formats: records are text lines (files) or message values (Kafka). */
export type LineFormat = CsvFormat | JsonFormat;

export type Format = CsvFormat | JsonFormat | ParquetFormat;

/** What happens to a record that cannot be decoded or transformed. */
export interface BadRecordPolicy {
  /** fail (default): stop the job naming file/offset and field; skip: count and go on; dead-letter: write the raw record to `deadLetter`. */
  mode: 'fail' | 'skip' | 'dead-letter';
  /** For mode dead-letter: a storage path (files) or `kafka://topic` (Kafka sources). */
  deadLetter?: string;
}

export interface FilesSource {
  /** A file or a directory (every visible file in it, recursively). local path, file://, hdfs://, webhdfs://, oss://, jfs:// */
  path: string;
}

export interface SecretKeyRef { name: string; key: string }
/** Exactly one of these. `value` is only accepted where the value is not secret (a SASL user name). */
export interface FileOrSecretRef { secretKeyRef?: SecretKeyRef; file?: string; env?: string; value?: string }

export interface KafkaSource {
  bootstrapServers: string[];
  /** One topic or a list. */
  topic: string | string[];
  /** @default 'group-offsets' */
  startupMode?: 'earliest-offset' | 'latest-offset' | 'group-offsets' | 'timestamp' | 'specific-offsets';
  groupId?: string;
  /** For group-offsets: where a partition with no committed offset starts. Unset means fail (as in Flink). */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** For startupMode timestamp: epoch millis. */
  startupTimestampMillis?: number;
  /** For startupMode specific-offsets: `partition:0,offset:42;partition:1,offset:300` (Flink's syntax). */
  startupSpecificOffsets?: string;
  /** Bounded mode: stop at the offsets that were latest when the job started. @default 'unbounded' */
  boundedMode?: 'unbounded' | 'latest-offset';
  /** Partition discovery interval (Flink `scan.topic-partition-discovery.interval`). @default '5m' */
  partitionDiscoveryInterval?: string;
  security?: {
    protocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
    sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: FileOrSecretRef | string; password: FileOrSecretRef };
    tls?: { ca?: FileOrSecretRef; cert?: FileOrSecretRef; key?: FileOrSecretRef; rejectUnauthorized?: boolean };
  };
}

export interface Watermark {
  /** Event-time column of the source schema (TIMESTAMP). */
  column: string;
  /** Bounded out-of-orderness, a duration. @default '0s' */
  delay?: string;
}

export interface SourceSpec {
  files?: FilesSource;
  kafka?: KafkaSource;
  format: Format;
  schema: Field[];
  watermark?: Watermark;
  badRecords?: BadRecordPolicy;
}

export interface FunctionParam { name: string; type: string }

/** A named scalar function defined by a SQL expression over its parameters (the seed's `uid_to_pid`). */
export interface FunctionDef {
  name: string;
  params: FunctionParam[];
  returns: string;
  expression: string;
}

export interface TransformSpec {
  functions?: FunctionDef[];
  /** A SELECT over the table `source`. @default 'SELECT * FROM source' */
  query?: string;
}

export interface RollingPolicy {
  /** Flink memory size: `128MB`, `2mb`, `512kb`, or bytes. @default '128MB' */
  fileSize?: string | number;
  /** @default '30m' */
  rolloverInterval?: string;
  /** @default '30m' */
  inactivityInterval?: string;
  /** @default '1m' */
  checkInterval?: string;
}

export interface PartitionCommit {
  /** @default 'process-time' */
  trigger?: 'process-time' | 'partition-time';
  /** @default '0s' */
  delay?: string;
  /** Commit policies; only `success-file` writes anything. @default [] (Flink needs it set; the seed sets success-file) */
  policy?: Array<'success-file'>;
  /** @default '_SUCCESS' */
  successFileName?: string;
  /** partition-time: `$dt $hour:00:00`-style pattern over partition columns. @default first partition value as `yyyy-MM-dd HH:mm:ss` */
  timestampPattern?: string;
  /** partition-time: Java-style formatter of the pattern result. @default 'yyyy-MM-dd HH:mm:ss' */
  timestampFormatter?: string;
  /** Time zone the partition times are in. @default 'UTC' */
  watermarkTimeZone?: string;
}

export interface SinkSpec {
  path: string;
  format: Format;
  partitionBy?: string[];
  rollingPolicy?: RollingPolicy;
  partitionCommit?: PartitionCommit;
  /** Suffix appended to part file names (Flink writes none). @default '' */
  partSuffix?: string;
  /** OSS multipart part size (≥ 100KB). @default '8MB' */
  uploadPartSize?: string | number;
  /** Memory for buffered rows and the storage writers' buffers. @default '64MB' (or a quarter of the container limit when less) */
  memoryBudget?: string | number;
  /** Part files (local files, OSS uploads, HDFS streams) open at once. @default 256 */
  maxOpenFiles?: number;
  /** Closes, publishes and _SUCCESS writes in flight at once in a checkpoint. @default 32 (local, OSS), 16 (HDFS) */
  commitConcurrency?: number;
}

export interface CheckpointSpec {
  /** @default '5s' */
  interval?: string;
  /** Where checkpoint state lives. @default '<sink.path>/_sluice' */
  dir?: string;
}

export interface OssCredentials {
  /** Secret with keys accessKeyId, accessKeySecret (and optional securityToken). */
  credentialsSecret?: string;
  /** Read credentials from these environment variables instead. */
  fromEnv?: boolean;
}

export interface OssStorage extends OssCredentials {
  endpoint: string;
  region?: string;
  /** @default 'v1' */
  signatureVersion?: 'v1' | 'v4';
  /** Path-style requests (only for emulators; real OSS accepts virtual-hosted URLs only). @default false */
  pathStyle?: boolean;
}

export interface JindoNamespace extends OssCredentials {
  /** cache: objects in OSS layout under ossUri; block: opaque blocks, written through a jindofs-fuse mount. */
  mode: 'cache' | 'block';
  ossUri?: string;
  endpoint?: string;
  region?: string;
  signatureVersion?: 'v1' | 'v4';
  pathStyle?: boolean;
  /** block mode: where jindofs-fuse mounts this namespace. */
  fuseMountPath?: string;
}

export interface HdfsStorage {
  /** Map an `hdfs://` authority (NameNode RPC address) to its WebHDFS HTTP address. */
  namenodes?: Record<string, string>;
  /** @default 'sluice' */
  user?: string;
  delegationTokenSecret?: string;
}

export interface StorageSpec {
  oss?: OssStorage;
  hdfs?: HdfsStorage;
  jindofs?: { namespaces: Record<string, JindoNamespace> };
}

export interface RunnerSpec {
  image?: string;
  resources?: Record<string, unknown>;
  podTemplate?: Record<string, unknown>;
}

export interface RestartPolicy {
  /** @default 10 */
  maxRestarts?: number;
  /** `resetThreshold`: a run this long without failing starts the count and the backoff again. @default 1h */
  backoff?: { initial?: string; max?: string; resetThreshold?: string };
}

export interface IngestJobSpec {
  source: SourceSpec;
  transform?: TransformSpec;
  sink: SinkSpec;
  checkpoint?: CheckpointSpec;
  /** @default 1 */
  parallelism?: number;
  storage?: StorageSpec;
  runner?: RunnerSpec;
  restartPolicy?: RestartPolicy;
  /** @default false */
  suspend?: boolean;
  autoscaler?: AutoscalerSpec;
}

/** spec.autoscaler: the operator changes spec.parallelism from the source lag (src/operator/autoscaler.ts). */
export interface AutoscalerSpec {
  /** @default false */
  enabled?: boolean;
  /** @default 1 */
  minParallelism?: number;
  /** @default the topic's partition count */
  maxParallelism?: number;
  /** @default '5m' */
  targetCatchUp?: string;
  /** @default '5m' */
  stabilizationWindow?: string;
  /** @default '1m' */
  cooldown?: string;
}

/** One change the autoscaler made. */
export interface ScalingRecord {
  time: string;
  from: number;
  to: number;
  reason: string;
  message?: string;
}

export interface AutoscalerStatus {
  state?: 'Active' | 'StoodDown' | 'Disabled';
  recommendedParallelism?: number;
  lastScaleTime?: string;
  lastEvaluation?: { time: string; reason: string; message?: string; inputRate?: string; perRunnerRate?: string; lag?: number };
  /** Newest first, at most 5. */
  recent?: ScalingRecord[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface Condition {
  type: 'Ready' | 'Reconciling' | 'Stalled' | string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface PartitionStatus {
  path: string;
  files: number;
  records: number;
  lastCommitAt: string;
  successFile: boolean;
}

/**
 * One runner's entry in `status.runners` (listType=map keyed by index). The runner pod writes
 * its own entry by server-side apply under field manager `sluice-runner-<index>`; the operator
 * owns `pod`, `restarts` and `state` transitions it observes, and every aggregate field.
 */
export interface RunnerStatus {
  index: number;
  pod?: string;
  /** Pending | Running | Succeeded | Failed | Restarting */
  state: string;
  restarts?: number;
  /** Written by the runner: */
  epoch?: number;
  checkpointId?: number;
  checkpointAt?: string;
  checkpointDurationMs?: number;
  records?: number;
  bytes?: number;
  files?: number;
  skipped?: number;
  lag?: number;
  /** The largest lag of one of its partitions (Flink's records-lag-max). */
  lagMax?: number;
  /** Its partitions furthest behind (Flink's per-partition records-lag), at most 5, largest first. */
  laggingPartitions?: Array<{ partition: string; lag: number }>;
  /** Bounded input fully committed by this runner. */
  finished?: boolean;
  /** At most 5, newest first. */
  recentPartitions?: PartitionStatus[];
  partitionsTotal?: number;
  /** Source splits (Kafka partitions) this runner reads. */
  splits?: number;
  message?: string;
}

export interface IngestJobStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  phase?: 'Pending' | 'Running' | 'Suspended' | 'Succeeded' | 'Failed' | 'Stalled';
  checkpoint?: { id: number; completedAt: string; durationMs: number };
  committed?: { records: number; bytes: number; files: number; skipped?: number };
  /** Totals of runner indexes a scale-down removed (operator-owned), included in `committed`. */
  retired?: { records: number; bytes: number; files: number; skipped: number; folded: string[] };
  source?: { lag?: number; lagMax?: number; offsets?: string };
  partitions?: { total: number; recent: PartitionStatus[] };
  runners?: RunnerStatus[];
  lastAppliedSpecHash?: string;
  /** The scale subresource's status.replicas: runner pods that exist and are not terminating. */
  replicas?: number;
  /** The scale subresource's status.selector: `sluice.dev/job=<name>`. */
  selector?: string;
  autoscaler?: AutoscalerStatus;
}

export interface IngestJob {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: IngestJobSpec;
  status?: IngestJobStatus;
}
