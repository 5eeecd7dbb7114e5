/** The lake format options in the schema (and so in the CRD): which combinations a user may write. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { formatValidationError } from './field-error.ts';
import { validateIngestJob } from './validate.ts';
import { edited, type Doc } from '../../test/helpers/job-edits.ts';

const fixture = (name: string): Doc => parse(readFileSync(new URL(`../../test/fixtures/jobs/${name}.yaml`, import.meta.url), 'utf8')) as Doc;
const errors = (doc: Doc): string[] => validateIngestJob(doc).map(formatValidationError);

describe('format options: compression, header, parquet', () => {
  it('accepts compressed CSV/JSON, a CSV header and Parquet with its options', () => {
    assert.deepEqual(errors(edited(fixture('wordcount'), {
      'spec.source.format': { type: 'csv', header: true, compression: 'gzip' },
      'spec.sink.format': { type: 'parquet', compression: 'zstd', rowGroupSize: '64mb', pageSize: '1mb', dictionary: false, utcTimezone: true },
    })), []);
    assert.deepEqual(errors(edited(fixture('wordcount'), { 'spec.source.format': { type: 'parquet' }, 'spec.sink.format': { type: 'json', compression: 'zstd' } })), []);
  });

  it('refuses options of another format, naming the option', () => {
    const bad = (format: Doc): string[] => errors(edited(fixture('wordcount'), { 'spec.sink.format': format }));
    assert.ok(bad({ type: 'csv', compression: 'snappy' }).some((e) => e.includes('spec.sink.format.compression') && e.includes('snappy is a parquet compression')));
    assert.ok(bad({ type: 'json', header: true }).some((e) => e.includes('spec.sink.format.header') && e.includes('csv format option')));
    assert.ok(bad({ type: 'csv', rowGroupSize: '1mb' }).some((e) => e.includes('spec.sink.format.rowGroupSize') && e.includes('parquet format option')));
    assert.ok(bad({ type: 'parquet', ignoreParseErrors: true }).some((e) => e.includes('spec.sink.format.ignoreParseErrors')));
    assert.ok(bad({ type: 'parquet', compression: 'lz4' }).some((e) => e.includes('spec.sink.format.compression')));
  });

  it('refuses a Kafka source in Parquet', () => {
    const e = errors(edited(fixture('uid-partitions-kafka'), { 'spec.source.format': { type: 'parquet' } }));
    assert.ok(e.some((m) => m.includes('spec.source.format.type') && m.includes('parquet is a files format')), e.join('\n'));
  });
});
