/**
 * The runner's Prometheus metrics, in a registry of its own (no global state, so tests and two
 * runners in one process never collide). Updated per batch and per checkpoint, never per record.
 *
 * Counters count what THIS process did since it started (Prometheus' `rate()`/`increase()` handle
 * the reset at a restart); the job's lifetime totals are in the IngestJob status and checkpoints.
 * Every series carries `ingestjob` (namespace/name) and `runner` (index) labels: not `job` or
 * `namespace`, which Prometheus' own target labels would clash with.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CheckpointEvent } from '../pipeline/job-runner.ts';
import type { Counters } from '../pipeline/checkpoint-record.ts';
import type { SourceMetrics } from '../sources/types.ts';

export const CHECKPOINT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class RunnerMetrics {
  readonly registry = new Registry();
  private readonly recordsIn: Counter;
  private readonly recordsCommitted: Counter;
  private readonly bytesCommitted: Counter;
  private readonly filesCommitted: Counter;
  private readonly skipped: Counter;
  private readonly checkpointDuration: Histogram;
  private readonly lastCheckpointId: Gauge;
  private readonly sourceLag: Gauge;
  private source: (() => SourceMetrics | undefined) | undefined;
  /** Totals at the last checkpoint seen (or at restore), so a checkpoint adds only its delta. */
  private base: Counters | null = null;

  constructor(labels: { ingestjob: string; runner: number }, o: { processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ ingestjob: labels.ingestjob, runner: String(labels.runner) });
    const r = [this.registry];
    this.recordsIn = new Counter({ name: 'sluice_runner_records_in_total', help: 'Records read from the source by this process.', registers: r });
    this.recordsCommitted = new Counter({ name: 'sluice_runner_records_committed_total', help: 'Records in part files committed (visible) by this process.', registers: r });
    this.bytesCommitted = new Counter({ name: 'sluice_runner_bytes_committed_total', help: 'Bytes of part files committed by this process.', registers: r });
    this.filesCommitted = new Counter({ name: 'sluice_runner_files_committed_total', help: 'Part files committed by this process.', registers: r });
    this.skipped = new Counter({ name: 'sluice_runner_skipped_total', help: 'Bad records skipped or dead-lettered by this process.', registers: r });
    this.checkpointDuration = new Histogram({
      name: 'sluice_runner_checkpoint_duration_seconds', help: 'Time from a checkpoint\'s start to its files being committed.', buckets: CHECKPOINT_BUCKETS, registers: r,
    });
    this.lastCheckpointId = new Gauge({ name: 'sluice_runner_last_checkpoint_id', help: 'Id of the newest completed checkpoint.', registers: r });
    this.sourceLag = new Gauge({ name: 'sluice_runner_source_lag', help: 'Records behind the end of the source (Kafka lag) at the last checkpoint.', registers: r });
    // Flink's KafkaSource metrics, read from the source when scraped (live, not as of the last checkpoint).
    const read = (): SourceMetrics | undefined => this.source?.();
    new Gauge({
      name: 'sluice_runner_source_records_lag_max',
      help: 'The largest lag, in records, of one source partition this runner reads (Flink: records-lag-max).',
      registers: r,
      collect() {
        const m = read();
        this.reset();
        if (m?.lagMax !== undefined) this.set(m.lagMax);
      },
    });
    new Gauge({
      name: 'sluice_runner_source_records_lag',
      help: 'Records behind the end of one source partition (Flink: records-lag, per topic and partition).',
      labelNames: ['topic', 'partition'],
      registers: r,
      collect() {
        const m = read();
        this.reset();
        for (const sp of m?.splits ?? []) {
          if (sp.lag !== undefined && sp.topic !== undefined && sp.partition !== undefined) this.set({ topic: sp.topic, partition: String(sp.partition) }, sp.lag);
        }
      },
    });
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the live source gauges (records-lag-max, records-lag per partition) read from. */
  trackSource(read: () => SourceMetrics | undefined): void {
    this.source = read;
  }

  /** After restore: the restored totals are the baseline, not this process's work. */
  restored(totals: Counters, checkpointId: number | null): void {
    this.base = { ...totals };
    if (checkpointId !== null) this.lastCheckpointId.set(checkpointId);
  }

  batch(recordsIn: number): void {
    this.recordsIn.inc(recordsIn);
  }

  checkpoint(e: CheckpointEvent, lag: number | undefined): void {
    const c = e.counters;
    const b = this.base ?? { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 };
    // Counters only go up; a negative delta would mean a restore we did not see: count nothing.
    this.recordsCommitted.inc(Math.max(0, c.records - b.records));
    this.bytesCommitted.inc(Math.max(0, c.bytes - b.bytes));
    this.filesCommitted.inc(Math.max(0, c.files - b.files));
    this.skipped.inc(Math.max(0, c.skipped - b.skipped));
    this.base = { ...c };
    this.checkpointDuration.observe(e.durationMs / 1000);
    this.lastCheckpointId.set(e.id);
    if (lag !== undefined && Number.isFinite(lag)) this.sourceLag.set(lag);
  }


  /** The text exposition format, for GET /metrics. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
