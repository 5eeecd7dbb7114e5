import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckpointEvent } from '../pipeline/job-runner.ts';
import { RunnerMetrics } from './runner-metrics.ts';
import { startMetricsServer } from './metrics-server.ts';

const event = (id: number, records: number, bytes: number, files: number, durationMs: number): CheckpointEvent => ({
  id, epoch: 1, durationMs, intervalMs: 1000, files: 1, records: 0, committedPartitions: [], finished: false,
  counters: { recordsIn: records, records, bytes, files, skipped: 0 },
});

/** The value of one sample line, e.g. `sluice_runner_records_in_total{ingestjob="ns/j",runner="0"} 42`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
  assert.ok(line, `no sample ${name} in:\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('counters count this process\'s work: restored totals are a baseline, checkpoints add deltas', async () => {
  const m = new RunnerMetrics({ ingestjob: 'ns/uids', runner: 1 }, { processMetrics: false });
  m.restored({ recordsIn: 1000, records: 1000, bytes: 10_000, files: 4, skipped: 2 }, 41);
  let text = await m.metrics();
  assert.equal(sample(text, 'sluice_runner_last_checkpoint_id'), 41);
  assert.equal(sample(text, 'sluice_runner_records_committed_total'), 0);
  m.batch(300);
  m.batch(200);
  m.checkpoint(event(42, 1500, 15_000, 6, 40), 17);
  m.checkpoint(event(43, 1600, 16_000, 7, 2000), undefined);
  text = await m.metrics();
  assert.equal(sample(text, 'sluice_runner_records_in_total'), 500);
  assert.equal(sample(text, 'sluice_runner_records_committed_total'), 600);
  assert.equal(sample(text, 'sluice_runner_bytes_committed_total'), 6000);
  assert.equal(sample(text, 'sluice_runner_files_committed_total'), 3);
  assert.equal(sample(text, 'sluice_runner_skipped_total'), 0);
  assert.equal(sample(text, 'sluice_runner_last_checkpoint_id'), 43);
  assert.equal(sample(text, 'sluice_runner_source_lag'), 17, 'an unknown lag keeps the last known value');
  assert.equal(sample(text, 'sluice_runner_checkpoint_duration_seconds_count'), 2);
  assert.equal(sample(text, 'sluice_runner_checkpoint_duration_seconds_sum'), 2.04);
  assert.match(text, /sluice_runner_checkpoint_duration_seconds_bucket\{le="0.05",ingestjob="ns\/uids",runner="1"\} 1/);
  assert.match(text, /sluice_runner_records_in_total\{ingestjob="ns\/uids",runner="1"\} 500/);
});

test('two runners in one process keep separate registries', async () => {
  const a = new RunnerMetrics({ ingestjob: 'ns/a', runner: 0 }, { processMetrics: false });
  const b = new RunnerMetrics({ ingestjob: 'ns/b', runner: 0 }, { processMetrics: false });
  a.batch(5);
  assert.equal(sample(await a.metrics(), 'sluice_runner_records_in_total'), 5);
  assert.equal(sample(await b.metrics(), 'sluice_runner_records_in_total'), 0);
});

test('the HTTP endpoint serves /metrics, /healthz, and /readyz once ready', async () => {
  const m = new RunnerMetrics({ ingestjob: 'ns/uids', runner: 0 });
  m.batch(7);
  const server = await startMetricsServer(m, { port: 0, host: '127.0.0.1' });
  try {
    const url = (p: string): string => `http://127.0.0.1:${server.port}${p}`;
    const metrics = await fetch(url('/metrics'));
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const body = await metrics.text();
    assert.equal(sample(body, 'sluice_runner_records_in_total'), 7);
    assert.match(body, /^process_resident_memory_bytes\{/m, 'process metrics are included');
    assert.equal((await fetch(url('/healthz'))).status, 200);
    assert.equal((await fetch(url('/readyz'))).status, 503);
    server.setReady(true);
    assert.equal((await fetch(url('/readyz'))).status, 200);
    assert.equal((await fetch(url('/nope'))).status, 404);
    assert.equal((await fetch(url('/metrics'), { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('Flink\'s records-lag-max and per-partition records-lag are read from the source at each scrape', async () => {
  const m = new RunnerMetrics({ ingestjob: 'ns/uids', runner: 0 }, { processMetrics: false });
  let lags = [120, 7];
  m.trackSource(() => ({
    lag: lags[0]! + lags[1]!,
    lagMax: Math.max(...lags),
    splits: lags.map((lag, p) => ({ id: `myTest-${p}`, topic: 'myTest', partition: p, position: '10', lag })),
  }));
  let text = await m.metrics();
  assert.equal(sample(text, 'sluice_runner_source_records_lag_max'), 120);
  assert.match(text, /^sluice_runner_source_records_lag\{topic="myTest",partition="0",ingestjob="ns\/uids",runner="0"\} 120$/m);
  assert.match(text, /^sluice_runner_source_records_lag\{topic="myTest",partition="1",ingestjob="ns\/uids",runner="0"\} 7$/m);
  lags = [0, 3];
  text = await m.metrics();
  assert.equal(sample(text, 'sluice_runner_source_records_lag_max'), 3);
  assert.match(text, /partition="0",ingestjob="ns\/uids",runner="0"\} 0$/m);
});
