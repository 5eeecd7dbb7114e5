/**
 * Per-job metrics from the operator's cache, so alerts on a job need no runner scrape: the
 * numbers come from each IngestJob's status (the operator's aggregates of its runners' entries).
 *
 * Label sets are bounded: `ingestjob` (`namespace/name`, as the runners label theirs: a
 * `namespace` label would clash with Prometheus' target label of the operator pod; one series per
 * job and metric, a deleted job's series are removed), `phase` (the six phases), `direction`. Values are read
 * at scrape time from a small record per job, so checkpoint age is current at every scrape and
 * nothing is updated per reconcile.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { IngestJob } from '../api/types.ts';
import { toMillis } from './pod-state.ts';

const PHASES = ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed', 'Stalled'] as const;

interface JobSample {
  namespace: string;
  name: string;
  phase: string;
  restarts: number;
  parallelism: number;
  replicas?: number;
  committedRecords?: number;
  lag?: number;
  checkpointAt?: number;
  checkpointSeconds?: number;
  recommended?: number;
}

type JobLabels = 'ingestjob';

export class JobMetrics {
  private readonly jobs = new Map<string, JobSample>();
  private readonly scalings: Counter<JobLabels | 'direction'>;

  constructor(registry: Registry, now: () => number = Date.now) {
    const registers = [registry];
    const jobs = this.jobs;
    const perJob = (name: string, help: string, value: (j: JobSample) => number | undefined): Gauge<JobLabels> =>
      new Gauge({
        name, help, labelNames: ['ingestjob'], registers,
        collect() {
          this.reset(); // deleted jobs lose their series here
          for (const j of jobs.values()) {
            const v = value(j);
            if (v !== undefined) this.set({ ingestjob: `${j.namespace}/${j.name}` }, v);
          }
        },
      });
    new Gauge({
      name: 'sluice_operator_jobs', help: 'IngestJobs by phase.', labelNames: ['phase'], registers,
      collect() {
        const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
        for (const j of jobs.values()) counts.set(j.phase, (counts.get(j.phase) ?? 0) + 1);
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
    perJob('sluice_operator_job_restarts', 'Runner restarts of the job (status.runners[].restarts summed; reset by a spec change).', (j) => j.restarts);
    perJob('sluice_operator_job_parallelism', 'spec.parallelism: runner pods wanted.', (j) => j.parallelism);
    perJob('sluice_operator_job_runners', 'Runner pods that exist and are not terminating (status.replicas).', (j) => j.replicas);
    perJob('sluice_operator_job_committed_records', 'Records committed by the job over its life (status.committed.records).', (j) => j.committedRecords);
    perJob('sluice_operator_job_source_lag', 'Records behind the end of the source, summed over partitions (status.source.lag).', (j) => j.lag);
    perJob('sluice_operator_job_checkpoint_age_seconds', 'Seconds since the job\'s newest checkpoint completed on every runner.', (j) => (j.checkpointAt === undefined ? undefined : Math.max(0, (now() - j.checkpointAt) / 1000)));
    perJob('sluice_operator_job_checkpoint_duration_seconds', 'Duration of the job\'s newest completed checkpoint (its slowest runner).', (j) => j.checkpointSeconds);
    perJob('sluice_operator_autoscaler_recommended_parallelism', 'Parallelism the autoscaler recommended last (spec.autoscaler).', (j) => j.recommended);
    this.scalings = new Counter({ name: 'sluice_operator_autoscaler_scalings_total', help: 'Changes of spec.parallelism the autoscaler made, by direction.', labelNames: ['ingestjob', 'direction'], registers });
  }

  /** The job as the cache shows it now. */
  observe(job: IngestJob): void {
    const s = job.status ?? {};
    const ns = job.metadata.namespace ?? '';
    this.jobs.set(`${ns}/${job.metadata.name}`, {
      namespace: ns,
      name: job.metadata.name,
      phase: s.phase ?? 'Pending',
      restarts: (s.runners ?? []).reduce((a, r) => a + (r.restarts ?? 0), 0),
      parallelism: job.spec.parallelism ?? 1,
      replicas: s.replicas,
      committedRecords: s.committed?.records,
      lag: s.source?.lag,
      checkpointAt: toMillis(s.checkpoint?.completedAt),
      checkpointSeconds: s.checkpoint?.durationMs === undefined ? undefined : s.checkpoint.durationMs / 1000,
      recommended: s.autoscaler?.recommendedParallelism,
    });
  }

  /** A deleted job: every series of it goes. */
  forget(job: IngestJob): void {
    const ns = job.metadata.namespace ?? '';
    this.jobs.delete(`${ns}/${job.metadata.name}`);
    for (const direction of ['up', 'down']) this.scalings.remove({ ingestjob: `${ns}/${job.metadata.name}`, direction });
  }

  scaled(job: IngestJob, from: number, to: number): void {
    this.scalings.inc({ ingestjob: `${job.metadata.namespace ?? ''}/${job.metadata.name}`, direction: to > from ? 'up' : 'down' });
  }
}
