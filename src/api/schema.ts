/**
 * The IngestJob v1alpha1 schema: THE source of truth. `crd.ts` renders it into
 * `crds/ingestjob.yaml` (so `kubectl apply` validates with it) and `validate.ts` checks
 * `sluice run` input against the very same object, CEL rules included.
 *
 * Every field description names the Flink option it mirrors and its default, so
 * `kubectl explain ingestjob.spec.sink.rollingPolicy` answers a Flink user's question.
 * CEL rules that iterate sit on lists and strings with maxItems/maxLength, which keeps the
 * apiserver's cost estimate inside its per-rule and per-CRD budgets.
 */
import { DURATION_HINT, DURATION_PATTERN } from './duration.ts';
import { FLINK_DEFAULTS as D } from './flink-defaults.ts';
import { MEMORY_SIZE_HINT, MEMORY_SIZE_PATTERN } from './memory-size.ts';
import { podTemplateSpecSchema } from './pod-template-schema.ts';
import type { JSONSchemaProps, ValidationRule } from './schema-types.ts';

// ---- patterns (RE2 and JavaScript agree on each) and what a user reads when one fails ----

export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const SQL_TYPE_PATTERN =
  '^(?i:TINYINT|SMALLINT|INTEGER|INT|BIGINT|FLOAT|DOUBLE|DECIMAL|BOOLEAN|STRING|VARCHAR|CHAR|DATE|TIMESTAMP)(\\s*\\(\\s*[0-9]+\\s*(,\\s*[0-9]+\\s*)?\\))?$';
export const STORAGE_PATH_PATTERN = '^((file|hdfs|webhdfs|oss|jfs)://.+|[^:]+)$';
export const DEAD_LETTER_PATTERN = '^((file|hdfs|webhdfs|oss|jfs|kafka)://.+|[^:]+)$';
export const BOOTSTRAP_SERVER_PATTERN = '^[^\\s,;]+:[0-9]{1,5}$';
export const TOPIC_PATTERN = '^[A-Za-z0-9._-]+(;[A-Za-z0-9._-]+)*$';
export const SPECIFIC_OFFSETS_PATTERN = '^partition:[0-9]+,offset:[0-9]+(;partition:[0-9]+,offset:[0-9]+)*;?$';
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const HTTP_ADDRESS_PATTERN = '^(https?://)?[^/\\s]+(:[0-9]+)?/?$';
/** Kubernetes resource.Quantity, as controller-gen writes it. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
export const CONDITION_REASON_PATTERN = '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$';

/** The sentence `validate.ts` prints when a value does not match a pattern (the apiserver prints the regex). */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [DURATION_PATTERN]: DURATION_HINT,
  [MEMORY_SIZE_PATTERN]: MEMORY_SIZE_HINT,
  [IDENTIFIER_PATTERN]: 'must be a SQL identifier: a letter or _, then letters, digits or _',
  [SQL_TYPE_PATTERN]: 'must be a SQL type like INT, BIGINT, STRING, VARCHAR(20), DECIMAL(10, 2) or TIMESTAMP(3)',
  [STORAGE_PATH_PATTERN]: 'must be a local path or a file://, hdfs://, webhdfs://, oss:// or jfs:// URI',
  [DEAD_LETTER_PATTERN]: 'must be a local path, a file://, hdfs://, webhdfs://, oss:// or jfs:// URI, or kafka://<topic>',
  [BOOTSTRAP_SERVER_PATTERN]: 'must be host:port, one broker per list entry',
  [TOPIC_PATTERN]: "must be a Kafka topic name, or several separated by ';' as in Flink ('topic-1;topic-2')",
  [SPECIFIC_OFFSETS_PATTERN]: "must be Flink's 'partition:0,offset:42;partition:1,offset:300'",
  [DNS_LABEL_PATTERN]: 'must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit',
  [HTTP_ADDRESS_PATTERN]: 'must be the NameNode HTTP address, like namenode:9870 or http://namenode:9870',
  [QUANTITY_PATTERN]: 'must be a Kubernetes quantity like 500m, 1, 512Mi or 2Gi',
  [CONDITION_REASON_PATTERN]: 'must be a CamelCase reason',
};

// ---- builders: they keep each field to one line of intent ----

/** `text`, then the Flink option it mirrors (or that it is Sluice's own), then the default. */
function doc(text: string, flinkOption: string | null, defaultValue?: string | number | boolean): string {
  const flink = flinkOption === null ? ' Sluice option (no Flink equivalent).' : ` Flink: ${flinkOption}.`;
  const dflt = defaultValue === undefined ? '' : ` Default: ${JSON.stringify(defaultValue)}.`;
  return `${text}${flink}${dflt}`;
}

type Extra = Omit<JSONSchemaProps, 'type' | 'description'>;

const str = (description: string, extra: Extra = {}): JSONSchemaProps => ({ type: 'string', description, maxLength: 1024, ...extra });
const int = (description: string, extra: Extra = {}): JSONSchemaProps => ({ type: 'integer', format: 'int64', description, ...extra });
const bool = (description: string): JSONSchemaProps => ({ type: 'boolean', description });
const duration = (description: string): JSONSchemaProps => str(description, { pattern: DURATION_PATTERN, maxLength: 64 });
const memorySize = (description: string): JSONSchemaProps => ({
  description,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  'x-kubernetes-int-or-string': true,
  pattern: MEMORY_SIZE_PATTERN,
  minimum: 0,
});
const oneOfEnum = (description: string, values: readonly string[]): JSONSchemaProps => ({ type: 'string', description, enum: [...values] });

function obj(description: string, properties: Record<string, JSONSchemaProps>, extra: Extra = {}): JSONSchemaProps {
  return { type: 'object', description, properties, ...extra };
}

function rule(cel: string, message: string, fieldPath?: string): ValidationRule {
  return fieldPath === undefined ? { rule: cel, message } : { rule: cel, message, fieldPath };
}

/** "this option only applies to format X": one rule per option so the error names that option. */
function onlyFor(type: 'csv' | 'json' | 'parquet', fields: readonly string[]): ValidationRule[] {
  return fields.map((f) =>
    rule(`self.type == '${type}' || !has(self.${f})`, `${f} is a ${type} format option; this format is not ${type}`, `.${f}`),
  );
}

// ---- shared pieces ----

const CSV_ONLY = ['fieldDelimiter', 'quoteCharacter', 'disableQuoteCharacter', 'allowComments', 'nullLiteral', 'escapeCharacter', 'header'] as const;
const PARQUET_ONLY = ['rowGroupSize', 'pageSize', 'dictionary', 'utcTimezone'] as const;
const JSON_ONLY = ['failOnMissingField', 'timestampFormat'] as const;

const singleChar = (description: string): JSONSchemaProps => str(description, { minLength: 1, maxLength: 1 });

export const formatSchema: JSONSchemaProps = obj(
  'How records are encoded. Flink: format (+ csv.* / json.* options).',
  {
    type: oneOfEnum(doc('Record encoding (parquet: files only).', "'format' = 'csv' | 'json' | 'parquet'"), ['csv', 'json', 'parquet']),
    compression: oneOfEnum(
      doc('csv/json: part files compressed as one gzip/zstd stream each, named .gz/.zst (inputs are read by that extension whatever this says); parquet: page compression.', 'parquet.compression (csv/json: the codec of Hadoop\'s compressed text files)', 'none (parquet: snappy)'),
      ['none', 'gzip', 'zstd', 'snappy'],
    ),
    header: bool(doc('CSV: the sink writes the column names as the first line of each part file; the source checks each file\'s first line against the schema and skips it.', null, false)),
    rowGroupSize: memorySize(doc('Parquet row group size (buffered rows are written as a row group earlier when the sink\'s memory budget is reached).', 'parquet.block.size', D.parquetRowGroupSize)),
    pageSize: memorySize(doc('Parquet page size.', 'parquet.page.size', D.parquetPageSize)),
    dictionary: bool(doc('Parquet dictionary encoding.', 'parquet.enable.dictionary', true)),
    utcTimezone: bool(doc('Parquet TIMESTAMP columns are marked as UTC instants (isAdjustedToUTC) instead of local date-times.', 'parquet.utc-timezone', false)),
    fieldDelimiter: singleChar(doc('CSV field separator, one character.', 'csv.field-delimiter', D.fieldDelimiter)),
    quoteCharacter: singleChar(doc('CSV quote character.', 'csv.quote-character', D.quoteCharacter)),
    disableQuoteCharacter: bool(doc('Write and read fields without quoting.', 'csv.disable-quote-character', false)),
    allowComments: bool(doc("Skip lines starting with '#' when reading.", 'csv.allow-comments', false)),
    ignoreParseErrors: bool(doc('Count and skip records that cannot be parsed (then badRecords does not see them).', 'csv.ignore-parse-errors / json.ignore-parse-errors', false)),
    nullLiteral: str(doc('Text that stands for SQL NULL.', 'csv.null-literal', '(empty field is null)'), { maxLength: 256 }),
    escapeCharacter: singleChar(doc('CSV escape character.', 'csv.escape-character', '(none)')),
    failOnMissingField: bool(doc('Fail on a record that lacks a schema field.', 'json.fail-on-missing-field', false)),
    timestampFormat: oneOfEnum(doc('How TIMESTAMP values are written and read.', 'json.timestamp-format.standard', D.timestampFormat), ['SQL', 'ISO-8601']),
  },
  {
    required: ['type'],
    'x-kubernetes-validations': [
      rule(
        '!(has(self.failOnMissingField) && self.failOnMissingField && has(self.ignoreParseErrors) && self.ignoreParseErrors)',
        'failOnMissingField and ignoreParseErrors cannot both be true (Flink rejects json.fail-on-missing-field with json.ignore-parse-errors)',
        '.ignoreParseErrors',
      ),
      rule(
        '!(has(self.disableQuoteCharacter) && self.disableQuoteCharacter && has(self.quoteCharacter))',
        'quoteCharacter cannot be set when disableQuoteCharacter is true',
        '.quoteCharacter',
      ),
      rule(
        `(has(self.fieldDelimiter) ? self.fieldDelimiter : ${JSON.stringify(D.fieldDelimiter)}) != (has(self.quoteCharacter) ? self.quoteCharacter : ${JSON.stringify(D.quoteCharacter)})`,
        'fieldDelimiter and quoteCharacter must differ',
        '.fieldDelimiter',
      ),
      ...onlyFor('csv', CSV_ONLY),
      ...onlyFor('json', JSON_ONLY),
      ...onlyFor('parquet', PARQUET_ONLY),
      rule("self.type != 'parquet' || !has(self.ignoreParseErrors)", 'ignoreParseErrors is a csv/json format option; parquet files are typed', '.ignoreParseErrors'),
      rule("self.type == 'parquet' || !has(self.compression) || self.compression != 'snappy'", 'snappy is a parquet compression; csv/json take gzip, zstd or none', '.compression'),
    ],
  },
);

/** A secret value: from a Kubernetes Secret key, a mounted file, or an environment variable; never inline. */
const secretRef = (description: string): JSONSchemaProps =>
  obj(
    `${description} Exactly one of secretKeyRef, file, env.`,
    {
      secretKeyRef: obj('A key of a Secret in the IngestJob namespace.', { name: str('Secret name.', { maxLength: 253 }), key: str('Key in the Secret.', { maxLength: 253 }) }, { required: ['name', 'key'] }),
      file: str('Path of a file that holds the value (a mounted Secret).'),
      env: str('Environment variable that holds the value.', { maxLength: 256 }),
    },
    {
      'x-kubernetes-validations': [
        rule('(has(self.secretKeyRef) ? 1 : 0) + (has(self.file) ? 1 : 0) + (has(self.env) ? 1 : 0) == 1', 'set exactly one of secretKeyRef, file, env'),
      ],
    },
  );

/** Like secretRef, plus `value` for things that are not secret (a SASL username). */
const valueOrSecretRef = (description: string): JSONSchemaProps => {
  const base = secretRef(description);
  return {
    ...base,
    description: `${description} Exactly one of value, secretKeyRef, file, env.`,
    properties: { value: str('The value itself (only for non-secret values).', { maxLength: 256 }), ...base.properties },
    'x-kubernetes-validations': [
      rule(
        '(has(self.value) ? 1 : 0) + (has(self.secretKeyRef) ? 1 : 0) + (has(self.file) ? 1 : 0) + (has(self.env) ? 1 : 0) == 1',
        'set exactly one of value, secretKeyRef, file, env',
      ),
    ],
  };
};

const field = obj('A column: name and SQL type.', {
  name: str('Column name.', { pattern: IDENTIFIER_PATTERN, maxLength: 128 }),
  type: str("SQL type: INT, BIGINT, STRING, VARCHAR(n), DECIMAL(p, s), TIMESTAMP(3)... Flink: the column type in CREATE TABLE.", { pattern: SQL_TYPE_PATTERN, maxLength: 64 }),
}, { required: ['name', 'type'] });

const fieldList = (description: string, maxItems: number): JSONSchemaProps => ({
  type: 'array',
  description,
  items: field,
  maxItems,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
});

const ossCredentials = {
  credentialsSecret: str(doc('Secret with keys accessKeyId, accessKeySecret and optional securityToken.', 'fs.oss.accessKeyId / fs.oss.accessKeySecret (JindoSDK: fs.oss.credentials.provider)'), { maxLength: 253 }),
  fromEnv: bool(doc('Read credentials from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN instead.', null, false)),
};
const ossCredentialRule = rule('!(has(self.credentialsSecret) && has(self.fromEnv) && self.fromEnv)', 'set credentialsSecret or fromEnv, not both', '.fromEnv');
const ossEndpoint = str(doc('OSS endpoint host, e.g. oss-cn-hangzhou.aliyuncs.com.', 'fs.oss.endpoint'), { maxLength: 253 });
const ossRegion = str(doc('OSS region, needed for V4 signatures, e.g. cn-hangzhou.', 'fs.oss.region'), { maxLength: 64 });
const ossSignature = oneOfEnum(doc('Request signature version.', 'fs.oss.signatureVersion', D.signatureVersion), ['v1', 'v4']);
const ossPathStyle = bool(doc('Path-style requests; only for emulators (real OSS accepts virtual-hosted URLs only).', null, false));

// ---- spec ----

const kafkaSource = obj(
  'Read a Kafka topic. Flink: connector = kafka.',
  {
    bootstrapServers: {
      type: 'array',
      description: doc('Brokers, one host:port per entry.', 'properties.bootstrap.servers (comma-separated there)'),
      items: str('host:port', { pattern: BOOTSTRAP_SERVER_PATTERN, maxLength: 255 }),
      minItems: 1,
      maxItems: 64,
    },
    topic: str(doc("Topic name, or several separated by ';'.", 'topic'), { pattern: TOPIC_PATTERN, maxLength: 4096 }),
    startupMode: oneOfEnum(
      doc('Where a fresh start begins; on restore offsets always come from the checkpoint.', 'scan.startup.mode', D.startupMode),
      ['earliest-offset', 'latest-offset', 'group-offsets', 'timestamp', 'specific-offsets'],
    ),
    groupId: str(doc('Consumer group; offsets are committed to it after each checkpoint, for lag monitoring only.', 'properties.group.id', 'sluice-<job name>'), { maxLength: 255 }),
    autoOffsetReset: oneOfEnum(
      doc('For group-offsets: where a partition with no committed offset starts; unset fails such a partition, as Flink does.', 'properties.auto.offset.reset', '(unset: fail)'),
      ['earliest', 'latest', 'none'],
    ),
    startupTimestampMillis: int(doc('For startupMode timestamp: epoch milliseconds to start from.', 'scan.startup.timestamp-millis'), { minimum: 0 }),
    startupSpecificOffsets: str(doc("For startupMode specific-offsets: 'partition:0,offset:42;partition:1,offset:300'.", 'scan.startup.specific-offsets'), { pattern: SPECIFIC_OFFSETS_PATTERN, maxLength: 8192 }),
    boundedMode: oneOfEnum(doc('latest-offset: stop at the offsets that were latest at start, then the job Succeeds.', 'scan.bounded.mode', D.boundedMode), ['unbounded', 'latest-offset']),
    partitionDiscoveryInterval: duration(doc('How often new partitions are discovered (they start from earliest).', 'scan.topic-partition-discovery.interval', D.partitionDiscoveryInterval)),
    security: obj(
      'How to reach the brokers. Flink: properties.security.protocol, properties.sasl.*, properties.ssl.*.',
      {
        protocol: oneOfEnum(doc('Transport.', 'properties.security.protocol', 'PLAINTEXT'), ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
        sasl: obj(
          'SASL login. Flink: properties.sasl.mechanism, properties.sasl.jaas.config.',
          {
            mechanism: oneOfEnum(doc('SASL mechanism.', 'properties.sasl.mechanism'), ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
            username: valueOrSecretRef('SASL user name.'),
            password: secretRef('SASL password.'),
          },
          { required: ['mechanism', 'username', 'password'] },
        ),
        tls: obj('TLS material. Flink: properties.ssl.*.', {
          ca: secretRef('PEM CA bundle.'),
          cert: secretRef('PEM client certificate.'),
          key: secretRef('PEM client key.'),
          rejectUnauthorized: bool(doc('Verify the broker certificate.', 'properties.ssl.endpoint.identification.algorithm', true)),
        }),
      },
      {
        'x-kubernetes-validations': [
          rule("!has(self.sasl) || (has(self.protocol) && (self.protocol == 'SASL_PLAINTEXT' || self.protocol == 'SASL_SSL'))", 'sasl needs protocol SASL_PLAINTEXT or SASL_SSL', '.sasl'),
          rule("!has(self.tls) || (has(self.protocol) && (self.protocol == 'SSL' || self.protocol == 'SASL_SSL'))", 'tls needs protocol SSL or SASL_SSL', '.tls'),
        ],
      },
    ),
  },
  {
    required: ['bootstrapServers', 'topic'],
    'x-kubernetes-validations': [
      rule("!has(self.startupMode) || self.startupMode != 'timestamp' || has(self.startupTimestampMillis)", 'startupMode timestamp needs startupTimestampMillis', '.startupTimestampMillis'),
      rule("!has(self.startupTimestampMillis) || (has(self.startupMode) && self.startupMode == 'timestamp')", 'startupTimestampMillis is only used with startupMode timestamp', '.startupTimestampMillis'),
      rule("!has(self.startupMode) || self.startupMode != 'specific-offsets' || has(self.startupSpecificOffsets)", 'startupMode specific-offsets needs startupSpecificOffsets', '.startupSpecificOffsets'),
      rule("!has(self.startupSpecificOffsets) || (has(self.startupMode) && self.startupMode == 'specific-offsets')", 'startupSpecificOffsets is only used with startupMode specific-offsets', '.startupSpecificOffsets'),
      rule("!has(self.autoOffsetReset) || !has(self.startupMode) || self.startupMode == 'group-offsets'", 'autoOffsetReset is only used with startupMode group-offsets', '.autoOffsetReset'),
    ],
  },
);

const sourceSchema = obj(
  'Where records come from: exactly one of files or kafka, their format and schema.',
  {
    files: obj(
      'Read files once (a bounded source: the job Succeeds at the end). Flink: connector = filesystem.',
      { path: str(doc('A file or a directory (every visible file in it, recursively): local path, file://, hdfs://, webhdfs://, oss://, jfs://.', 'path'), { pattern: STORAGE_PATH_PATTERN }) },
      { required: ['path'] },
    ),
    kafka: kafkaSource,
    format: formatSchema,
    schema: { ...fieldList('Source columns, in order. Flink: the columns of CREATE TABLE.', 256), minItems: 1 },
    watermark: obj(
      'Event time, for partition-time commits. Flink: WATERMARK FOR column AS column - INTERVAL ...',
      {
        column: str('A TIMESTAMP column of the source schema.', { pattern: IDENTIFIER_PATTERN, maxLength: 128 }),
        delay: duration(doc('Bounded out-of-orderness.', 'the INTERVAL of the WATERMARK clause', D.watermarkDelay)),
      },
      { required: ['column'] },
    ),
    badRecords: obj(
      'What happens to a record that cannot be decoded or transformed; never dropped silently.',
      {
        mode: oneOfEnum(
          doc('fail: stop naming file/offset and field; skip: count in status.committed.skipped and go on; dead-letter: write the raw record to deadLetter.', '(fail is Flink\'s behaviour without ignore-parse-errors)', D.badRecordsMode),
          ['fail', 'skip', 'dead-letter'],
        ),
        deadLetter: str(doc('For mode dead-letter: a storage path, or kafka://<topic> for Kafka sources.', null), { pattern: DEAD_LETTER_PATTERN }),
      },
      {
        required: ['mode'],
        'x-kubernetes-validations': [
          rule("self.mode != 'dead-letter' || has(self.deadLetter)", 'mode dead-letter needs deadLetter', '.deadLetter'),
          rule("!has(self.deadLetter) || self.mode == 'dead-letter'", 'deadLetter is only used with mode dead-letter', '.deadLetter'),
        ],
      },
    ),
  },
  {
    required: ['format', 'schema'],
    'x-kubernetes-validations': [
      rule('has(self.files) || has(self.kafka)', 'set exactly one of files or kafka'),
      rule('!(has(self.files) && has(self.kafka))', 'files and kafka are exclusive: set exactly one', '.kafka'),
      rule("!has(self.kafka) || self.format.type != 'parquet'", 'a Kafka source reads csv or json messages; parquet is a files format', '.format.type'),
      rule('!has(self.watermark) || self.schema.exists(f, f.name == self.watermark.column)', 'watermark.column must be a column of schema', '.watermark.column'),
      rule(
        "!has(self.badRecords) || !has(self.badRecords.deadLetter) || !self.badRecords.deadLetter.startsWith('kafka://') || has(self.kafka)",
        'a kafka:// deadLetter needs a kafka source',
        '.badRecords.deadLetter',
      ),
    ],
  },
);

const transformSchema = obj('The SQL that turns source rows into sink rows.', {
  functions: {
    type: 'array',
    description: 'Named scalar functions defined by a SQL expression. Flink: register_function / CREATE FUNCTION (Python UDFs are written as SQL expressions here).',
    maxItems: 64,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
    items: obj(
      'uid_to_pid(uid INT) RETURNS INT AS MOD(uid, 3).',
      {
        name: str('Function name as used in the query.', { pattern: IDENTIFIER_PATTERN, maxLength: 128 }),
        params: fieldList('Parameters, in call order.', 32),
        returns: str('Result SQL type.', { pattern: SQL_TYPE_PATTERN, maxLength: 64 }),
        expression: str('SQL expression over the parameters, e.g. MOD(uid, 3).', { maxLength: 4096 }),
      },
      { required: ['name', 'params', 'returns', 'expression'] },
    ),
  },
  query: str(doc('A SELECT over the table `source`; the result columns, in order, are the sink columns.', 'INSERT INTO sink SELECT ...', D.query), { maxLength: 65536 }),
});

const sinkSchema = obj(
  'Where rows go: partitioned part files, visible only after a checkpoint. Flink: connector = filesystem.',
  {
    path: str(doc('Base directory: local path, file://, hdfs://, webhdfs://, oss://, jfs://.', 'path'), { pattern: STORAGE_PATH_PATTERN }),
    format: formatSchema,
    partitionBy: {
      type: 'array',
      description: doc('Partition columns (of the query result), outermost first; written as <col>=<value> directories and left out of the file body.', 'PARTITIONED BY (...)'),
      items: str('Column name.', { pattern: IDENTIFIER_PATTERN, maxLength: 128 }),
      maxItems: 16,
    },
    rollingPolicy: obj('When a part file is closed and a new one started (files also roll at every checkpoint).', {
      fileSize: memorySize(doc('Roll before writing once the file is larger than this.', 'sink.rolling-policy.file-size', D.fileSize)),
      rolloverInterval: duration(doc('Roll a file open this long.', 'sink.rolling-policy.rollover-interval', D.rolloverInterval)),
      inactivityInterval: duration(doc('Roll a file not written to for this long.', 'sink.rolling-policy.inactivity-interval', D.inactivityInterval)),
      checkInterval: duration(doc('How often the time-based conditions are checked.', 'sink.rolling-policy.check-interval', D.checkInterval)),
    }),
    partitionCommit: obj('When a partition is announced as complete.', {
      trigger: oneOfEnum(doc('process-time: after delay since the partition got data; partition-time: when the watermark passes the partition time plus delay.', 'sink.partition-commit.trigger', D.trigger), ['process-time', 'partition-time']),
      delay: duration(doc('How long after the trigger time.', 'sink.partition-commit.delay', D.commitDelay)),
      policy: {
        type: 'array',
        description: doc('Commit actions; success-file writes successFileName into the partition directory.', 'sink.partition-commit.policy.kind', '[]'),
        items: oneOfEnum('Commit action.', ['success-file']),
        maxItems: 1,
        'x-kubernetes-list-type': 'set',
      },
      successFileName: str(doc('Name of the success file.', 'sink.partition-commit.success-file.name', D.successFileName), { maxLength: 255, pattern: '^[^/]+$' }),
      timestampPattern: str(doc("partition-time: how partition values form a timestamp, e.g. '$dt $hour:00:00'.", 'partition.time-extractor.timestamp-pattern', '(first partition value)'), { maxLength: 256 }),
      timestampFormatter: str(doc('partition-time: Java DateTimeFormatter pattern of that timestamp.', 'partition.time-extractor.timestamp-formatter', D.timestampFormatter), { maxLength: 128 }),
      watermarkTimeZone: str(doc('Time zone of partition times.', 'sink.partition-commit.watermark-time-zone', D.watermarkTimeZone), { maxLength: 64 }),
    }),
    partSuffix: str(doc('Suffix of part file names (Flink writes none).', 'OutputFileConfig part suffix', ''), { maxLength: 64, pattern: '^[^/]*$' }),
    uploadPartSize: memorySize(doc('OSS multipart part size, at least 100KB.', null, D.uploadPartSize)),
    memoryBudget: memorySize(doc('Memory the sink may hold: rows buffered per part file, and the storage writers\' own buffers (OSS parts, HDFS requests, compressor state). Reached: the largest buffers are written out; if writers still hold more, the least recently written part files roll early (they commit at the next checkpoint as usual). At least 1MB.', null, '64MB, or a quarter of the container memory limit when that is less')),
    maxOpenFiles: int(doc('Part files open at once (local files, OSS multipart uploads, HDFS streams); the least recently written rolls when another must open.', null, D.maxOpenFiles), { minimum: 1, maximum: 65536, format: 'int32' }),
    commitConcurrency: int(doc('Part files closed, published and partitions committed (_SUCCESS) at once during a checkpoint.', null, '32 on local disk and OSS, 16 on HDFS'), { minimum: 1, maximum: 1024, format: 'int32' }),
  },
  {
    required: ['path', 'format'],
    'x-kubernetes-validations': [
      rule('!has(self.partitionBy) || self.partitionBy.all(c, self.partitionBy.exists_one(d, d == c))', 'partitionBy columns must be distinct', '.partitionBy'),
      rule(
        "!has(self.partitionCommit) || !has(self.partitionCommit.trigger) || self.partitionCommit.trigger != 'partition-time' || (has(self.partitionBy) && size(self.partitionBy) > 0)",
        'trigger partition-time needs partitionBy',
        '.partitionCommit.trigger',
      ),
    ],
  },
);

const jindoNamespace = obj(
  'One JindoFS namespace, resolved as JindoFS does (jfs.namespaces.<ns>.*).',
  {
    mode: oneOfEnum(doc('cache: whole objects in OSS layout under ossUri (written with the OSS API); block: opaque blocks, written through a jindofs-fuse mount.', 'jfs.namespaces.<ns>.mode'), ['cache', 'block']),
    ossUri: str(doc('oss://bucket/prefix that holds the namespace.', 'jfs.namespaces.<ns>.oss.uri'), { pattern: '^oss://[^/]+(/.*)?$' }),
    endpoint: ossEndpoint,
    region: ossRegion,
    signatureVersion: ossSignature,
    pathStyle: ossPathStyle,
    fuseMountPath: str(doc('block mode: where jindofs-fuse mounts this namespace.', null), { pattern: '^/.*$' }),
    ...ossCredentials,
  },
  {
    required: ['mode'],
    'x-kubernetes-validations': [
      rule("self.mode != 'cache' || has(self.ossUri)", 'mode cache needs ossUri', '.ossUri'),
      rule("self.mode != 'block' || has(self.fuseMountPath)", 'mode block needs fuseMountPath', '.fuseMountPath'),
      ossCredentialRule,
    ],
  },
);

const storageSchema = obj('How path schemes resolve; credentials only by reference.', {
  oss: obj(
    'oss:// paths.',
    { endpoint: ossEndpoint, region: ossRegion, signatureVersion: ossSignature, pathStyle: ossPathStyle, ...ossCredentials },
    { required: ['endpoint'], 'x-kubernetes-validations': [ossCredentialRule] },
  ),
  hdfs: obj('hdfs:// and webhdfs:// paths (spoken through WebHDFS).', {
    namenodes: {
      type: 'object',
      description: doc('Maps an hdfs:// authority (NameNode RPC host:port) to its WebHDFS HTTP address.', 'dfs.namenode.http-address'),
      additionalProperties: str('NameNode HTTP address.', { pattern: HTTP_ADDRESS_PATTERN, maxLength: 255 }),
      maxProperties: 64,
    },
    user: str(doc('User the WebHDFS requests run as.', 'HADOOP_USER_NAME', D.hdfsUser), { maxLength: 128 }),
    delegationTokenSecret: str(doc('Secret holding a delegation token.', null), { maxLength: 253 }),
  }),
  jindofs: obj(
    'jfs://<namespace>/ paths.',
    {
      namespaces: {
        type: 'object',
        description: 'Namespaces by name. Flink/JindoSDK: jfs.namespaces.',
        additionalProperties: jindoNamespace,
        maxProperties: 64,
        'x-kubernetes-validations': [rule("self.all(ns, ns.matches('^[a-z0-9][a-z0-9.-]{0,62}$'))", 'namespace names must be lowercase letters, digits, . and -')],
      },
    },
    { required: ['namespaces'] },
  ),
});

const resourceList = (description: string): JSONSchemaProps => ({
  type: 'object',
  description,
  additionalProperties: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true, pattern: QUANTITY_PATTERN },
  maxProperties: 32,
});

/**
 * The lag autoscaler (src/operator/autoscaler.ts): it changes spec.parallelism through the scale
 * subresource, as the Flink Kubernetes Operator's autoscaler changes vertex parallelism.
 */
const autoscalerSchema: JSONSchemaProps = obj(
  'Lag-driven parallelism: the operator sets spec.parallelism so the source lag is caught up within targetCatchUp at the rate each runner is seen to process. Stands down while another manager (an HPA, KEDA, kubectl scale) scales the job through the scale subresource. Flink: job.autoscaler.*.',
  {
    enabled: bool(doc('Let the operator change spec.parallelism.', 'job.autoscaler.enabled', false)),
    minParallelism: int(doc('Fewest runners.', 'job.autoscaler.vertex.min-parallelism', 1), { minimum: 1, maximum: 1024, format: 'int32' }),
    maxParallelism: int(doc("Most runners; never more than the topic's partitions (a runner without a partition idles).", 'job.autoscaler.vertex.max-parallelism', '(the partition count)'), { minimum: 1, maximum: 1024, format: 'int32' }),
    targetCatchUp: duration(doc('How long catching up the current lag may take, on top of keeping up with the input.', 'job.autoscaler.catch-up.duration', '5m')),
    stabilizationWindow: duration(doc('Scale down only to the highest parallelism recommended over this window (as an HPA\'s scaleDown stabilization window); scaling up is immediate.', 'job.autoscaler.scale-down.interval', '5m')),
    cooldown: duration(doc('No change for this long after a change: the new runners restore and their rate settles first.', 'job.autoscaler.stabilization.interval', '1m')),
  },
  {
    'x-kubernetes-validations': [
      rule('!has(self.minParallelism) || !has(self.maxParallelism) || self.minParallelism <= self.maxParallelism', 'minParallelism must not exceed maxParallelism', '.minParallelism'),
    ],
  },
);

const jfsNamespaceDefined = (pathExpr: string): string =>
  `!${pathExpr}.startsWith('jfs://') || (has(self.storage) && has(self.storage.jindofs) && ${pathExpr}.split('/')[2] in self.storage.jindofs.namespaces)`;
/**
 * Names the namespace a jfs:// path asks for. Listing the defined ones too (a map over the
 * namespaces' keys) exceeds the apiserver's CEL cost budget more than 100 times: map keys cannot
 * be given a maxLength.
 */
const jfsNamespaceRule = (pathExpr: string, fieldPath: string): ValidationRule => ({
  rule: jfsNamespaceDefined(pathExpr),
  message: 'a jfs://<namespace>/ path needs that namespace in storage.jindofs.namespaces',
  messageExpression: `'jfs namespace ' + ${pathExpr}.split('/')[2] + ' is not defined in storage.jindofs.namespaces'`,
  fieldPath,
});
const ossConfigured = (pathExpr: string): string => `!${pathExpr}.startsWith('oss://') || (has(self.storage) && has(self.storage.oss))`;

export const specSchema: JSONSchemaProps = obj(
  'An ingest pipeline: source → SQL → partitioned files, exactly once.',
  {
    source: sourceSchema,
    transform: transformSchema,
    sink: sinkSchema,
    checkpoint: obj('Checkpoints: files become visible and offsets advance only when one completes.', {
      interval: duration(doc('Time between checkpoints (at least 10ms).', 'execution.checkpointing.interval (env.enable_checkpointing)', D.checkpointInterval)),
      dir: str(doc('Where checkpoint state lives.', 'execution.checkpointing.dir', '<sink.path>/_sluice'), { pattern: STORAGE_PATH_PATTERN }),
    }),
    parallelism: int(doc('Runner pods; Kafka partitions are spread over them as Flink does. The scale subresource\'s replicas (kubectl scale, an HPA, KEDA, spec.autoscaler).', 'parallelism.default', D.parallelism), { minimum: 1, maximum: 1024, format: 'int32', default: D.parallelism }),
    storage: storageSchema,
    runner: obj('The runner pods.', {
      image: str(doc('Runner image.', null, '(the operator\'s own image)'), { maxLength: 512 }),
      resources: obj('Compute resources of the runner container.', { limits: resourceList('Limits.'), requests: resourceList('Requests.') }),
      // Kubernetes' own PodTemplateSpec (generated, see generate-pod-template-schema.ts), so a typo
      // like `nodeSelecter:` is refused at apply instead of being pruned silently.
      podTemplate: { ...podTemplateSpecSchema, description: "Merged into each runner Pod: a Pod template's labels, annotations and spec (nodeSelector, tolerations, affinity, volumes, sidecars, a container named runner for env or mounts). The operator's identity labels, command, image, security context and restartPolicy win." },
    }),
    restartPolicy: obj('Restarts of a failed runner, from the last checkpoint. Flink: restart-strategy.exponential-delay.*.', {
      maxRestarts: int(doc('Restarts in a row (no run of backoff.resetThreshold between them) before the job is Stalled.', 'restart-strategy.exponential-delay.attempts-before-reset-backoff', D.maxRestarts), { minimum: 0, maximum: 10000, format: 'int32' }),
      backoff: obj('Delay between restarts, doubling.', {
        initial: duration(doc('First delay.', 'restart-strategy.exponential-delay.initial-backoff', D.backoffInitial)),
        max: duration(doc('Largest delay.', 'restart-strategy.exponential-delay.max-backoff', D.backoffMax)),
        resetThreshold: duration(doc('A runner that ran this long without failing counts its restarts (and its backoff) from zero again.', 'restart-strategy.exponential-delay.reset-backoff-threshold', D.backoffResetThreshold)),
      }),
    }),
    suspend: bool(doc('Stop the runners after a final checkpoint; false resumes from it.', null, false)),
    autoscaler: autoscalerSchema,
  },
  {
    required: ['source', 'sink'],
    'x-kubernetes-validations': [
      rule(
        "!has(self.sink.partitionCommit) || !has(self.sink.partitionCommit.trigger) || self.sink.partitionCommit.trigger != 'partition-time' || has(self.source.watermark)",
        'trigger partition-time needs source.watermark',
        '.sink.partitionCommit.trigger',
      ),
      jfsNamespaceRule('self.sink.path', '.sink.path'),
      { ...jfsNamespaceRule('self.source.files.path', '.source.files.path'), rule: `!has(self.source.files) || (${jfsNamespaceDefined('self.source.files.path')})` },
      { ...jfsNamespaceRule('self.checkpoint.dir', '.checkpoint.dir'), rule: `!has(self.checkpoint) || !has(self.checkpoint.dir) || (${jfsNamespaceDefined('self.checkpoint.dir')})` },
      rule(ossConfigured('self.sink.path'), 'an oss:// path needs storage.oss', '.sink.path'),
      rule(`!has(self.source.files) || (${ossConfigured('self.source.files.path')})`, 'an oss:// path needs storage.oss', '.source.files.path'),
    ],
  },
);

// ---- status: small by design (bounded lists, counters; per-partition detail lives in the commit manifest) ----

const timestamp = (description: string): JSONSchemaProps => ({ type: 'string', format: 'date-time', description });

const conditionSchema = obj(
  'metav1.Condition. Ready, Reconciling and Stalled are what kstatus and Flux read.',
  {
    type: str('Condition type.', { maxLength: 316 }),
    status: oneOfEnum('True, False or Unknown.', ['True', 'False', 'Unknown']),
    observedGeneration: int('The spec generation this condition describes.', { minimum: 0 }),
    lastTransitionTime: timestamp('When status last changed.'),
    reason: str('CamelCase reason.', { minLength: 1, maxLength: 1024, pattern: CONDITION_REASON_PATTERN }),
    message: str('Human-readable detail.', { maxLength: 32768 }),
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

/** One committed partition, as the operator's `partitions.recent` and each runner's `recentPartitions` list it. */
const partitionItem: JSONSchemaProps = obj('One partition, with its figures since each runner\'s lineage began (restarts included); where it falls out of a runner\'s 256 most recently active partitions, that runner\'s figures for it may start again from 0.', {
  path: str('Partition path relative to sink.path, e.g. pid=0.', { maxLength: 1024 }),
  files: int('Files.', { minimum: 0 }),
  records: int('Records.', { minimum: 0 }),
  lastCommitAt: timestamp('Last commit.'),
  successFile: bool('Whether the success file was written.'),
}, { required: ['path', 'files', 'records', 'lastCommitAt', 'successFile'] });

export const statusSchema: JSONSchemaProps = obj('Observed state, written by the operator and the runners.', {
  observedGeneration: int('The spec generation last reconciled.', { minimum: 0 }),
  conditions: {
    type: 'array',
    description: 'The contract for tools: Ready, Reconciling, Stalled.',
    items: conditionSchema,
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  },
  phase: oneOfEnum('Summary for kubectl get; read conditions in automation.', ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed', 'Stalled']),
  checkpoint: obj('The newest completed checkpoint.', {
    id: int('Checkpoint id.', { minimum: 0 }),
    completedAt: timestamp('When it completed.'),
    durationMs: int('How long it took.', { minimum: 0 }),
  }),
  committed: obj('Totals made visible by completed checkpoints.', {
    records: int('Records.', { minimum: 0 }),
    bytes: int('Bytes.', { minimum: 0 }),
    files: int('Part files.', { minimum: 0 }),
    skipped: int('Bad records skipped or dead-lettered.', { minimum: 0 }),
  }),
  retired: obj('Lifetime totals of runner indexes removed by a scale-down (their lineages are retired into the remaining runners), so committed never goes backwards.', {
    records: int('Records.', { minimum: 0 }),
    bytes: int('Bytes.', { minimum: 0 }),
    files: int('Part files.', { minimum: 0 }),
    skipped: int('Bad records skipped or dead-lettered.', { minimum: 0 }),
    folded: {
      type: 'array',
      description: 'Removed runner entries already counted (index:checkpointId), kept until the entry is gone, so a retried removal never counts one twice.',
      items: { type: 'string', maxLength: 64 },
      maxItems: 1024,
    },
  }),
  source: obj('Source progress summary.', {
    lag: int('Records behind the end of the source (Kafka), summed over partitions.', { minimum: 0 }),
    lagMax: int('The largest lag of one partition (Flink: records-lag-max).', { minimum: 0 }),
    offsets: str('Committed positions, compact text (partition:offset;...).', { maxLength: 8192 }),
  }),
  partitions: obj('Partition commit summary; the full record is in the commit manifest.', {
    total: int('Partitions written, restarts included: the largest runners[].partitionsTotal (runners write the same paths), so at least that many (beyond 256, an estimate).', { minimum: 0 }),
    recent: {
      type: 'array',
      description: 'The most recently committed partitions (bounded).',
      maxItems: 20,
      items: partitionItem,
    },
  }),
  runners: {
    type: 'array',
    description: 'One entry per runner index; each runner applies its own entry.',
    maxItems: 1024,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['index'],
    items: obj('One runner.', {
      index: int('Runner index, 0..parallelism-1.', { minimum: 0, maximum: 1023, format: 'int32' }),
      pod: str('Pod name.', { maxLength: 253 }),
      state: str('Pod/runner state.', { maxLength: 64 }),
      checkpointId: int('Newest checkpoint this runner committed.', { minimum: 0 }),
      restarts: int('Restarts so far.', { minimum: 0 }),
      records: int('Records committed by this runner.', { minimum: 0 }),
      lag: int('This runner\'s source lag.', { minimum: 0 }),
      lagMax: int('The largest lag of one of this runner\'s partitions (Flink: records-lag-max).', { minimum: 0 }),
      laggingPartitions: {
        type: 'array',
        description: 'This runner\'s partitions furthest behind (Flink: records-lag per partition), largest first (bounded).',
        maxItems: 5,
        items: obj('One partition and its lag.', {
          partition: str('topic-partition.', { maxLength: 512 }),
          lag: int('Records behind the end of the partition.', { minimum: 0 }),
        }, { required: ['partition', 'lag'] }),
      },
      epoch: int('Epoch this runner process claimed (rises at every restart).', { minimum: 0 }),
      checkpointAt: timestamp('When its newest checkpoint completed.'),
      checkpointDurationMs: int('How long its newest checkpoint took.', { minimum: 0 }),
      bytes: int('Bytes committed by this runner.', { minimum: 0 }),
      files: int('Part files committed by this runner.', { minimum: 0 }),
      skipped: int('Bad records this runner skipped or dead-lettered.', { minimum: 0 }),
      finished: bool('Bounded input fully committed by this runner.'),
      recentPartitions: { type: 'array', description: 'This runner\'s most recently committed partitions (bounded).', maxItems: 5, items: partitionItem },
      partitionsTotal: int('Distinct partitions this runner\'s lineage has written, restarts included: exact up to 256, beyond an estimate (HyperLogLog, standard error about 3%).', { minimum: 0 }),
      splits: int('Source splits (Kafka partitions) this runner reads; their sum over runners bounds the autoscaler.', { minimum: 0 }),
      message: str('Why the runner is in its state (e.g. the error of a failed run).', { maxLength: 1024 }),
    }, { required: ['index', 'state'] }),
  },
  lastAppliedSpecHash: str('Hash of the spec the runners run; a change restarts them from the last checkpoint.', { maxLength: 128 }),
  replicas: int('Runner pods that exist and are not terminating: the scale subresource\'s status.replicas.', { minimum: 0, format: 'int32' }),
  selector: str('Label selector of the runner pods (the scale subresource\'s status.selector, for an HPA).', { maxLength: 512 }),
  autoscaler: obj('What the autoscaler (spec.autoscaler) saw and did last.', {
    state: oneOfEnum('Active: it decides; StoodDown: another manager scales spec.parallelism; Disabled: spec.autoscaler.enabled is not true.', ['Active', 'StoodDown', 'Disabled']),
    recommendedParallelism: int('Parallelism the last evaluation recommended (before the stabilization window).', { minimum: 0, format: 'int32' }),
    lastScaleTime: timestamp('When it last changed spec.parallelism.'),
    lastEvaluation: obj('The last evaluation.', {
      time: timestamp('When.'),
      reason: str('CamelCase reason: ScaledUp, ScaledDown, WithinDeadBand, Stabilizing, CoolingDown, MetricsUnavailable, AtBound, StoodDown.', { maxLength: 64, pattern: CONDITION_REASON_PATTERN }),
      message: str('Why, with the figures (lag, rates, bounds).', { maxLength: 1024 }),
      inputRate: str('Records per second arriving at the source (committed rate + lag growth), as a decimal.', { maxLength: 32 }),
      perRunnerRate: str('Records per second one runner processes while it has a backlog, as a decimal.', { maxLength: 32 }),
      lag: int('Source lag at the evaluation.', { minimum: 0 }),
    }),
    recent: {
      type: 'array',
      description: 'The last changes it made, newest first (bounded).',
      maxItems: 5,
      items: obj('One change of spec.parallelism.', {
        time: timestamp('When.'),
        from: int('Parallelism before.', { minimum: 0, format: 'int32' }),
        to: int('Parallelism after.', { minimum: 0, format: 'int32' }),
        reason: str('ScaledUp or ScaledDown.', { maxLength: 64, pattern: CONDITION_REASON_PATTERN }),
        message: str('Why.', { maxLength: 1024 }),
      }, { required: ['time', 'from', 'to', 'reason'] }),
    },
  }),
});

/** The whole resource as the CRD's openAPIV3Schema. metadata is the apiserver's own business. */
export const ingestJobSchema: JSONSchemaProps = obj(
  'IngestJob: a checkpointed, exactly-once ingest pipeline (Kafka or files → SQL → partitioned files).',
  {
    apiVersion: { type: 'string', description: 'sluice.dev/v1alpha1' },
    kind: { type: 'string', description: 'IngestJob' },
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
  { required: ['spec'] },
);
