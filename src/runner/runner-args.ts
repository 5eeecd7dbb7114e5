/**
 * `sluice runner` flags, as the operator passes them to runner pod i of N:
 * `--namespace NS --job NAME --index I --parallelism N [--metrics-port 9090] [--status-interval 5s]`.
 * `--namespace` falls back to POD_NAMESPACE (the downward API), so a hand-started runner needs less.
 * `--status-interval` falls back to SLUICE_STATUS_INTERVAL, which a job's podTemplate can set on the
 * runner container (the operator owns the args): an autoscaled job with a short targetCatchUp
 * wants its rates reported more often than every 5 s.
 */
import { parseDuration } from '../api/duration.ts';
import { parseArgs } from '../cli/args.ts';

export interface RunnerOptions {
  namespace: string;
  job: string;
  index: number;
  parallelism: number;
  /** Port of /metrics, /healthz, /readyz; 0 picks a free port. @default 9090 */
  metricsPort: number;
  /** Least time between two status updates (coalesced in between). @default 5000 */
  statusIntervalMs: number;
}

export const RUNNER_USAGE = 'usage: sluice runner --namespace NS --job NAME --index I --parallelism N [--metrics-port 9090] [--status-interval 5s]';

export class RunnerUsageError extends Error {
  override readonly name = 'RunnerUsageError';
}

function integer(flag: string, v: string | true | undefined, min: number, max: number): number {
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new RunnerUsageError(`--${flag} must be an integer from ${min} to ${max}, got ${v === undefined ? 'nothing' : `'${String(v)}'`}`);
  }
  return Number(v);
}

function text(flag: string, v: string | true | undefined): string {
  if (typeof v !== 'string' || v === '') throw new RunnerUsageError(`--${flag} is required`);
  return v;
}

/** @throws RunnerUsageError naming the flag */
export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RunnerOptions {
  const { flags, positionals } = parseArgs(argv);
  if (positionals.length > 0) throw new RunnerUsageError(`unexpected argument '${positionals[0]}'`);
  const known = new Set(['namespace', 'job', 'index', 'parallelism', 'metrics-port', 'status-interval']);
  for (const k of flags.keys()) if (!known.has(k)) throw new RunnerUsageError(`unknown flag --${k}`);
  const parallelism = integer('parallelism', flags.get('parallelism'), 1, 1024);
  const index = integer('index', flags.get('index'), 0, 1023);
  if (index >= parallelism) throw new RunnerUsageError(`--index ${index} must be less than --parallelism ${parallelism}`);
  const interval = flags.get('status-interval') ?? env.SLUICE_STATUS_INTERVAL;
  return {
    namespace: text('namespace', flags.get('namespace') ?? env.POD_NAMESPACE),
    job: text('job', flags.get('job')),
    index,
    parallelism,
    metricsPort: flags.has('metrics-port') ? integer('metrics-port', flags.get('metrics-port'), 0, 65535) : 9090,
    statusIntervalMs: typeof interval === 'string' ? parseStatusInterval(interval) : 5000,
  };
}

function parseStatusInterval(v: string): number {
  try {
    return parseDuration(v, '--status-interval');
  } catch (e) {
    throw new RunnerUsageError((e as Error).message);
  }
}
