/**
 * How `sluice run` reports: on a terminal, a live block (records, rate, files committed, last
 * checkpoint, partitions, lag) redrawn twice a second; otherwise one JSON line per event, for
 * log collectors. Both end with a summary.
 */
import type { CheckpointEvent, JobRunner } from '../pipeline/job-runner.ts';
import type { SourceMetrics, SplitReader } from '../sources/types.ts';

export interface Reporter {
  event(kind: string, data: Record<string, unknown>): void;
  checkpoint(e: CheckpointEvent): void;
  start(): void;
  stop(): void;
}

/** Committed partitions a checkpoint line names (with thousands of partitions, the count says the rest). */
const LISTED_PARTITIONS = 100;

/** A checkpoint that took longer than its interval delayed the next one: said so in words. */
export function overrun(e: CheckpointEvent): string | null {
  return e.durationMs > e.intervalMs ? `took ${(e.durationMs / 1000).toFixed(1)} s, over the ${(e.intervalMs / 1000).toFixed(1)} s interval: the next checkpoint waited for it` : null;
}

/**
 * JSON lines. Checkpoint events carry the source's progress (lag, and per split — Kafka
 * partition or file — its position, lag and records/s) when `source` is given, the first
 * LISTED_PARTITIONS committed partitions with their count, and `overrun` when the checkpoint
 * outlasted its interval.
 */
export function jsonReporter(out: NodeJS.WritableStream = process.stdout, source?: () => SourceMetrics): Reporter {
  const write = (kind: string, data: Record<string, unknown>): void => {
    out.write(JSON.stringify({ time: new Date().toISOString(), event: kind, ...data }) + '\n');
  };
  return {
    event: write,
    checkpoint: (e) => {
      const over = overrun(e);
      const line: Record<string, unknown> = {
        ...e,
        committedPartitions: e.committedPartitions.slice(0, LISTED_PARTITIONS),
        committedPartitionCount: e.committedPartitions.length,
        ...(over === null ? {} : { overrun: over }),
      };
      write('checkpoint', source ? { ...line, source: source() } : line);
    },
    start: () => {},
    stop: () => {},
  };
}

export function terminalReporter(runner: JobRunner, reader: SplitReader, out: NodeJS.WriteStream = process.stdout): Reporter {
  let timer: NodeJS.Timeout | null = null;
  let lines = 0;
  let last: CheckpointEvent | null = null;
  let lastAt = 0;
  let prevIn = 0;
  let prevAt = Date.now();
  let rate = 0;
  const draw = (): void => {
    const s = runner.status;
    const now = Date.now();
    const dt = (now - prevAt) / 1000;
    if (dt >= 1) {
      rate = (s.counters.recordsIn - prevIn) / dt;
      prevIn = s.counters.recordsIn;
      prevAt = now;
    }
    const m = reader.metrics();
    const parts = s.committer?.recent(5) ?? [];
    const text = [
      `records in ${s.counters.recordsIn.toLocaleString()}  (${Math.round(rate).toLocaleString()}/s)   committed ${s.counters.records.toLocaleString()} records, ${s.counters.files} files   skipped ${s.counters.skipped}`,
      `checkpoint ${last ? `#${last.id} ${Math.round((now - lastAt) / 1000)}s ago (${last.durationMs} ms${overrun(last) === null ? '' : `: ${overrun(last)}`})` : 'none yet'}   epoch ${s.epoch}` + (m.lag !== undefined ? `   lag ${m.lag}` : '') + (m.lagMax !== undefined ? ` (max ${m.lagMax} in one partition)` : ''),
      // the partitions furthest behind first: they are the ones a user watches
      ...[...(m.splits ?? [])].sort((a, b) => (b.lag ?? -1) - (a.lag ?? -1)).slice(0, 6).map((sp) => `  ${sp.id}: ${sp.position}${sp.lag !== undefined ? `  lag ${sp.lag}` : ''}${sp.recordsPerSecond !== undefined ? `  ${Math.round(sp.recordsPerSecond)}/s` : ''}`),
      `partitions ${s.committer?.partitionsTotal ?? 0}` + (parts.length ? ': ' + parts.map((p) => `${p.path || '/'}${p.successFile ? ' ✓' : ''}`).join('  ') : ''),
    ];
    if (lines > 0) out.write(`\x1b[${lines}A`);
    for (const l of text) out.write(`\x1b[2K${l}\n`);
    lines = text.length;
  };
  return {
    event: (kind, data) => {
      if (kind === 'summary') {
        // the final progress block stays on screen; the summary follows it
        lines = 0;
        out.write(humanSummary(data));
        return;
      }
      if (lines > 0) out.write(`\x1b[${lines}A\x1b[J`);
      lines = 0;
      out.write(`${kind}: ${JSON.stringify(data)}\n`);
    },
    checkpoint: (e) => {
      last = e;
      lastAt = Date.now();
    },
    start: () => {
      timer = setInterval(draw, 500);
      timer.unref();
    },
    stop: () => {
      if (timer) clearInterval(timer);
      draw();
    },
  };
}

function humanSummary(d: Record<string, unknown>): string {
  const n = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
  const parts = (d.recentPartitions as Array<{ path: string; files: number; records: number; successFile: boolean }> | undefined) ?? [];
  return [
    '',
    `${d.finished === true ? 'finished' : 'stopped after a final checkpoint'}: job ${String(d.job)} runner ${String(d.runner)}, last checkpoint ${n(d.lastCheckpoint)}`,
    `  records read ${n(d.recordsIn)}, committed ${n(d.recordsCommitted)} in ${n(d.filesCommitted)} files (${n(d.bytesCommitted)} bytes), skipped ${n(d.skipped)}`,
    `  partitions ${n(d.partitions)}${parts.length ? ':' : ''}`,
    ...parts.map((p) => `    ${p.path || '(unpartitioned)'}  ${n(p.files)} files  ${n(p.records)} records${p.successFile ? '  _SUCCESS' : ''}`),
    `  peak RSS ${n(d.maxRssMb)} MB, CPU ${n(d.cpuSeconds)} s in ${n(d.elapsedSeconds)} s`,
    '',
  ].join('\n');
}
