import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpecificOffsets, resolveSpec, withDefaults } from './defaults.ts';
import { JobValidationError } from './job-validation-error.ts';
import type { IngestJobSpec } from './types.ts';

const minimal: IngestJobSpec = {
  source: { kafka: { bootstrapServers: ['127.0.0.1:9092'], topic: 'a;b' }, format: { type: 'json' }, schema: [{ name: 'uid', type: 'INT' }] },
  sink: { path: '/tmp/out/', format: { type: 'csv' } },
};

describe('withDefaults', () => {
  it("applies Flink's defaults and parses units", () => {
    const r = withDefaults(minimal, 'uids');
    assert.deepEqual(r.sink.rollingPolicy, {
      fileSizeBytes: 128 * 1024 * 1024, rolloverIntervalMs: 30 * 60_000, inactivityIntervalMs: 30 * 60_000, checkIntervalMs: 60_000,
    });
    assert.deepEqual(r.sink.partitionCommit, {
      trigger: 'process-time', delayMs: 0, policy: [], successFileName: '_SUCCESS',
      timestampPattern: null, timestampFormatter: 'yyyy-MM-dd HH:mm:ss', watermarkTimeZone: 'UTC',
    });
    assert.deepEqual(r.sink.format, {
      type: 'csv', fieldDelimiter: ',', quoteCharacter: '"', allowComments: false, ignoreParseErrors: false, nullLiteral: '', escapeCharacter: null,
      header: false, compression: 'none',
    });
    assert.deepEqual(r.source.format, { type: 'json', failOnMissingField: false, ignoreParseErrors: false, timestampFormat: 'SQL', compression: 'none' });
    const pq = withDefaults({ ...minimal, sink: { ...minimal.sink, format: { type: 'parquet' } } }, 'uids');
    assert.deepEqual(pq.sink.format, { type: 'parquet', compression: 'snappy', rowGroupSizeBytes: 128 * 1024 * 1024, pageSizeBytes: 1024 * 1024, dictionary: true, utcTimezone: false });
    assert.equal(r.sink.partSuffix, '');
    assert.deepEqual(r.sink.partitionBy, []);
    assert.equal(r.sink.uploadPartSizeBytes, 8 * 1024 * 1024);
    assert.deepEqual(r.checkpoint, { intervalMs: 5_000, dir: '/tmp/out/_sluice' });
    assert.equal(r.parallelism, 1);
    assert.deepEqual(r.transform, { functions: [], query: 'SELECT * FROM source' });
    assert.deepEqual(r.restartPolicy, { maxRestarts: 10, initialMs: 5_000, maxMs: 300_000, resetAfterMs: 3_600_000 });
    assert.equal(r.suspend, false);
    assert.deepEqual(r.source.badRecords, { mode: 'fail', deadLetter: null });
    assert.equal(r.source.watermark, null);
    assert.equal(r.source.files, null);
    const kafka = r.source.kafka!;
    assert.deepEqual(kafka.topics, ['a', 'b']);
    assert.equal(kafka.startupMode, 'group-offsets');
    assert.equal(kafka.groupId, 'sluice-uids');
    assert.equal(kafka.autoOffsetReset, null);
    assert.equal(kafka.boundedMode, 'unbounded');
    assert.equal(kafka.partitionDiscoveryIntervalMs, 300_000);
    assert.deepEqual(kafka.security, { protocol: 'PLAINTEXT', sasl: null, tls: null });
    assert.deepEqual(r.storage, { oss: null, hdfs: { namenodes: {}, user: 'sluice', delegationTokenSecret: null }, jindofs: { namespaces: {} } });
  });

  it('keeps what the user set', () => {
    const r = withDefaults({
      ...minimal,
      source: { ...minimal.source, format: { type: 'csv', disableQuoteCharacter: true, fieldDelimiter: '\t', nullLiteral: '\\N' } },
      sink: {
        ...minimal.sink,
        rollingPolicy: { fileSize: '2MB', rolloverInterval: '10 min', checkInterval: '1 s' },
        partitionCommit: { delay: '1h', policy: ['success-file'], successFileName: '_DONE' },
      },
      checkpoint: { interval: '500ms', dir: 'hdfs://nn:8020/chk' },
      parallelism: 4,
    });
    assert.equal(r.sink.rollingPolicy.fileSizeBytes, 2 * 1024 * 1024);
    assert.equal(r.sink.rollingPolicy.rolloverIntervalMs, 600_000);
    assert.equal(r.sink.rollingPolicy.checkIntervalMs, 1_000);
    assert.equal(r.sink.partitionCommit.delayMs, 3_600_000);
    assert.equal(r.sink.partitionCommit.successFileName, '_DONE');
    assert.deepEqual(r.checkpoint, { intervalMs: 500, dir: 'hdfs://nn:8020/chk' });
    assert.equal(r.parallelism, 4);
    assert.deepEqual(r.source.format, {
      type: 'csv', fieldDelimiter: '\t', quoteCharacter: null, allowComments: false, ignoreParseErrors: false, nullLiteral: '\\N', escapeCharacter: null,
      header: false, compression: 'none',
    });
  });

  it('throws JobValidationError naming every bad field', () => {
    assert.throws(
      () => withDefaults({ ...minimal, sink: { ...minimal.sink, rollingPolicy: { fileSize: '0', checkInterval: 'often' } }, checkpoint: { interval: '1ms' } }, 'uids'),
      (error: unknown) => {
        assert.ok(error instanceof JobValidationError);
        assert.deepEqual(error.errors, [
          { path: 'spec.sink.rollingPolicy.checkInterval', message: 'must be a duration like 5s, 30 min, 1m (one minute), 500ms or 1h; got "often"' },
          { path: 'spec.sink.rollingPolicy.fileSize', message: 'must be greater than 0' },
          { path: 'spec.checkpoint.interval', message: 'must be at least 10ms (as in Flink)' },
        ]);
        assert.equal(error.message, [
          'IngestJob uids: invalid IngestJob (3 errors):',
          '  spec.sink.rollingPolicy.checkInterval: must be a duration like 5s, 30 min, 1m (one minute), 500ms or 1h; got "often"',
          '  spec.sink.rollingPolicy.fileSize: must be greater than 0',
          '  spec.checkpoint.interval: must be at least 10ms (as in Flink)',
        ].join('\n'));
        return true;
      },
    );
  });

  it('resolveSpec collects instead of throwing', () => {
    const { errors } = resolveSpec({ ...minimal, restartPolicy: { backoff: { initial: '10m' } } });
    assert.deepEqual(errors, [{ path: 'spec.restartPolicy.backoff.max', message: 'must not be less than backoff.initial' }]);
  });
});

describe('parseSpecificOffsets', () => {
  it("reads Flink's syntax", () => {
    assert.deepEqual(parseSpecificOffsets('partition:0,offset:42;partition:1,offset:300;'), [
      { partition: 0, offset: 42 },
      { partition: 1, offset: 300 },
    ]);
  });
});
