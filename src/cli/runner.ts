/**
 * `sluice runner --namespace NS --job NAME --index I --parallelism N [--metrics-port 9090]`:
 * the entry point of runner pod i of N, as the operator starts it. See src/runner/README.md.
 * Exit codes: 0 done or stopped, 1 failed, 2 usage/invalid job, 3 fenced.
 */
import { IngestJobClient } from '../runner/ingest-job-client.ts';
import { jsonLog } from '../runner/json-log.ts';
import { runInPod } from '../runner/pod-runner.ts';
import { parseRunnerArgs, RUNNER_USAGE, RunnerUsageError } from '../runner/runner-args.ts';
import type { RunnerOptions } from '../runner/runner-args.ts';

export async function runnerCommand(argv: string[]): Promise<number> {
  let o: RunnerOptions;
  try {
    o = parseRunnerArgs(argv);
  } catch (e) {
    if (!(e instanceof RunnerUsageError)) throw e;
    process.stderr.write(`sluice runner: ${e.message}\n${RUNNER_USAGE}\n`);
    return 2;
  }
  const log = jsonLog();
  let client: IngestJobClient;
  try {
    client = IngestJobClient.fromDefault({ namespace: o.namespace, name: o.job }, o.index);
  } catch (e) {
    log.error('failed', { reason: `no Kubernetes credentials (in-cluster service account, KUBECONFIG or ~/.kube/config): ${(e as Error).message}` });
    return 1;
  }
  return runInPod(o, { client, log });
}
