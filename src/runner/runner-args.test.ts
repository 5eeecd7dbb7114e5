import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunnerArgs, RunnerUsageError } from './runner-args.ts';

test('the operator\'s argv parses, with defaults', () => {
  assert.deepEqual(parseRunnerArgs(['--namespace', 'ingest', '--job', 'uids', '--index', '1', '--parallelism', '3'], {}), {
    namespace: 'ingest', job: 'uids', index: 1, parallelism: 3, metricsPort: 9090, statusIntervalMs: 5000,
  });
  const o = parseRunnerArgs(['--job=uids', '--index=0', '--parallelism=1', '--metrics-port=0', '--status-interval', '2s'], { POD_NAMESPACE: 'from-env' });
  assert.equal(o.namespace, 'from-env');
  assert.equal(o.metricsPort, 0);
  assert.equal(o.statusIntervalMs, 2000);
  const fromEnv = (env: NodeJS.ProcessEnv, extra: string[] = []): number => parseRunnerArgs(['--namespace', 'n', '--job', 'j', '--index', '0', '--parallelism', '1', ...extra], env).statusIntervalMs;
  assert.equal(fromEnv({ SLUICE_STATUS_INTERVAL: '1s' }), 1000, 'a podTemplate env sets it');
  assert.equal(fromEnv({ SLUICE_STATUS_INTERVAL: '1s' }, ['--status-interval', '3s']), 3000, 'the flag wins');
  assert.throws(() => fromEnv({ SLUICE_STATUS_INTERVAL: 'often' }), /--status-interval/);
});

test('bad flags are refused with a message naming the flag', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--job', 'j', '--index', '0', '--parallelism', '1'], /--namespace is required/],
    [['--namespace', 'n', '--index', '0', '--parallelism', '1'], /--job is required/],
    [['--namespace', 'n', '--job', 'j', '--index', '3', '--parallelism', '3'], /--index 3 must be less than --parallelism 3/],
    [['--namespace', 'n', '--job', 'j', '--index', '-1', '--parallelism', '3'], /--index must be an integer/],
    [['--namespace', 'n', '--job', 'j', '--index', '0', '--parallelism', 'x'], /--parallelism must be an integer from 1 to 1024, got 'x'/],
    [['--namespace', 'n', '--job', 'j', '--index', '0', '--parallelism', '1', '--metrics-port', '70000'], /--metrics-port/],
    [['--namespace', 'n', '--job', 'j', '--index', '0', '--parallelism', '1', '--status-interval', 'soon'], /--status-interval/],
    [['--namespace', 'n', '--job', 'j', '--index', '0', '--parallelism', '1', '--runner', '0/1'], /unknown flag --runner/],
  ];
  for (const [argv, msg] of bad) assert.throws(() => parseRunnerArgs(argv, {}), (e: unknown) => e instanceof RunnerUsageError && msg.test(e.message), argv.join(' '));
});
