/**
 * Flink's defaults for every optional IngestJob field, in the text a user would write.
 * `schema.ts` quotes them in field descriptions and `defaults.ts` applies them, so the CRD
 * documentation and the runtime cannot drift apart.
 */
export const FLINK_DEFAULTS = {
  /** sink.rolling-policy.file-size */
  fileSize: '128MB',
  /** sink.rolling-policy.rollover-interval */
  rolloverInterval: '30m',
  /** sink.rolling-policy.inactivity-interval (Flink 1.20+; earlier versions roll only on rollover-interval) */
  inactivityInterval: '30m',
  /** sink.rolling-policy.check-interval */
  checkInterval: '1m',
  /** execution.checkpointing.interval (the seed sets 5000 ms) */
  checkpointInterval: '5s',
  /** sink.partition-commit.trigger */
  trigger: 'process-time',
  /** sink.partition-commit.delay */
  commitDelay: '0s',
  /** sink.partition-commit.success-file.name */
  successFileName: '_SUCCESS',
  /** partition.time-extractor.timestamp-formatter */
  timestampFormatter: 'yyyy-MM-dd HH:mm:ss',
  /** sink.partition-commit.watermark-time-zone */
  watermarkTimeZone: 'UTC',
  /** parallelism.default */
  parallelism: 1,
  query: 'SELECT * FROM source',
  /** csv.field-delimiter */
  fieldDelimiter: ',',
  /** csv.quote-character */
  quoteCharacter: '"',
  /** parquet.compression */
  parquetCompression: 'snappy',
  /** parquet.block.size (Parquet's ParquetWriter.DEFAULT_BLOCK_SIZE) */
  parquetRowGroupSize: '128MB',
  /** parquet.page.size */
  parquetPageSize: '1MB',
  /** json.timestamp-format.standard */
  timestampFormat: 'SQL',
  /** scan.startup.mode */
  startupMode: 'group-offsets',
  /** scan.bounded.mode */
  boundedMode: 'unbounded',
  /** scan.topic-partition-discovery.interval */
  partitionDiscoveryInterval: '5m',
  /** Sluice: OSS multipart part size */
  uploadPartSize: '8MB',
  /** Sluice: the sink's memory budget when the container's memory limit does not make it less */
  memoryBudget: '64MB',
  /** Sluice: part files open at once */
  maxOpenFiles: 256,
  /** Sluice: runner restarts before the job is Stalled */
  maxRestarts: 10,
  backoffInitial: '5s',
  backoffMax: '5m',
  /** restart-strategy.exponential-delay.reset-backoff-threshold */
  backoffResetThreshold: '1h',
  /** Sluice: the user WebHDFS requests run as */
  hdfsUser: 'sluice',
  /** Sluice: OSS request signature */
  signatureVersion: 'v1',
  badRecordsMode: 'fail',
  watermarkDelay: '0s',
} as const;
