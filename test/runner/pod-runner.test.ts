/**
 * The pod runner without a cluster: runInPod against a fake IngestJob client and local storage.
 * Proves the wiring (job → config → pipeline → status) and the exit codes; the real apiserver
 * test (runner-kube.test.ts) proves the Kubernetes side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { IngestJob, RunnerStatus } from '../../src/api/types.ts';
import { jsonLog } from '../../src/runner/json-log.ts';
import { KubeApiError } from '../../src/runner/ingest-job-client.ts';
import { runInPod } from '../../src/runner/pod-runner.ts';
import type { JobSource } from '../../src/runner/pod-runner.ts';
import type { RunnerOptions } from '../../src/runner/runner-args.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

class FakeJobSource implements JobSource {
  readonly applied: RunnerStatus[] = [];
  gets = 0;
  private readonly job: IngestJob | (() => never);

  constructor(job: IngestJob | (() => never)) {
    this.job = job;
  }

  async get(): Promise<IngestJob> {
    this.gets++;
    return typeof this.job === 'function' ? this.job() : structuredClone(this.job);
  }

  async apply(s: RunnerStatus): Promise<void> {
    this.applied.push(structuredClone(s));
  }
}

function capture(): { log: ReturnType<typeof jsonLog>; events: () => Array<Record<string, unknown>> } {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  return { log: jsonLog(out), events: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const options = (job: string): RunnerOptions => ({ namespace: 'ingest', job, index: 0, parallelism: 1, metricsPort: 0, statusIntervalMs: 5000 });

/** The seed's first job (words → `word,1`) with local paths. */
function wordcount(dir: string): IngestJob {
  return {
    apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob',
    metadata: { name: 'wordcount', namespace: 'ingest', uid: 'x', resourceVersion: '1', managedFields: [] },
    spec: {
      source: { files: { path: path.join(dir, 'words.txt') }, format: { type: 'csv' }, schema: [{ name: 'word', type: 'VARCHAR' }] },
      transform: { query: 'SELECT word, CAST(1 AS BIGINT) AS ct FROM source' },
      sink: { path: path.join(dir, 'out'), format: { type: 'csv' } },
      checkpoint: { interval: '5s' },
    },
    // a status written by others (with fields this version may not know) is not the runner's input
    status: { runners: [{ index: 0, state: 'Pending', pod: 'wordcount-0' }], phase: 'Running' },
  };
}

test('runs the job to its end, reports Succeeded with the committed counts, exits 0', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-pod-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'words.txt'), 'hello\nworld\nhello\n');
  const client = new FakeJobSource(wordcount(dir));
  const { log, events } = capture();
  let port = -1;
  const code = await runInPod(options('wordcount'), { client, log, metricsHost: '127.0.0.1', onListening: (p) => (port = p) });
  assert.equal(code, 0, JSON.stringify(events()));
  assert.ok(port > 0);
  assert.deepEqual(await readLines(await visibleFiles(path.join(dir, 'out'))), ['hello,1', 'world,1', 'hello,1']);
  const last = client.applied.at(-1)!;
  assert.equal(last.state, 'Succeeded');
  assert.equal(last.finished, true);
  assert.equal(last.records, 3);
  assert.equal(last.files, 1);
  assert.equal(typeof last.checkpointId, 'number');
  assert.equal(last.epoch, 1);
  assert.deepEqual([last.partitionsTotal, last.recentPartitions?.map((p) => [p.path, p.files, p.records])], [1, [['', 1, 3]]]);
  assert.equal(client.applied[0]!.state, 'Running', 'the first status (after restore) says Running');
  const kinds = events().map((e) => e.event);
  assert.deepEqual([kinds[0], kinds.at(-1)], ['starting', 'summary']);
  assert.ok(kinds.includes('restore') && kinds.includes('checkpoint'));
  // the server is closed once the runner returns
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));

  // A second start restores the finished checkpoint and reports the same totals.
  const again = new FakeJobSource(wordcount(dir));
  assert.equal(await runInPod(options('wordcount'), { client: again, log: capture().log, metricsHost: '127.0.0.1' }), 0);
  assert.equal(again.applied.at(-1)!.records, 3);
  assert.equal(again.applied.at(-1)!.epoch, 2);
  // the partition figures too are the lineage's, restored from its record, not this process's
  const restarted = again.applied.at(-1)!;
  assert.deepEqual([restarted.partitionsTotal, restarted.recentPartitions?.map((p) => [p.path, p.files, p.records])], [1, [['', 1, 3]]]);
  assert.deepEqual(await readLines(await visibleFiles(path.join(dir, 'out'))), ['hello,1', 'world,1', 'hello,1']);
});

test('an invalid job exits 2 and says which field in a Failed status', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-pod-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const job = wordcount(dir);
  job.spec.checkpoint = { interval: 'soon' };
  const client = new FakeJobSource(job);
  const { log, events } = capture();
  assert.equal(await runInPod(options('wordcount'), { client, log, metricsHost: '127.0.0.1' }), 2);
  assert.equal(client.applied.length, 1);
  assert.equal(client.applied[0]!.state, 'Failed');
  assert.match(client.applied[0]!.message!, /spec\.checkpoint\.interval/);
  assert.match(String(events().find((e) => e.event === 'invalid-job')!.reason), /IngestJob ingest\/wordcount is invalid/);
});

test('a job that fails at run time exits 1 with the reason in a Failed status', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-pod-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // valid job, but its input is not there: found only when the run starts
  const job = wordcount(dir);
  const client = new FakeJobSource(job);
  const { log } = capture();
  assert.equal(await runInPod(options('wordcount'), { client, log, metricsHost: '127.0.0.1' }), 1);
  const last = client.applied.at(-1)!;
  assert.equal(last.state, 'Failed');
  assert.match(last.message!, /spec\.source\.files\.path: .*words\.txt does not exist/);
});

test('a job whose partition column is not in the query output is invalid: exit 2 naming the field', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-pod-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'words.txt'), 'hello\n');
  const job = wordcount(dir);
  job.spec.sink.partitionBy = ['nope'];
  const client = new FakeJobSource(job);
  const { log } = capture();
  assert.equal(await runInPod(options('wordcount'), { client, log, metricsHost: '127.0.0.1' }), 2);
  assert.match(client.applied.at(-1)!.message!, /spec\.sink\.partitionBy\[0\]: column 'nope'/);
});

test('a forbidden GET is not retried: exit 1, nothing applied', async () => {
  const client = new FakeJobSource(() => {
    throw new KubeApiError('cannot read ingestjobs.sluice.dev ingest/wordcount: forbidden', 403, null);
  });
  const { log, events } = capture();
  assert.equal(await runInPod(options('wordcount'), { client, log, metricsHost: '127.0.0.1' }), 1);
  assert.equal(client.gets, 1);
  assert.equal(client.applied.length, 0);
  assert.match(String(events().find((e) => e.event === 'failed')!.reason), /forbidden/);
});

test('a metrics port in use fails fast naming --metrics-port', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as { port: number }).port;
    const client = new FakeJobSource(wordcount('/nonexistent'));
    const { log, events } = capture();
    assert.equal(await runInPod({ ...options('wordcount'), metricsPort: port }, { client, log, metricsHost: '127.0.0.1' }), 1);
    assert.match(String(events()[0]!.reason), /--metrics-port/);
    assert.equal(client.gets, 0);
  } finally {
    busy.close();
  }
});

test('an unreachable API is retried until the job can be read', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-pod-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'words.txt'), 'hello\n');
  const job = wordcount(dir);
  let calls = 0;
  const client = new FakeJobSource(job);
  const flaky: JobSource = {
    get: async () => {
      if (++calls <= 2) throw new KubeApiError('cannot read ingestjobs.sluice.dev ingest/wordcount: connection refused', 0, null);
      return client.get();
    },
    apply: (s) => client.apply(s),
  };
  const { log, events } = capture();
  assert.equal(await runInPod(options('wordcount'), { client: flaky, log, metricsHost: '127.0.0.1' }), 0);
  assert.equal(calls, 3);
  assert.equal(events().filter((e) => e.event === 'get-job-retry').length, 2);
  assert.equal(client.applied.at(-1)!.state, 'Succeeded');
});
