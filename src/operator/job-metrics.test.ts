import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { JobMetrics } from './job-metrics.ts';
import { sampleJob } from './testing.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');

test('per-job series from status, jobs by phase, checkpoint age at scrape time; a deleted job loses every series', async () => {
  const registry = new Registry();
  let now = T0;
  const m = new JobMetrics(registry, () => now);
  const running = sampleJob({ parallelism: 3 });
  running.status = {
    phase: 'Running', replicas: 3, committed: { records: 1200, bytes: 1, files: 1 }, source: { lag: 40 },
    checkpoint: { id: 9, completedAt: new Date(T0 - 4000).toISOString(), durationMs: 250 },
    runners: [{ index: 0, state: 'Running', restarts: 2 }, { index: 1, state: 'Running', restarts: 1 }],
    autoscaler: { state: 'Active', recommendedParallelism: 4 },
  };
  const other = sampleJob({ suspend: true }, { name: 'other', uid: 'uid-2' });
  other.status = { phase: 'Suspended' };
  m.observe(running);
  m.observe(other);
  m.scaled(running, 2, 3);
  now += 6000;
  let text = await registry.metrics();
  const value = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const uids = '{ingestjob="team-a/uids"}';
  assert.equal(value(`sluice_operator_job_restarts${uids}`), 3);
  assert.equal(value(`sluice_operator_job_parallelism${uids}`), 3);
  assert.equal(value(`sluice_operator_job_runners${uids}`), 3);
  assert.equal(value(`sluice_operator_job_committed_records${uids}`), 1200);
  assert.equal(value(`sluice_operator_job_source_lag${uids}`), 40);
  assert.equal(value(`sluice_operator_job_checkpoint_age_seconds${uids}`), 10);
  assert.equal(value(`sluice_operator_job_checkpoint_duration_seconds${uids}`), 0.25);
  assert.equal(value(`sluice_operator_autoscaler_recommended_parallelism${uids}`), 4);
  assert.equal(value('sluice_operator_autoscaler_scalings_total{ingestjob="team-a/uids",direction="up"}'), 1);
  assert.equal(value('sluice_operator_jobs{phase="Running"}'), 1);
  assert.equal(value('sluice_operator_jobs{phase="Suspended"}'), 1);
  assert.equal(value('sluice_operator_jobs{phase="Stalled"}'), 0);
  assert.equal(value('sluice_operator_job_checkpoint_age_seconds{ingestjob="team-a/other"}'), undefined, 'no checkpoint, no series');

  m.forget(running);
  text = await registry.metrics();
  assert.doesNotMatch(text, /ingestjob="team-a\/uids"/);
  assert.equal(value('sluice_operator_jobs{phase="Running"}'), 0);
  assert.equal(value('sluice_operator_job_parallelism{ingestjob="team-a/other"}'), 1);
});
