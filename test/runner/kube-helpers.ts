/**
 * Helpers for tests against the kube stack's apiserver: kubectl with the admin kubeconfig, the
 * IngestJob CRD from crds/, the per-job runner RBAC the operator grants, a kubeconfig holding only
 * a runner's service-account token, and `sluice runner` as a child process.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { poll } from '../kubelet/test-cluster.ts';
import { bin } from '../stack/kube/paths.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./runner-entry.ts', import.meta.url));
const GROUP = 'sluice.dev';
const PLURAL = 'ingestjobs';

const kubectlBin = (): string => (existsSync(bin('kubectl')) ? bin('kubectl') : 'kubectl');

/** Runs kubectl (the stack's build, else Debian's) with `kubeconfig`; returns stdout, throws with stderr. */
export function kubectl(kubeconfig: string, args: string[], input?: string): string {
  try {
    return execFileSync(kubectlBin(), [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${err.stderr || err.message}`);
  }
}

/** `kubectl auth can-i ...` as `user` (impersonated by the admin): true for "yes", false for "no". */
export function canI(kubeconfig: string, user: string, args: string[]): boolean {
  const r = spawnSync(kubectlBin(), [`--kubeconfig=${kubeconfig}`, 'auth', 'can-i', ...args, `--as=${user}`], { encoding: 'utf8' });
  const answer = r.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${args.join(' ')}: ${r.stderr || `exit ${r.status}`}`);
  return answer === 'yes';
}

/**
 * Apply crds/ingestjob.yaml and wait until it serves. kubectl, not client-node: the typed client
 * re-serialises a CRD through its model and drops `x-kubernetes-*` keys spelled as in YAML.
 */
export async function installIngestJobCrd(kc: KubeConfig, kubeconfig: string): Promise<void> {
  kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '--field-manager=sluice-test', '-f', path.join(REPO, 'crds/ingestjob.yaml')]);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await poll('CRD ingestjobs.sluice.dev Established', async () => {
    const c = await ext.readCustomResourceDefinition({ name: 'ingestjobs.sluice.dev' });
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? true : undefined;
  });
}

/** What the operator grants runner pods of job `job` (the contract in src/runner/README.md). */
export async function runnerRbac(kc: KubeConfig, namespace: string, job: string): Promise<string> {
  const sa = `sluice-runner-${job}`;
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: sa } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: sa },
      rules: [
        { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [job], verbs: ['get'] },
        { apiGroups: [GROUP], resources: [`${PLURAL}/status`], resourceNames: [job], verbs: ['get', 'patch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: sa },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
    },
  });
  return sa;
}

/** A kubeconfig file holding only a bound token of `sa`: all the runner gets. */
export async function serviceAccountKubeconfig(kc: KubeConfig, namespace: string, sa: string, file: string): Promise<KubeConfig> {
  const tr = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name: sa, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const c = kc.getCurrentCluster()!;
  const ca = c.caData ?? (c.caFile ? (await readFile(c.caFile)).toString('base64') : undefined);
  const user = `system:serviceaccount:${namespace}:${sa}`;
  await writeFile(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'runner',
    clusters: [{ name: 'test', cluster: { server: c.server, 'certificate-authority-data': ca } }],
    users: [{ name: user, user: { token: tr.status!.token } }],
    contexts: [{ name: 'runner', context: { cluster: 'test', user, namespace } }],
  }), { mode: 0o600 });
  const out = new KubeConfig();
  out.loadFromFile(file);
  return out;
}

export interface RunnerExit { code: number | null; events: Array<Record<string, unknown>>; stderr: string }

/** Starts `sluice runner` as a pod would run it (credentials only from `env`); JSON log lines are parsed. */
export class RunnerProcess {
  readonly child: ChildProcess;
  readonly events: Array<Record<string, unknown>> = [];
  stderr = '';
  readonly exited: Promise<RunnerExit>;

  constructor(args: string[], env: Record<string, string>, cwd: string) {
    // Only what a pod would have: no admin credentials leak in through the test's environment.
    const { KUBECONFIG: _k, ...rest } = process.env;
    this.child = spawn(process.execPath, [ENTRY, ...args], { env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve({ code, events: this.events, stderr: this.stderr })));
  }

  /** The first log line with this event (polled with a deadline; fails early if the process exits). */
  async waitFor(event: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    return poll(`runner log event ${event}`, async () => {
      const e = this.events.find((x) => x.event === event);
      if (e === undefined && exited) throw new Error(`runner exited before '${event}': ${this.stderr}${JSON.stringify(this.events)}`);
      return e;
    }, timeoutMs);
  }
}

export function runRunner(args: string[], env: Record<string, string>, cwd: string): Promise<RunnerExit> {
  return new RunnerProcess(args, env, cwd).exited;
}


/**
 * Test teardown once the test's operator has stopped: removes the `sluice.dev/runners` finalizer
 * of every IngestJob left in `namespace`, so deleting the namespace is not held forever by a
 * finalizer no operator is left to remove (the pods themselves go by pod GC once their Node is gone).
 */
export async function releaseIngestJobs(kc: KubeConfig, namespace: string): Promise<void> {
  const { CustomObjectsApi, PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = await custom.listNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace, plural: 'ingestjobs' })
    .catch(() => ({ items: [] })) as { items: Array<{ metadata: { name: string; finalizers?: string[] } }> };
  for (const j of list.items) {
    if (!j.metadata.finalizers?.length) continue;
    await custom.patchNamespacedCustomObject(
      { group: 'sluice.dev', version: 'v1alpha1', namespace, plural: 'ingestjobs', name: j.metadata.name, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ).catch(() => undefined);
  }
}
