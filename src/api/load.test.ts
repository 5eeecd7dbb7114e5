import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { JobValidationError } from './job-validation-error.ts';
import { loadIngestJob, parseIngestJob } from './load.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/jobs/${name}.yaml`, import.meta.url));

describe('loadIngestJob', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('loads the HDFS → JindoFS seed job', async () => {
    const { job, resolved } = await loadIngestJob(fixture('wordcount'));
    assert.equal(job.metadata.name, 'wordcount');
    assert.deepEqual(resolved.source.files, { path: 'hdfs://namenode:8020/data/words.txt' });
    assert.equal(resolved.checkpoint.intervalMs, 5_000);
    assert.equal(resolved.sink.rollingPolicy.fileSizeBytes, 128 * 1024 * 1024);
    assert.equal(resolved.storage.jindofs.namespaces.test!.ossUri, 'oss://sluice-bucket/jindo/test');
  });

  it('loads the Kafka → partitioned JindoFS seed job', async () => {
    const { resolved } = await loadIngestJob(fixture('uid-partitions-kafka'));
    assert.deepEqual(resolved.source.kafka!.topics, ['myTest']);
    assert.equal(resolved.source.kafka!.startupMode, 'latest-offset');
    assert.equal(resolved.source.kafka!.groupId, 'sluice-uid-partitions');
    assert.deepEqual(resolved.sink.partitionBy, ['pid']);
    assert.equal(resolved.sink.rollingPolicy.fileSizeBytes, 2 * 1024 * 1024);
    assert.deepEqual(resolved.sink.partitionCommit.policy, ['success-file']);
    assert.equal(resolved.transform.functions[0]!.expression, 'MOD(uid, 3)');
  });

  it('names the file and lists every error', async () => {
    const file = await write('bad.yaml', [
      'apiVersion: sluice.dev/v1alpha1',
      'kind: IngestJob',
      'metadata: {name: bad}',
      'spec:',
      '  source: {files: {path: /in}, format: {type: csv}, schema: [{name: w, type: STRING}]}',
      '  sink: {path: /out, format: {type: csv}, rollingPolicy: {fileSise: 2MB, checkInterval: 1 month}}',
    ].join('\n'));
    await assert.rejects(loadIngestJob(file), (error: unknown) => {
      assert.ok(error instanceof JobValidationError);
      assert.equal(error.message, [
        `${file}: invalid IngestJob (2 errors):`,
        '  spec.sink.rollingPolicy.fileSise: unknown field; did you mean fileSize?',
        '  spec.sink.rollingPolicy.checkInterval: must be a duration like 5s, 30 min, 1m (one minute), 500ms or 1h; got "1 month"',
      ].join('\n'));
      return true;
    });
  });

  it('rejects another kind clearly', () => {
    assert.throws(() => parseIngestJob('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', 'cm.yaml'), {
      name: 'JobValidationError',
      message: 'cm.yaml: invalid IngestJob (1 error):\n  kind: this file holds a ConfigMap, not an IngestJob',
    });
  });

  it('rejects several documents and empty files', () => {
    assert.throws(() => parseIngestJob('kind: IngestJob\n---\nkind: IngestJob\n', 'two.yaml'), /two\.yaml: .*expected exactly one YAML document with an IngestJob, found 2/s);
    assert.throws(() => parseIngestJob('# nothing\n', 'empty.yaml'), /empty\.yaml: .*found 0/s);
  });

  it('reports YAML syntax errors (duplicate keys included) with the file name', () => {
    assert.throws(() => parseIngestJob('spec: {source: [\n', 'broken.yaml'), {
      message: /^broken\.yaml: invalid IngestJob \(2 errors\):\n  YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a \] at line 2, column 1\n/,
    });
    assert.throws(() => parseIngestJob('a: 1\na: 2\n', 'dup.yaml'), {
      message: 'dup.yaml: invalid IngestJob (1 error):\n  YAML syntax: Map keys must be unique at line 2, column 1',
    });
  });

  it('fails for a missing file with the path in the error', async () => {
    await assert.rejects(loadIngestJob(join(dir, 'nope.yaml')), /nope\.yaml/);
  });
});
