import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { formatValidationError, type ValidationError } from './field-error.ts';
import { validateIngestJob } from './validate.ts';

import { edited } from '../../test/helpers/job-edits.ts';
import type { Doc } from '../../test/helpers/job-edits.ts';

const fixture = (name: string): Doc =>
  parse(readFileSync(new URL(`../../test/fixtures/jobs/${name}.yaml`, import.meta.url), 'utf8')) as Doc;


/** The Kafka seed job with `edits` applied. */
const kafkaJob = (edits: Record<string, unknown> = {}): Doc => edited(fixture('uid-partitions-kafka'), edits);
/** The HDFS seed job with `edits` applied. */
const filesJob = (edits: Record<string, unknown> = {}): Doc => edited(fixture('wordcount'), edits);

/** Asserts that `errors` is exactly `expected` (rendered), so no extra error hides. */
function assertErrors(errors: ValidationError[], expected: string[]): void {
  assert.deepEqual(errors.map(formatValidationError), expected);
}

describe('validateIngestJob: valid jobs', () => {
  it('accepts the two seed jobs', () => {
    assertErrors(validateIngestJob(fixture('wordcount')), []);
    assertErrors(validateIngestJob(fixture('uid-partitions-kafka')), []);
  });

  it('accepts a job with every optional section filled in', () => {
    const job = kafkaJob({
      'spec.source.kafka.startupMode': 'specific-offsets',
      'spec.source.kafka.startupSpecificOffsets': 'partition:0,offset:42;partition:1,offset:300',
      'spec.source.kafka.security': {
        protocol: 'SASL_SSL',
        sasl: { mechanism: 'SCRAM-SHA-512', username: { value: 'ingest' }, password: { secretKeyRef: { name: 'kafka', key: 'password' } } },
        tls: { ca: { file: '/etc/kafka/ca.pem' } },
      },
      'spec.source.schema.1': { name: 'ts', type: 'TIMESTAMP(3)' },
      'spec.source.watermark': { column: 'ts', delay: '5 s' },
      'spec.source.badRecords': { mode: 'dead-letter', deadLetter: 'kafka://myTest-dlq' },
      'spec.sink.rollingPolicy': { fileSize: 1048576, rolloverInterval: '15 min', inactivityInterval: '5m', checkInterval: '10s' },
      'spec.sink.partitionCommit': { trigger: 'partition-time', delay: '1h', policy: ['success-file'], successFileName: '_DONE' },
      'spec.sink.uploadPartSize': '16MB',
      'spec.parallelism': 3,
      'spec.restartPolicy': { maxRestarts: 3, backoff: { initial: '1s', max: '1m' } },
      'spec.runner': { image: 'sluice:dev', resources: { limits: { cpu: '500m', memory: '512Mi' } }, podTemplate: { spec: { nodeSelector: { a: 'b' } } } },
      'spec.suspend': true,
      'metadata.uid': 'abc',
      'metadata.labels': { team: 'data' },
      'status': {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', reason: 'Running', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }],
        runners: [{ index: 0, state: 'Running' }, { index: 1, state: 'Pending' }],
      },
    });
    assertErrors(validateIngestJob(job), []);
  });

  it('accepts checkpoint state in a hidden folder of the sink or outside it, and working partition-time settings', () => {
    for (const dir of ['jfs://test/ingest/uids/_state', 'jfs://test/ingest/uids/.sluice/chk', 'jfs://test/ingest/state', 'jfs://test/ingest/uids2']) {
      assertErrors(validateIngestJob(kafkaJob({ 'spec.checkpoint.dir': dir })), []);
    }
    for (const commit of [
      { timestampPattern: '$pid', timestampFormatter: 'yyyyMMdd', watermarkTimeZone: 'Asia/Shanghai' },
      { timestampFormatter: 'yyyy-MM-dd HH:mm:ss', watermarkTimeZone: '+08:00' },
      { watermarkTimeZone: 'UTC' },
    ]) {
      assertErrors(validateIngestJob(kafkaJob({ 'spec.sink.partitionCommit': commit })), []);
    }
    assertErrors(validateIngestJob(kafkaJob({ 'spec.storage.oss': { endpoint: 'http://127.0.0.1:9000', fromEnv: true } })), []);
  });
});

describe('validateIngestJob: invalid jobs name the field', () => {
  const cases: Array<[string, Doc, string[]]> = [
    ['a typo is an unknown field, with a suggestion',
      kafkaJob({ 'spec.sink.rollingPolicy.fileSise': '2MB' }),
      ['spec.sink.rollingPolicy.fileSise: unknown field; did you mean fileSize?']],
    ['a typo in the pod template is refused (Kubernetes\' PodTemplateSpec schema)',
      kafkaJob({ 'spec.runner.podTemplate': { spec: { nodeSelecter: { disk: 'ssd' }, tolerations: [{ key: 'k', operator: 'Exists', efect: 'NoSchedule' }] } } }),
      ['spec.runner.podTemplate.spec.nodeSelecter: unknown field; did you mean nodeSelector?',
        'spec.runner.podTemplate.spec.tolerations[0].efect: unknown field; did you mean effect?']],
    ['a bad size',
      kafkaJob({ 'spec.sink.rollingPolicy.fileSize': '2 megs' }),
      ['spec.sink.rollingPolicy.fileSize: must be a size like 2MB, 128mb, 512kb or 1g (binary units), or an integer of bytes; got "2 megs"']],
    ['a size that is neither string nor integer',
      kafkaJob({ 'spec.sink.rollingPolicy.fileSize': 1.5 }),
      ['spec.sink.rollingPolicy.fileSize: must be a size like 2MB, 128mb, 512kb or 1g (binary units), or an integer of bytes; got a number']],
    ['a bad duration',
      kafkaJob({ 'spec.checkpoint.interval': '5 mins' }),
      ['spec.checkpoint.interval: must be a duration like 5s, 30 min, 1m (one minute), 500ms or 1h; got "5 mins"']],
    ['a wrong type',
      kafkaJob({ 'spec.parallelism': '2' }),
      ['spec.parallelism: must be an integer, got a string']],
    ['out of range',
      kafkaJob({ 'spec.parallelism': 0 }),
      ['spec.parallelism: must be at least 1; got 0']],
    ['an enum',
      kafkaJob({ 'spec.source.kafka.startupMode': 'latest' }),
      ['spec.source.kafka.startupMode: must be one of earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets; got "latest"']],
    ['a missing required field',
      kafkaJob({ 'spec.sink.path': undefined }),
      ['spec.sink.path: is required']],
    ['null',
      kafkaJob({ 'spec.sink.partitionBy': null }),
      ['spec.sink.partitionBy: must not be null; leave the field out to use its default']],
    ['neither files nor kafka',
      kafkaJob({ 'spec.source.kafka': undefined }),
      ['spec.source: set exactly one of files or kafka']],
    ['both files and kafka',
      kafkaJob({ 'spec.source.files': { path: '/data' } }),
      ['spec.source.kafka: files and kafka are exclusive: set exactly one']],
    ['json failOnMissingField with ignoreParseErrors',
      kafkaJob({ 'spec.source.format': { type: 'json', failOnMissingField: true, ignoreParseErrors: true } }),
      ['spec.source.format.ignoreParseErrors: failOnMissingField and ignoreParseErrors cannot both be true (Flink rejects json.fail-on-missing-field with json.ignore-parse-errors)']],
    ['a csv option on a json format',
      kafkaJob({ 'spec.source.format.fieldDelimiter': ';' }),
      ['spec.source.format.fieldDelimiter: fieldDelimiter is a csv format option; this format is not csv']],
    ['a csv delimiter of two characters',
      kafkaJob({ 'spec.sink.format.fieldDelimiter': '||' }),
      ['spec.sink.format.fieldDelimiter: must be exactly one character']],
    ['delimiter equal to the quote character',
      kafkaJob({ 'spec.sink.format.fieldDelimiter': '"' }),
      ['spec.sink.format.fieldDelimiter: fieldDelimiter and quoteCharacter must differ']],
    ['duplicate partition columns',
      kafkaJob({ 'spec.sink.partitionBy': ['pid', 'uid', 'pid'] }),
      ['spec.sink.partitionBy: partitionBy columns must be distinct']],
    ['startupMode timestamp without startupTimestampMillis',
      kafkaJob({ 'spec.source.kafka.startupMode': 'timestamp' }),
      ['spec.source.kafka.startupTimestampMillis: startupMode timestamp needs startupTimestampMillis']],
    ['startupTimestampMillis without startupMode timestamp',
      kafkaJob({ 'spec.source.kafka.startupTimestampMillis': 1700000000000 }),
      ['spec.source.kafka.startupTimestampMillis: startupTimestampMillis is only used with startupMode timestamp']],
    ['specific-offsets without startupSpecificOffsets',
      kafkaJob({ 'spec.source.kafka.startupMode': 'specific-offsets' }),
      ['spec.source.kafka.startupSpecificOffsets: startupMode specific-offsets needs startupSpecificOffsets']],
    ['bad specific offsets syntax',
      kafkaJob({ 'spec.source.kafka.startupMode': 'specific-offsets', 'spec.source.kafka.startupSpecificOffsets': '0:42' }),
      ["spec.source.kafka.startupSpecificOffsets: must be Flink's 'partition:0,offset:42;partition:1,offset:300'; got \"0:42\""]],
    ['dead-letter without deadLetter',
      kafkaJob({ 'spec.source.badRecords': { mode: 'dead-letter' } }),
      ['spec.source.badRecords.deadLetter: mode dead-letter needs deadLetter']],
    ['a kafka:// dead letter on a files source',
      filesJob({ 'spec.source.badRecords': { mode: 'dead-letter', deadLetter: 'kafka://dlq' } }),
      ['spec.source.badRecords.deadLetter: a kafka:// deadLetter needs a kafka source']],
    ['partition-time without partitionBy (and without a watermark)',
      filesJob({ 'spec.sink.partitionCommit': { trigger: 'partition-time' } }),
      ['spec.sink.partitionCommit.trigger: trigger partition-time needs partitionBy',
        'spec.sink.partitionCommit.trigger: trigger partition-time needs source.watermark']],
    ['a watermark on a column not in the schema',
      kafkaJob({ 'spec.source.watermark': { column: 'ts' } }),
      ['spec.source.watermark.column: watermark.column must be a column of schema']],
    ['jindofs cache namespace without ossUri',
      kafkaJob({ 'spec.storage.jindofs.namespaces.test.ossUri': undefined }),
      ['spec.storage.jindofs.namespaces[test].ossUri: mode cache needs ossUri']],
    ['jindofs block namespace without fuseMountPath',
      kafkaJob({ 'spec.storage.jindofs.namespaces.test.mode': 'block' }),
      ['spec.storage.jindofs.namespaces[test].fuseMountPath: mode block needs fuseMountPath']],
    ['a jfs:// path whose namespace is not defined',
      kafkaJob({ 'spec.sink.path': 'jfs://prod/ingest/uids' }),
      ['spec.sink.path: jfs namespace prod is not defined in storage.jindofs.namespaces (defined: test)']],
    ['a jfs:// source and checkpoint dir whose namespace is not defined',
      filesJob({ 'spec.source.files.path': 'jfs://prod/words.txt', 'spec.sink.path': 'out', 'spec.checkpoint.dir': 'jfs://stage/chk', 'spec.storage.jindofs': undefined }),
      ['spec.source.files.path: jfs namespace prod is not defined in storage.jindofs.namespaces (none is defined)',
        'spec.checkpoint.dir: jfs namespace stage is not defined in storage.jindofs.namespaces (none is defined)']],
    ['checkpoint state in the sink path itself',
      kafkaJob({ 'spec.checkpoint.dir': 'jfs://test/ingest/uids/' }),
      ['spec.checkpoint.dir: is the sink path "jfs://test/ingest/uids": readers of the sink would take the checkpoint records for data. ' +
        'Use a folder whose name starts with _ or . (the default is jfs://test/ingest/uids/_sluice) or a path outside the sink']],
    ['checkpoint state and dead letters in visible folders of a local sink, however spelled',
      filesJob({
        'spec.source.files.path': 'in.txt', 'spec.sink.path': './out', 'spec.checkpoint.dir': 'out/x/../checkpoints',
        'spec.source.badRecords': { mode: 'dead-letter', deadLetter: 'file://out/dlq' },
      }),
      ['spec.checkpoint.dir: is inside the sink path "./out" in a visible folder: readers of the sink would take the checkpoint records for data. ' +
        'Use a folder whose name starts with _ or . (the default is ./out/_sluice) or a path outside the sink',
      'spec.source.badRecords.deadLetter: is inside the sink path "./out" in a visible folder: readers of the sink would take the dead-letter records for data. ' +
        'Use a folder whose name starts with _ or . (the default is ./out/_sluice) or a path outside the sink']],
    ['partition-time settings that cannot work',
      kafkaJob({
        'spec.sink.partitionCommit': { timestampPattern: '$dt $hour:00:00', timestampFormatter: 'YYYY-MM-DD HH:mm:ss', watermarkTimeZone: 'Mars/Olympus' },
      }),
      ['spec.sink.partitionCommit.timestampPattern: $dt is not a partition column (partitionBy is pid)',
        'spec.sink.partitionCommit.timestampPattern: $hour is not a partition column (partitionBy is pid)',
        'spec.sink.partitionCommit.timestampFormatter: "YYYY-MM-DD HH:mm:ss": "YYYY" at position 1 is not supported (use yyyy MM dd HH mm ss and punctuation)',
        'spec.sink.partitionCommit.watermarkTimeZone: "Mars/Olympus" is not a time zone (UTC, +08:00, or an IANA name such as Asia/Shanghai)']],
    ['a partition-time formatter without a date, a pattern without a column',
      kafkaJob({ 'spec.sink.partitionCommit': { timestampPattern: '2024-01-01', timestampFormatter: 'HH:mm' } }),
      ['spec.sink.partitionCommit.timestampPattern: names no partition column ($column): every partition would get the same time',
        'spec.sink.partitionCommit.timestampFormatter: "HH:mm": has no yyyy, MM, dd: a partition time needs a date']],
    ['OSS endpoints and a region the OSS client refuses',
      kafkaJob({
        'spec.storage.jindofs.namespaces.test.endpoint': 'localhost:9000',
        'spec.storage.oss': { endpoint: 'http://oss emulator:9000', fromEnv: true },
        'spec.storage.jindofs.namespaces.other': { mode: 'cache', ossUri: 'oss://b/p', endpoint: 'oss.example.com', fromEnv: true },
      }),
      ['spec.storage.oss.endpoint: "http://oss emulator:9000" is refused by the OSS client: The endpoint must be conform to the specifications',
        'spec.storage.jindofs.namespaces.test.endpoint: "localhost:9000" is refused by the OSS client: Endpoint protocol must be http or https. (write http://host:port or https://host)',
        'spec.storage.jindofs.namespaces.other.ossUri: "oss://b/p": bucket "b" is not a valid OSS bucket name']],
    ['WebHDFS addresses and hdfs:// paths the client cannot reach',
      filesJob({
        'spec.storage.hdfs.namenodes': { 'namenode:8020': 'namenode:98700' },
        'spec.checkpoint.dir': 'webhdfs://namenode:99999/chk',
      }),
      ['spec.storage.hdfs.namenodes[namenode:8020]: "namenode:98700" is not a host:port or http(s) URL',
        'spec.checkpoint.dir: "webhdfs://namenode:99999/chk" is not a valid URI (check the host and port)']],
    ['an hdfs:// path with no WebHDFS address',
      filesJob({ 'spec.source.files.path': 'hdfs://other:8020/words.txt' }),
      ['spec.source.files.path: no WebHDFS address for hdfs://other:8020 (in hdfs://other:8020/words.txt): add "other:8020": "http://<namenode-host>:9870" ' +
        'to spec.storage.hdfs.namenodes, or write the path as webhdfs://<namenode-host>:<http-port>/...']],
    ['an oss:// path without storage.oss',
      filesJob({ 'spec.source.files.path': 'oss://bucket/words.txt' }),
      ['spec.source.files.path: an oss:// path needs storage.oss']],
    ['an unsupported scheme',
      kafkaJob({ 'spec.sink.path': 's3://bucket/x' }),
      ['spec.sink.path: must be a local path or a file://, hdfs://, webhdfs://, oss:// or jfs:// URI; got "s3://bucket/x"']],
    ['duplicate schema columns (list-type map)',
      kafkaJob({ 'spec.source.schema.1': { name: 'uid', type: 'BIGINT' } }),
      ['spec.source.schema[1]: duplicate entry with name="uid" (first at [0])']],
    ['a bad SQL type',
      kafkaJob({ 'spec.source.schema.0.type': 'INTEGR' }),
      ['spec.source.schema[0].type: must be a SQL type like INT, BIGINT, STRING, VARCHAR(20), DECIMAL(10, 2) or TIMESTAMP(3); got "INTEGR"']],
    ['sasl without a SASL protocol, and a secret given two ways',
      kafkaJob({
        'spec.source.kafka.security': { sasl: { mechanism: 'PLAIN', username: { value: 'u' }, password: { env: 'P', file: '/p' } } },
      }),
      ['spec.source.kafka.security.sasl.password: set exactly one of secretKeyRef, file, env',
        'spec.source.kafka.security.sasl: sasl needs protocol SASL_PLAINTEXT or SASL_SSL']],
    ['an inline password is an unknown field, and its value is not echoed',
      kafkaJob({
        'spec.source.kafka.security': { protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN', username: { value: 'u' }, password: { value: 'hunter2' } } },
      }),
      ['spec.source.kafka.security.sasl.password.value: unknown field',
        'spec.source.kafka.security.sasl.password: set exactly one of secretKeyRef, file, env']],
    ['status: duplicate runner index and a bad phase',
      kafkaJob({ 'status': { phase: 'Done', runners: [{ index: 0, state: 'Running' }, { index: 0, state: 'Failed' }] } }),
      ['status.phase: must be one of Pending, Running, Suspended, Succeeded, Failed, Stalled; got "Done"',
        'status.runners[1]: duplicate entry with index=0 (first at [0])']],
    ['a checkpoint interval below Flink\'s 10ms',
      kafkaJob({ 'spec.checkpoint.interval': '5ms' }),
      ["spec.checkpoint.interval: must be at least 10ms (as in Flink)"]],
    ['an OSS part size below 100KB',
      kafkaJob({ 'spec.sink.uploadPartSize': '50kb' }),
      ['spec.sink.uploadPartSize: must be between 100KB and 5GB (OSS multipart limits)']],
    ['backoff max below initial',
      kafkaJob({ 'spec.restartPolicy': { backoff: { initial: '1m', max: '10s' } } }),
      ['spec.restartPolicy.backoff.max: must not be less than backoff.initial']],
    ['wrong apiVersion and kind, missing name',
      kafkaJob({ 'apiVersion': 'sluice.dev/v1', 'kind': 'Job', 'metadata.name': undefined }),
      ['apiVersion: must be sluice.dev/v1alpha1; got "sluice.dev/v1"', 'kind: must be IngestJob; got "Job"', 'metadata.name: is required']],
  ];

  for (const [title, job, expected] of cases) {
    it(title, () => assertErrors(validateIngestJob(job), expected));
  }

  it('reports all errors at once, not just the first', () => {
    const job = kafkaJob({
      'spec.sink.rollingPolicy.fileSise': '2MB',
      'spec.checkpoint.interval': 'soon',
      'spec.parallelism': -1,
      'spec.sink.partitionBy': ['pid', 'pid'],
    });
    assertErrors(validateIngestJob(job), [
      'spec.sink.rollingPolicy.fileSise: unknown field; did you mean fileSize?',
      'spec.sink.partitionBy: partitionBy columns must be distinct',
      'spec.checkpoint.interval: must be a duration like 5s, 30 min, 1m (one minute), 500ms or 1h; got "soon"',
      'spec.parallelism: must be at least 1; got -1',
    ]);
  });

  it('never throws on garbage', () => {
    for (const garbage of [null, undefined, 42, 'job', [], [1], { spec: 'x' }, { spec: { source: [], sink: 7 } }]) {
      const errors = validateIngestJob(garbage);
      assert.ok(errors.length > 0, JSON.stringify(garbage));
    }
    assertErrors(validateIngestJob('job'), ['an IngestJob must be a mapping with apiVersion, kind, metadata and spec; got a string']);
  });
});
