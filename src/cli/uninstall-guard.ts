/**
 * `sluice uninstall-guard --namespace NS --deployment NAME --selector LABELS [--job-namespace NS]
 *   [--timeout-seconds 120]`: the chart's pre-delete hook, run before `helm uninstall` deletes
 * anything.
 *   1. IngestJobs still exist → refuse (exit 1) with a message saying what to do: their runners
 *      must stop after a final checkpoint and their finalizers be removed by a running operator,
 *      which `helm uninstall` is about to delete. Nothing is changed.
 *   2. Otherwise scale the operator Deployment to 0 and wait until its pods are gone: each
 *      releases its Lease on SIGTERM while its RBAC still exists, so a reinstall elects a leader
 *      at once instead of waiting out a stale holder.
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';
import { parseArgs } from './args.ts';

const USAGE = 'usage: sluice uninstall-guard --namespace NS --deployment NAME --selector LABELS [--job-namespace NS] [--timeout-seconds 120]\n';

function required(flags: Map<string, string | true>, name: string): string {
  const v = flags.get(name);
  if (typeof v !== 'string' || v === '') throw new Error(`--${name} is required`);
  return v;
}

export async function uninstallGuardCommand(argv: string[]): Promise<number> {
  const out = (line: string): void => { process.stdout.write(`${line}\n`); };
  let namespace: string;
  let deployment: string;
  let selector: string;
  let jobNamespace: string | undefined;
  let timeoutMs: number;
  try {
    const { flags } = parseArgs(argv);
    namespace = required(flags, 'namespace');
    deployment = required(flags, 'deployment');
    selector = required(flags, 'selector');
    const j = flags.get('job-namespace');
    jobNamespace = typeof j === 'string' && j !== '' ? j : undefined;
    timeoutMs = Number(flags.get('timeout-seconds') ?? 120) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('--timeout-seconds must be a positive number');
  } catch (e) {
    process.stderr.write(`sluice uninstall-guard: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = (jobNamespace
    ? await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: jobNamespace, plural: PLURAL })
    : await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as { items: Array<{ metadata: { namespace: string; name: string } }> };
  if (list.items.length > 0) {
    const names = list.items.map((j) => `${j.metadata.namespace}/${j.metadata.name}`);
    const shown = names.length > 20 ? `${names.slice(0, 20).join(', ')} and ${names.length - 20} more` : names.join(', ');
    out(`refusing to uninstall: ${names.length} IngestJob(s) still exist: ${shown}.`);
    out('Their runner pods stop after a final checkpoint, and their finalizers go, only while the operator runs.');
    out(`Delete them first (kubectl delete ingestjobs --all ${jobNamespace ? `-n ${jobNamespace}` : '-A'}; it returns once each job's runners have stopped), then run helm uninstall again.`);
    return 1;
  }
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.patchNamespacedDeployment({ name: deployment, namespace, body: { spec: { replicas: 0 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
    .catch((e: unknown) => { if ((e as { code?: number }).code !== 404) throw e; });
  out(`no IngestJobs; scaled deployment ${namespace}/${deployment} to 0 so each operator releases its Lease while its RBAC exists`);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
    if (pods.length === 0) break;
    if (Date.now() > deadline) {
      out(`operator pods still running after ${timeoutMs / 1000}s: ${pods.map((p) => p.metadata?.name).join(', ')}; uninstalling anyway (a reinstall may wait for the Lease to expire)`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  out('operator pods gone');
  return 0;
}
