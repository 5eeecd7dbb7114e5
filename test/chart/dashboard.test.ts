/**
 * charts/sluice/dashboards/sluice.json queries only what Sluice exports. Every PromQL expression
 * is taken apart (selectors and their label matchers, `by`/`without` labels, bare metric names,
 * legend `{{label}}`s) and each metric and label is looked up in the registered prom-client
 * metrics of the operator (OperatorMetrics, with its per-job JobMetrics and process metrics) and
 * of the runner (RunnerMetrics, with its default labels), histograms with their _bucket/_sum/_count
 * series. Labels Prometheus adds to every scraped series (the ServiceMonitor's and PodMonitor's
 * target labels) are allowed on any metric.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { OperatorMetrics } from '../../src/operator/metrics.ts';
import { RunnerMetrics } from '../../src/runner/runner-metrics.ts';
import { CHART } from './helm.ts';

/** Target labels the Prometheus Operator puts on every series it scrapes from a pod or Service. */
const TARGET_LABELS = new Set(['namespace', 'pod', 'container', 'service', 'endpoint', 'instance', 'job']);
const FUNCTIONS = new Set(['sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'deriv', 'delta', 'histogram_quantile',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'time', 'abs', 'clamp_min', 'clamp_max', 'topk', 'bottomk']);

type Exported = Map<string, Set<string>>;

function exported(registry: Registry, defaultLabels: string[] = []): Exported {
  const out: Exported = new Map();
  for (const m of registry.getMetricsAsArray()) {
    const { name, labelNames = [] } = m as unknown as { name: string; labelNames?: string[] };
    const labels = new Set([...labelNames, ...defaultLabels]);
    const type = (m as unknown as { type?: string }).type ?? (m.constructor.name.toLowerCase());
    if (type === 'histogram') {
      out.set(`${name}_bucket`, new Set([...labels, 'le']));
      out.set(`${name}_sum`, labels);
      out.set(`${name}_count`, labels);
    } else {
      out.set(name, labels);
    }
  }
  return out;
}

interface Usage { metrics: Map<string, Set<string>>; grouping: string[] }

/** The metrics of an expression with the labels its matchers name, and its by/without labels. */
export function usage(expr: string): Usage {
  const metrics = new Map<string, Set<string>>();
  const grouping: string[] = [];
  let e = expr.replace(/\[[^\]]*\]/g, ' '); // range selectors ([5m], [$__rate_interval])
  e = e.replace(/([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}/g, (_all, name: string | undefined, body: string) => {
    const labels = new Set<string>();
    for (const m of body.matchAll(/([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)) labels.add(m[1]!);
    const metric = name ?? '(no name)';
    metrics.set(metric, new Set([...(metrics.get(metric) ?? []), ...labels]));
    return ` ${metric} `;
  });
  e = e.replace(/\b(by|without)\s*\(([^)]*)\)/g, (_all, _kw: string, body: string) => {
    grouping.push(...body.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    return ' ';
  });
  e = e.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\$\w+/g, ' ');
  for (const m of e.matchAll(/(?<![\w.])([A-Za-z_:][\w:]*)/g)) {
    const id = m[1]!;
    if (!FUNCTIONS.has(id) && !metrics.has(id)) metrics.set(id, new Set());
  }
  return { metrics, grouping };
}

/** Problems of one expression against what is exported: unknown metrics, labels no metric has. */
function problems(expr: string, legend: string, known: Exported): string[] {
  const out: string[] = [];
  const u = usage(expr);
  const labelsOfAll = new Set<string>(TARGET_LABELS);
  for (const [metric, labels] of u.metrics) {
    const has = known.get(metric);
    if (!has) {
      out.push(`metric ${metric} is not exported`);
      continue;
    }
    for (const l of has) labelsOfAll.add(l);
    for (const l of labels) if (!has.has(l) && !TARGET_LABELS.has(l)) out.push(`${metric} has no label ${l}`);
  }
  for (const l of u.grouping) if (!labelsOfAll.has(l)) out.push(`grouping by ${l}, which no metric of the expression has`);
  for (const m of legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
    const l = m[1]!;
    // after an aggregation only its by() labels survive
    const survives = /\b(sum|max|min|avg|count)\b/.test(expr) ? u.grouping.includes(l) : labelsOfAll.has(l);
    if (!survives) out.push(`legend {{${l}}} is not a label of the result`);
  }
  return out;
}

interface Panel { type: string; title: string; targets?: Array<{ expr: string; legendFormat?: string }>; panels?: Panel[] }
const dashboard = JSON.parse(readFileSync(`${CHART}/dashboards/sluice.json`, 'utf8')) as {
  uid: string; panels: Panel[]; templating: { list: Array<{ name: string; query?: unknown; definition?: string }> };
};

function known(): Exported {
  const operator = new OperatorMetrics();
  const runner = new RunnerMetrics({ ingestjob: 'ns/job', runner: 0 });
  return new Map([...exported(operator.registry), ...exported(runner.registry, ['ingestjob', 'runner'])]);
}

test('the checker finds an unknown metric, an unknown matcher label, a bad grouping and a legend label that is gone', () => {
  const k = known();
  assert.deepEqual(problems('sum by (nope) (rate(sluice_runner_records_in_total{bogus="x"}[5m]))', '{{ingestjob}}', k), [
    'sluice_runner_records_in_total has no label bogus',
    'grouping by nope, which no metric of the expression has',
    'legend {{ingestjob}} is not a label of the result',
  ]);
  assert.deepEqual(problems('sluice_operator_job_lagg{ingestjob="a"} / sluice_runner_source_lag', '', k), ['metric sluice_operator_job_lagg is not exported']);
  assert.deepEqual(problems('histogram_quantile(0.9, sum by (le) (rate(sluice_operator_reconcile_duration_seconds_bucket[5m])))', 'p90', k), []);
});

test('every metric and label the dashboard queries is exported by the operator or the runner', () => {
  const k = known();
  const targets = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  assert.ok(targets.length >= 20, `${targets.length} panels`);
  const all: string[] = [];
  const used = new Set<string>();
  for (const p of targets) {
    assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" queries nothing`);
    for (const t of p.targets!) {
      for (const issue of problems(t.expr, t.legendFormat ?? '', k)) all.push(`panel "${p.title}": ${issue} in ${t.expr}`);
      for (const m of usage(t.expr).metrics.keys()) used.add(m);
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.definition) for (const issue of problems(v.definition.replace(/^label_values\((\w+), (\w+)\)$/, '$1{$2=""}'), '', k)) all.push(`variable ${v.name}: ${issue}`);
  }
  assert.deepEqual(all, []);
  // what the dashboard must show (issue: throughput, lag per job and partition, checkpoints, files,
  // bytes, skipped, restarts, parallelism and autoscaler changes; reconciles, errors, queue, leader)
  for (const m of [
    'sluice_runner_records_in_total', 'sluice_runner_records_committed_total', 'sluice_operator_job_source_lag', 'sluice_runner_source_records_lag',
    'sluice_runner_checkpoint_duration_seconds_bucket', 'sluice_operator_job_checkpoint_age_seconds', 'sluice_runner_files_committed_total',
    'sluice_runner_bytes_committed_total', 'sluice_runner_skipped_total', 'sluice_operator_job_restarts', 'sluice_operator_job_parallelism',
    'sluice_operator_autoscaler_scalings_total', 'sluice_operator_reconcile_total', 'sluice_operator_reconcile_errors_total',
    'sluice_operator_workqueue_depth', 'sluice_operator_leader',
  ]) assert.ok(used.has(m), `the dashboard shows ${m}`);
});
