/**
 * The Flink option → IngestJob field table: the importer's data and the source of the tables in
 * docs/flink-options.md (rendered by options-doc.ts; import.test.ts fails when the docs and
 * this file disagree). One row per option a user can write in `WITH (...)` or `SET`.
 *
 * `to` says where the importer puts the value. Field paths are under `spec`; `$table` is the
 * table's own place (`source.files` / `source.kafka` for the source, `sink` for the sink) and
 * `$format` its format (`source.format` / `sink.format`). A row without `to` is documentation
 * only (a construct, not an option).
 */

/** How an option's text becomes a field value. */
export type ValueKind =
  | 'text' // as written: durations and sizes stay in Flink's notation, which Sluice parses
  | 'integer'
  | 'boolean'
  | 'size' // a MemorySize field: a bare number of bytes (Hadoop's notation) → an integer, else as written
  | 'list'; // Flink's comma-separated list → a YAML list

export interface OptionTarget {
  field: string;
  value: ValueKind;
  /** Only for the source or only for the sink table. */
  role?: 'source' | 'sink';
  /** The values Sluice takes, lower-cased Flink value → field value (`UNCOMPRESSED` → `none`). */
  values?: Readonly<Record<string, string>>;
}

export interface OptionRow {
  /** The option's key; a key ending in `.*` is a prefix. */
  key: string;
  /** The Flink column of the docs, when it is more than the key in backticks. */
  flink?: string;
  /** The IngestJob column of the docs. */
  ingestJob: string;
  default?: string;
  to?: OptionTarget;
  /** Mapped, but the user has to finish it (a secret, a keystore): why. */
  needsUser?: string;
  /** Nothing to set in Sluice (the behaviour is built in): why; listed as dropped. */
  builtIn?: string;
}

/** An option (or one value of it) Sluice does not support, with why. */
export interface UnsupportedOption {
  keys: string[];
  /** The docs' name for it, when that says more than the keys (`INT96 output`). */
  label?: string;
  /** Only these values are unsupported (other values of the key map through an OptionRow). */
  values?: string[];
  reason: string;
  /** needs-user: the job would behave differently; dropped: no effect on what lands. */
  severity: 'needs-user' | 'dropped';
}

export interface OptionSection {
  id: 'filesystem' | 'kafka' | 'csv' | 'json' | 'parquet' | 'job';
  title: string;
  /** Markdown before the table. */
  intro?: string;
  /** Markdown after the table, before the unsupported list. */
  notes?: string;
  /** The header of the docs table's second column. */
  ingestJobHeader: string;
  rows: OptionRow[];
  unsupported: UnsupportedOption[];
}

const FILESYSTEM: OptionSection = {
  id: 'filesystem',
  title: 'Filesystem connector',
  ingestJobHeader: 'IngestJob',
  rows: [
    { key: 'connector', flink: "`connector` = `'filesystem'`", ingestJob: '`source.files` / `sink`', default: 'required' },
    { key: 'path', ingestJob: '`source.files.path` / `sink.path`', default: 'required', to: { field: '$table.path', value: 'text' } },
    { key: 'format', ingestJob: '`format.type`', default: 'required', to: { field: '$format.type', value: 'text' } },
    { key: 'sink.rolling-policy.file-size', ingestJob: '`sink.rollingPolicy.fileSize`', default: '`128MB`', to: { field: 'sink.rollingPolicy.fileSize', value: 'text', role: 'sink' } },
    { key: 'sink.rolling-policy.rollover-interval', ingestJob: '`sink.rollingPolicy.rolloverInterval`', default: '`30m`', to: { field: 'sink.rollingPolicy.rolloverInterval', value: 'text', role: 'sink' } },
    { key: 'sink.rolling-policy.inactivity-interval', ingestJob: '`sink.rollingPolicy.inactivityInterval`', default: '`30m`', to: { field: 'sink.rollingPolicy.inactivityInterval', value: 'text', role: 'sink' } },
    { key: 'sink.rolling-policy.check-interval', ingestJob: '`sink.rollingPolicy.checkInterval`', default: '`1m`', to: { field: 'sink.rollingPolicy.checkInterval', value: 'text', role: 'sink' } },
    { key: 'sink.partition-commit.trigger', ingestJob: '`sink.partitionCommit.trigger` (`process-time`, `partition-time`)', default: '`process-time`', to: { field: 'sink.partitionCommit.trigger', value: 'text', role: 'sink' } },
    { key: 'sink.partition-commit.delay', ingestJob: '`sink.partitionCommit.delay`', default: '`0s`', to: { field: 'sink.partitionCommit.delay', value: 'text', role: 'sink' } },
    { key: 'sink.partition-commit.watermark-time-zone', ingestJob: '`sink.partitionCommit.watermarkTimeZone`', default: '`UTC`', to: { field: 'sink.partitionCommit.watermarkTimeZone', value: 'text', role: 'sink' } },
    { key: 'sink.partition-commit.policy.kind', ingestJob: '`sink.partitionCommit.policy` (`success-file`)', default: 'none', to: { field: 'sink.partitionCommit.policy', value: 'list', role: 'sink' } },
    { key: 'sink.partition-commit.success-file.name', ingestJob: '`sink.partitionCommit.successFileName`', default: '`_SUCCESS`', to: { field: 'sink.partitionCommit.successFileName', value: 'text', role: 'sink' } },
    { key: 'partition.time-extractor.timestamp-pattern', ingestJob: '`sink.partitionCommit.timestampPattern`', default: 'first partition value', to: { field: 'sink.partitionCommit.timestampPattern', value: 'text', role: 'sink' } },
    { key: 'partition.time-extractor.timestamp-formatter', ingestJob: '`sink.partitionCommit.timestampFormatter`', default: '`yyyy-MM-dd HH:mm:ss`', to: { field: 'sink.partitionCommit.timestampFormatter', value: 'text', role: 'sink' } },
    { key: 'partition.time-extractor.kind', flink: "`partition.time-extractor.kind` = `'default'`", ingestJob: '— the default extractor (pattern + formatter)', default: '`default`', builtIn: 'the default extractor (pattern + formatter) is the one Sluice has' },
    { key: 'sink.parallelism', ingestJob: '`parallelism` (the whole pipeline)', default: '`1`', to: { field: 'parallelism', value: 'integer', role: 'sink' } },
    { key: 'doc:part-suffix', flink: 'OutputFileConfig part suffix (DataStream API)', ingestJob: '`sink.partSuffix`', default: 'none' },
    { key: 'doc:checkpoint-dir', flink: '`execution.checkpointing.dir` / `state.checkpoints.dir` (SET)', ingestJob: '`checkpoint.dir`', default: '`<sink.path>/_sluice`' },
    { key: 'doc:upload-part-size', flink: '— (Sluice)', ingestJob: '`sink.uploadPartSize` (OSS multipart part, ≥ 100KB)', default: '`8MB`' },
    { key: 'doc:memory-budget', flink: '— (Sluice; Flink sizes managed memory per TaskManager)', ingestJob: '`sink.memoryBudget` (buffered rows + storage writers\' buffers)', default: '`64MB`, or a quarter of the container limit when less' },
    { key: 'doc:max-open-files', flink: '— (Sluice)', ingestJob: '`sink.maxOpenFiles` (part files, OSS uploads, HDFS streams open at once)', default: '`256`' },
    { key: 'doc:commit-concurrency', flink: '— (Sluice)', ingestJob: '`sink.commitConcurrency` (closes, publishes, `_SUCCESS` writes in flight per checkpoint)', default: '32 (local, OSS), 16 (HDFS)' },
  ],
  unsupported: [
    { keys: ['sink.partition-commit.policy.kind'], values: ['metastore'], reason: 'there is no Hive metastore to register partitions in', severity: 'needs-user' },
    { keys: ['sink.partition-commit.policy.kind'], values: ['custom'], reason: 'no Java classes run', severity: 'needs-user' },
    { keys: ['sink.partition-commit.policy.class', 'sink.partition-commit.policy.class.parameters'], reason: 'no Java classes run', severity: 'needs-user' },
    { keys: ['partition.time-extractor.kind'], values: ['custom'], reason: 'no Java classes run; the default extractor (pattern + formatter) is supported', severity: 'needs-user' },
    { keys: ['partition.time-extractor.class'], reason: 'no Java classes run; the default extractor (pattern + formatter) is supported', severity: 'needs-user' },
    { keys: ['partition.default-name'], reason: "fixed to Flink's default `__DEFAULT_PARTITION__`", severity: 'needs-user' },
    { keys: ['auto-compaction', 'compaction.file-size', 'compaction.parallelism'], reason: 'files are final at commit and never rewritten; size them with `rollingPolicy`', severity: 'dropped' },
    { keys: ['sink.shuffle-by-partition.enable'], reason: "runners do not exchange rows; each runner writes its own part files into every partition it sees (Flink's default behaviour)", severity: 'dropped' },
    { keys: ['source.monitor-interval', 'source.path.regex-pattern'], reason: 'a files source is read once; no continuous directory watching yet', severity: 'needs-user' },
    { keys: ['source.report-statistics'], reason: 'there is no query planner to feed', severity: 'dropped' },
  ],
};

const KAFKA: OptionSection = {
  id: 'kafka',
  title: 'Kafka connector (source only)',
  ingestJobHeader: 'IngestJob',
  rows: [
    { key: 'connector', flink: "`connector` = `'kafka'`", ingestJob: '`source.kafka`', default: 'required' },
    { key: 'topic', flink: "`topic` (`'a;b'` for several)", ingestJob: '`source.kafka.topic`', default: 'required', to: { field: '$table.topic', value: 'text' } },
    { key: 'properties.bootstrap.servers', ingestJob: '`source.kafka.bootstrapServers`', default: 'required', to: { field: '$table.bootstrapServers', value: 'list' } },
    { key: 'properties.group.id', ingestJob: '`source.kafka.groupId`', default: '`sluice-<job name>`', to: { field: '$table.groupId', value: 'text' } },
    { key: 'properties.auto.offset.reset', ingestJob: '`source.kafka.autoOffsetReset` (with `group-offsets`)', default: 'unset: a partition with no committed offset fails, as in Flink', to: { field: '$table.autoOffsetReset', value: 'text' } },
    { key: 'scan.startup.mode', ingestJob: '`source.kafka.startupMode`', default: '`group-offsets`', to: { field: '$table.startupMode', value: 'text' } },
    { key: 'scan.startup.specific-offsets', ingestJob: '`source.kafka.startupSpecificOffsets` (`partition:0,offset:42;partition:1,offset:300`)', default: 'required with `specific-offsets`', to: { field: '$table.startupSpecificOffsets', value: 'text' } },
    { key: 'scan.startup.timestamp-millis', ingestJob: '`source.kafka.startupTimestampMillis`', default: 'required with `timestamp`', to: { field: '$table.startupTimestampMillis', value: 'integer' } },
    { key: 'scan.bounded.mode', ingestJob: '`source.kafka.boundedMode` (`unbounded`, `latest-offset`)', default: '`unbounded`', to: { field: '$table.boundedMode', value: 'text' } },
    { key: 'scan.topic-partition-discovery.interval', ingestJob: '`source.kafka.partitionDiscoveryInterval` (`0` disables)', default: '`5m`', to: { field: '$table.partitionDiscoveryInterval', value: 'text' } },
    { key: 'scan.parallelism', ingestJob: '`parallelism`', default: '`1`', to: { field: 'parallelism', value: 'integer' } },
    { key: 'properties.security.protocol', ingestJob: '`source.kafka.security.protocol`', default: '`PLAINTEXT`', to: { field: '$table.security.protocol', value: 'text' } },
    { key: 'properties.sasl.mechanism', ingestJob: '`source.kafka.security.sasl.mechanism`', default: '', to: { field: '$table.security.sasl.mechanism', value: 'text' } },
    { key: 'properties.sasl.jaas.config', ingestJob: '`source.kafka.security.sasl` (`username`, `password` by Secret/file/env reference)', default: '', needsUser: 'the password is never copied into the job: put it in a Secret and name it in source.kafka.security.sasl.password.secretKeyRef' },
    { key: 'properties.ssl.*', ingestJob: '`source.kafka.security.tls` (`ca`, `cert`, `key` as PEM references, `rejectUnauthorized`)', default: '', needsUser: 'Java keystores do not carry over: give the CA, certificate and key as PEM references in source.kafka.security.tls' },
    { key: 'value.format', flink: '`format` / `value.format`', ingestJob: '`source.format`', default: 'required', to: { field: '$format.type', value: 'text' } },
    { key: 'format', flink: '', ingestJob: '', default: '', to: { field: '$format.type', value: 'text' } },
    { key: 'properties.commit.offsets.on.checkpoint', ingestJob: 'always on: offsets are committed to the group after each checkpoint, for lag monitoring only', default: '', builtIn: 'always on: offsets are committed to the group after each checkpoint, for lag monitoring only' },
    { key: 'properties.isolation.level', ingestJob: "always `read_committed` (Flink's default): aborted transactions and transaction markers are skipped", default: '`read_committed`', builtIn: 'always read_committed: aborted transactions and transaction markers are skipped' },
  ],
  unsupported: [
    { keys: ['properties.*'], reason: 'the runner uses @platformatic/kafka, not the Java client, so Java client settings have no meaning; the ones that matter have fields above', severity: 'dropped' },
    { keys: ['topic-pattern'], reason: 'not yet; list the topics with `;`', severity: 'needs-user' },
    { keys: ['key.format', 'key.fields', 'key.fields-prefix', 'value.fields-include'], reason: "only the record value is decoded (Flink's `value.fields-include = ALL` without a key format)", severity: 'needs-user' },
    { keys: ['scan.bounded.mode'], values: ['group-offsets', 'timestamp', 'specific-offsets'], reason: 'only `latest-offset` bounds are supported so far', severity: 'needs-user' },
    { keys: ['scan.bounded.timestamp-millis', 'scan.bounded.specific-offsets'], reason: 'only `latest-offset` bounds are supported so far', severity: 'needs-user' },
    { keys: ['sink.partitioner', 'sink.delivery-guarantee', 'sink.transactional-id-prefix', 'sink.parallelism'], reason: 'Sluice writes files, not Kafka (a `kafka://` dead-letter target is the one exception)', severity: 'needs-user' },
    { keys: ['scan.watermark.idle-timeout', 'scan.watermark.alignment.group', 'scan.watermark.alignment.max-drift', 'scan.watermark.alignment.update-interval'], reason: 'one watermark per source via `source.watermark`', severity: 'dropped' },
  ],
};

const CSV: OptionSection = {
  id: 'csv',
  title: 'CSV format',
  ingestJobHeader: 'IngestJob (`format` with `type: csv`)',
  rows: [
    { key: 'csv.field-delimiter', ingestJob: '`fieldDelimiter` (one character)', default: '`,`', to: { field: '$format.fieldDelimiter', value: 'text' } },
    { key: 'csv.quote-character', ingestJob: '`quoteCharacter`', default: '`"`', to: { field: '$format.quoteCharacter', value: 'text' } },
    { key: 'csv.disable-quote-character', ingestJob: '`disableQuoteCharacter` (then `quoteCharacter` must be unset)', default: '`false`', to: { field: '$format.disableQuoteCharacter', value: 'boolean' } },
    { key: 'csv.allow-comments', ingestJob: '`allowComments`', default: '`false`', to: { field: '$format.allowComments', value: 'boolean' } },
    { key: 'csv.ignore-parse-errors', ingestJob: '`ignoreParseErrors`', default: '`false`', to: { field: '$format.ignoreParseErrors', value: 'boolean' } },
    { key: 'csv.escape-character', ingestJob: '`escapeCharacter`', default: 'none', to: { field: '$format.escapeCharacter', value: 'text' } },
    { key: 'csv.null-literal', ingestJob: '`nullLiteral`', default: 'none (an empty field is null)', to: { field: '$format.nullLiteral', value: 'text' } },
    // Flink's filesystem CSV and JSON have neither: its JSON is "uncompressed newline delimited JSON".
    { key: 'doc:header', flink: "— (Sluice only; SeaTunnel's / Spark's `header`)", ingestJob: "`header: true`: the sink writes the column names first in each part file; the source checks each file's first line against the schema and skips it", default: '`false`' },
    { key: 'doc:compression', flink: "— (Sluice only; Hadoop's compressed text output)", ingestJob: '`compression` (`gzip`, `zstd`, `none`), also for `json`: part files are one stream each, named `.gz` / `.zst` after `partSuffix`. Inputs named `.gz` / `.zst` are decompressed whatever the format says.', default: '`none`' },
  ],
  unsupported: [
    { keys: ['csv.array-element-delimiter'], reason: 'ARRAY columns are not supported', severity: 'dropped' },
    { keys: ['csv.write-bigdecimal-in-scientific-notation'], reason: "DECIMAL is always written in plain notation (Flink's `false`), which every reader understands", severity: 'dropped' },
  ],
};

const JSON_FORMAT: OptionSection = {
  id: 'json',
  title: 'JSON format',
  ingestJobHeader: 'IngestJob (`format` with `type: json`)',
  rows: [
    { key: 'json.fail-on-missing-field', ingestJob: '`failOnMissingField`', default: '`false`', to: { field: '$format.failOnMissingField', value: 'boolean' } },
    { key: 'json.ignore-parse-errors', ingestJob: '`ignoreParseErrors` (not together with `failOnMissingField`, as in Flink)', default: '`false`', to: { field: '$format.ignoreParseErrors', value: 'boolean' } },
    { key: 'json.timestamp-format.standard', ingestJob: '`timestampFormat` (`SQL`, `ISO-8601`)', default: '`SQL`', to: { field: '$format.timestampFormat', value: 'text' } },
    { key: 'doc:compression', flink: "— (Sluice only; Hadoop's compressed text output)", ingestJob: '`compression` (`gzip`, `zstd`, `none`), as for `csv`', default: '`none`' },
  ],
  unsupported: [
    { keys: ['json.map-null-key.mode', 'json.map-null-key.literal'], reason: 'MAP columns are not supported', severity: 'dropped' },
    { keys: ['json.encode.decimal-as-plain-number'], reason: 'DECIMAL is always written as a plain number', severity: 'dropped' },
    { keys: ['json.encode.ignore-null-fields'], reason: 'null columns are written as `null`', severity: 'dropped' },
    { keys: ['json.decode.json-parser.enabled'], reason: 'there is one JSON decoder', severity: 'dropped' },
  ],
};

const PARQUET_CODECS = { snappy: 'snappy', zstd: 'zstd', gzip: 'gzip', uncompressed: 'none', none: 'none' } as const;

const PARQUET: OptionSection = {
  id: 'parquet',
  title: 'Parquet format',
  ingestJobHeader: 'IngestJob (`format` with `type: parquet`)',
  intro: `\`format: {type: parquet}\` (files only: a Kafka source reads csv/json messages). The writer is
hyparquet-writer (docs/decisions/0010-parquet-library.md). Types as Flink's
\`ParquetSchemaConverter\` maps them: TINYINT/SMALLINT/INT → INT32 (\`INT_8\`/\`INT_16\`/\`INT_32\`),
BIGINT → INT64, FLOAT, DOUBLE, DECIMAL(p, s) → DECIMAL on INT32 (p ≤ 9), INT64 (p ≤ 18) or
FIXED_LEN_BYTE_ARRAY, BOOLEAN, STRING/VARCHAR/CHAR → BYTE_ARRAY UTF8, DATE → INT32 DATE; every
column OPTIONAL (nulls as nulls); partition columns left out of the file.`,
  rows: [
    { key: 'parquet.compression', ingestJob: "`compression` (`snappy`, `zstd`, `gzip`, `none`; Flink's `UNCOMPRESSED` is `none`)", default: '`snappy`', to: { field: '$format.compression', value: 'text', values: PARQUET_CODECS } },
    { key: 'parquet.block.size', ingestJob: "`rowGroupSize`; a row group is also written when the sink's buffered Parquet rows reach its 8 MiB budget (estimated encoded size), however many partitions are open", default: '`128MB`', to: { field: '$format.rowGroupSize', value: 'size' } },
    { key: 'parquet.page.size', ingestJob: '`pageSize`', default: '`1MB`', to: { field: '$format.pageSize', value: 'size' } },
    { key: 'parquet.enable.dictionary', ingestJob: '`dictionary` (`false`: every column PLAIN)', default: '`true`', to: { field: '$format.dictionary', value: 'boolean' } },
    { key: 'parquet.utc-timezone', ingestJob: '`utcTimezone`: TIMESTAMP columns are marked `isAdjustedToUTC` (values are the written date-time read as UTC either way)', default: '`false`', to: { field: '$format.utcTimezone', value: 'boolean' } },
    {
      key: 'parquet.write.int64.timestamp',
      flink: '`parquet.write.int64.timestamp` / `parquet.timestamp.time.unit`',
      ingestJob: 'always INT64 TIMESTAMP, unit from the precision: MILLIS (p ≤ 3), MICROS (p ≤ 6), NANOS (p ≤ 9 and plain `TIMESTAMP`)',
      default: 'Flink: INT96',
      builtIn: 'TIMESTAMP is always written as INT64, its unit from the precision: MILLIS (p ≤ 3), MICROS (p ≤ 6), NANOS (p ≤ 9 and plain TIMESTAMP)',
    },
    { key: 'parquet.timestamp.time.unit', flink: '', ingestJob: '', builtIn: 'TIMESTAMP is always written as INT64, its unit from the precision: MILLIS (p ≤ 3), MICROS (p ≤ 6), NANOS (p ≤ 9 and plain TIMESTAMP)' },
  ],
  notes: `A bulk format: part files roll at every checkpoint and by \`rollingPolicy.fileSize\`, counted as
bytes written plus the writer's estimate of the rows it buffers (Flink's bulk formats roll on
checkpoint the same way). The source reads columns by name in the job's schema; a column
missing or of another type fails naming the file and the column; the position in a Parquet file
is the number of rows read, and a resume reads from that row's row group on. INT96 timestamps
(Flink's and Spark's legacy default) are read.`,
  unsupported: [
    {
      keys: ['parquet.write.int64.timestamp'],
      values: ['false'],
      label: "INT96 output (Flink's default for TIMESTAMP)",
      reason: 'deprecated by the Parquet format; every current reader (Spark, Trino, Hive 3+, DuckDB, pyarrow) reads INT64 TIMESTAMP',
      severity: 'dropped',
    },
    { keys: ['parquet.compression'], values: ['lzo', 'brotli', 'lz4', 'lz4_raw'], reason: 'the writer has snappy, zstd, gzip and none; choose one in `format.compression`', severity: 'needs-user' },
    { keys: ['parquet.writer.version', 'parquet.bloom.filter.*', 'parquet.page.size.row.check.*'], reason: "the writer's defaults (v1 data pages, statistics and offset index on, no bloom filters)", severity: 'dropped' },
  ],
};

const JOB: OptionSection = {
  id: 'job',
  title: 'Job-level options',
  ingestJobHeader: 'IngestJob',
  rows: [
    { key: 'execution.checkpointing.interval', flink: '`execution.checkpointing.interval` (SET), `env.enable_checkpointing(ms)`', ingestJob: '`checkpoint.interval` (at least 10ms)', default: '`5s`', to: { field: 'checkpoint.interval', value: 'text' } },
    { key: 'execution.checkpointing.mode', ingestJob: '— always exactly-once', default: '', builtIn: 'Sluice always checkpoints exactly-once' },
    { key: 'execution.checkpointing.dir', ingestJob: '`checkpoint.dir`', default: '`<sink.path>/_sluice`', to: { field: 'checkpoint.dir', value: 'text' } },
    { key: 'state.checkpoints.dir', ingestJob: '`checkpoint.dir`', default: '`<sink.path>/_sluice`', to: { field: 'checkpoint.dir', value: 'text' } },
    { key: 'parallelism.default', flink: '`parallelism.default`, `env.set_parallelism(n)`', ingestJob: '`parallelism` (runner pods, 1–1024)', default: '`1`', to: { field: 'parallelism', value: 'integer' } },
    { key: 'pipeline.name', ingestJob: '`metadata.name` (or `sluice import --name`)', default: 'the file name' },
    { key: 'restart-strategy.type', flink: "`restart-strategy.type` = `'exponential-delay'`", ingestJob: '`restartPolicy` (the one strategy)', default: '', builtIn: 'exponential delay is the one restart strategy' },
    { key: 'restart-strategy.exponential-delay.initial-backoff', ingestJob: '`restartPolicy.backoff.initial`', default: '`5s`', to: { field: 'restartPolicy.backoff.initial', value: 'text' } },
    { key: 'restart-strategy.exponential-delay.max-backoff', ingestJob: '`restartPolicy.backoff.max`', default: '`5m`', to: { field: 'restartPolicy.backoff.max', value: 'text' } },
    { key: 'restart-strategy.exponential-delay.attempts-before-reset-backoff', ingestJob: '`restartPolicy.maxRestarts` (then the job is `Stalled`; `sluice run`, which restarts in its own process, exits 1)', default: '`10` (Flink: unlimited)', to: { field: 'restartPolicy.maxRestarts', value: 'integer' } },
    { key: 'restart-strategy.exponential-delay.reset-backoff-threshold', ingestJob: '`restartPolicy.backoff.resetThreshold`: a runner that ran this long before it failed counts restarts and backoff from zero again', default: '`1h`', to: { field: 'restartPolicy.backoff.resetThreshold', value: 'text' } },
    { key: 'doc:watermark', flink: "`WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`", ingestJob: '`source.watermark: {column: ts, delay: 5s}`', default: 'delay `0s`' },
    { key: 'doc:bad-records', flink: "`'csv.ignore-parse-errors'` / `'json.ignore-parse-errors'` beyond skip", ingestJob: '`source.badRecords` (`fail`, `skip`, `dead-letter` + `deadLetter`)', default: '`fail`' },
    { key: 'fs.oss.endpoint', ingestJob: '`storage.oss.endpoint`', default: '', to: { field: 'storage.oss.endpoint', value: 'text' } },
    { key: 'fs.oss.accessKeyId', flink: '`fs.oss.accessKeyId` / `fs.oss.accessKeySecret`', ingestJob: '`storage.oss.credentialsSecret` (a Secret name, never the keys)', default: '', needsUser: 'keys are never copied into the job: put them in a Secret (accessKeyId, accessKeySecret) and name it in storage.oss.credentialsSecret' },
    { key: 'fs.oss.accessKeySecret', flink: '', ingestJob: '', default: '', needsUser: 'keys are never copied into the job: put them in a Secret (accessKeyId, accessKeySecret) and name it in storage.oss.credentialsSecret' },
    { key: 'taskmanager.memory.*', ingestJob: '`runner.resources`', default: '', builtIn: 'memory is sized by the runner pod: set runner.resources (Kubernetes requests/limits) if needed' },
    { key: 'doc:savepoints', flink: 'savepoints / `flink stop`', ingestJob: '`suspend: true` (stops after a final checkpoint)', default: '`false`' },
  ],
  unsupported: [],
};

export const OPTION_SECTIONS: readonly OptionSection[] = [FILESYSTEM, KAFKA, CSV, JSON_FORMAT, PARQUET, JOB];

export function section(id: OptionSection['id']): OptionSection {
  return OPTION_SECTIONS.find((s) => s.id === id)!;
}

function keyMatches(pattern: string, key: string): boolean {
  return pattern.endsWith('.*') ? key.startsWith(pattern.slice(0, -1)) : pattern === key;
}

export type OptionLookup =
  | { kind: 'row'; row: OptionRow }
  | { kind: 'unsupported'; entry: UnsupportedOption }
  | { kind: 'unknown' };

/**
 * What the table says about `key = value` in the given sections (the connector's, then its
 * format's): an exact key before a prefix (`properties.ssl.*` before `properties.*`), and an
 * unsupported value (`policy.kind = metastore`) before the row of its key.
 */
export function lookupOption(sections: readonly OptionSection[], key: string, value: string): OptionLookup {
  const v = value.toLowerCase();
  for (const s of sections) {
    const badValue = s.unsupported.find((u) => u.values !== undefined && u.keys.includes(key) && u.values.includes(v));
    if (badValue) return { kind: 'unsupported', entry: badValue };
    const row = s.rows.find((r) => r.key === key);
    if (row) return { kind: 'row', row };
    const bad = s.unsupported.find((u) => u.values === undefined && u.keys.includes(key));
    if (bad) return { kind: 'unsupported', entry: bad };
  }
  for (const s of sections) {
    const row = s.rows.find((r) => r.key.endsWith('.*') && keyMatches(r.key, key));
    if (row) return { kind: 'row', row };
  }
  for (const s of sections) {
    const bad = s.unsupported.find((u) => u.values === undefined && u.keys.some((k) => k.endsWith('.*') && keyMatches(k, key)));
    if (bad) return { kind: 'unsupported', entry: bad };
  }
  return { kind: 'unknown' };
}
