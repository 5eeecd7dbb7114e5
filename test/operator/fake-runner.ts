/**
 * A stand-in for `sluice runner` in the operator's end-to-end tests, run by the test kubelet for
 * image `sluice/fake-runner:*` as `node fake-runner.ts CONTROL_DIR runner --namespace NS --job
 * NAME --index I --parallelism N` (the operator's real args). What it does is read from
 * `CONTROL_DIR/<ns>.<job>.json`: {"mode": "run" | "fail" | "succeed", "exitCode": 3}.
 *   run     — report a checkpoint into status.runners[I] (server-side apply as
 *             `sluice-runner-<I>`, with the pod's own service-account token: RBAC applies), then
 *             wait; on SIGTERM write `<ns>.<job>.<I>.terminated` (the "final checkpoint") and exit 0;
 *   fail    — exit with exitCode (default 3) after a moment;
 *   succeed — report, then exit 0 (end of bounded input).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

const [controlDir, , ...rest] = process.argv.slice(2);
const flag = (name: string): string => rest[rest.indexOf(`--${name}`) + 1]!;
const namespace = flag('namespace');
const job = flag('job');
const index = Number(flag('index'));
const controlFile = join(controlDir!, `${namespace}.${job}.json`);
const control = existsSync(controlFile) ? JSON.parse(readFileSync(controlFile, 'utf8')) as { mode?: string; exitCode?: number } : {};
const mode = control.mode ?? 'run';

async function report(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const api = kc.makeApiClient(CustomObjectsApi);
  await api.patchNamespacedCustomObjectStatus({
    group: 'sluice.dev', version: 'v1alpha1', plural: 'ingestjobs', namespace, name: job,
    fieldManager: `sluice-runner-${index}`, force: true,
    body: {
      apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', metadata: { name: job, namespace },
      status: { runners: [{ index, state: 'Running', checkpointId: 3 + index, records: 10 * (index + 1), lag: 1 }] },
    },
  }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
}

process.stdout.write(`fake runner ${namespace}/${job}#${index}: mode ${mode}\n`);
if (mode === 'fail') {
  setTimeout(() => process.exit(control.exitCode ?? 3), 200);
} else {
  try {
    await report();
  } catch (err) {
    process.stdout.write(`status report failed: ${String(err)}\n`);
    process.exit(4);
  }
  if (mode === 'succeed') process.exit(0);
  process.on('SIGTERM', () => {
    writeFileSync(join(controlDir!, `${namespace}.${job}.${index}.terminated`), new Date().toISOString());
    process.exit(0);
  });
  setInterval(() => {}, 60_000);
}
