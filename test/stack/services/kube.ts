/**
 * Service `kube`: a real Kubernetes control plane with no Docker. etcd 3.6, kube-apiserver and
 * kube-controller-manager (garbage collection, pod GC, namespaces, service accounts, deployments) built
 * from their Go modules by `test/stack/kube/build.sh`, plus the test kubelet (`test/kubelet/`) that
 * runs pods as local processes. See test/stack/kube/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Service } from '../service.ts';
import { daemonPid, startDaemon, startDaemonOnPort, stopDaemon, waitFor } from '../kube/daemon.ts';
import type { DaemonSpec } from '../kube/daemon.ts';
import { writeKubeconfig } from '../kube/kubeconfig.ts';
import { apiserverUrl, bin, kubeSourceDir, paths, ports, repoRoot } from '../kube/paths.ts';
import { ensurePki } from '../kube/pki.ts';
import type { Pki } from '../kube/pki.ts';

/** Only what the operator's tests need; the rest of kube-controller-manager stays off. */
const CONTROLLERS = [
  'garbage-collector-controller', 'namespace-controller', 'serviceaccount-controller', 'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller', 'clusterrole-aggregation-controller',
  'deployment-controller', 'replicaset-controller',
  // Pods bound to a Node that no longer exists (every test kubelet deletes its own Node when it
  // stops) are force-deleted after a 40 s quarantine; without it their graceful deletion waits for
  // a kubelet that is gone and keeps the namespace Terminating forever.
  'pod-garbage-collector-controller',
  // Jobs, for the chart's pre-delete hook (`sluice uninstall-guard`).
  'job-controller',
];

const common = { runDir: paths.run, logDir: paths.logs, cwd: repoRoot };

function etcdSpec(): DaemonSpec {
  return {
    ...common, name: 'etcd', command: bin('etcd'), marker: bin('etcd'),
    args: [
      '--name=sluice-test', `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=sluice-test=http://127.0.0.1:${ports.etcdPeer}`,
      // A throwaway test store: skipping fsync keeps the shared disk quiet.
      '--unsafe-no-fsync', '--log-level=warn',
    ],
  };
}

function apiserverSpec(pki: Pki): DaemonSpec {
  return {
    ...common, name: 'kube-apiserver', command: bin('kube-apiserver'), marker: bin('kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      `--secure-port=${ports.apiserver}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`, `--client-ca-file=${pki.caCert}`,
      `--cert-dir=${paths.pki}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--token-auth-file=${pki.tokenFile}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      // The `kubernetes` Service's endpoint would be 127.0.0.1, which Endpoints reject: keep it empty.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
    ],
  };
}

function controllerManagerSpec(pki: Pki): DaemonSpec {
  return {
    ...common, name: 'kube-controller-manager', command: bin('kube-controller-manager'), marker: bin('kube-controller-manager'),
    args: [
      `--kubeconfig=${paths.controllerManagerKubeconfig}`,
      `--controllers=${CONTROLLERS.join(',')}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
      '--secure-port=0',
    ],
  };
}

function kubeletSpec(): DaemonSpec {
  const main = join(repoRoot, 'test', 'kubelet', 'main.ts');
  return {
    ...common, name: 'test-kubelet', command: process.execPath, marker: main,
    args: [main, `--kubeconfig=${paths.kubeconfig}`, `--port=${ports.kubelet}`, `--pod-log-dir=${paths.pods}`],
  };
}

/** GET on the apiserver with the admin token; resolves to the HTTP status and body. */
export function apiGet(path: string, token: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${apiserverUrl}${path}`, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('error', reject);
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function env(): Record<string, string> {
  return {
    KUBECONFIG: paths.kubeconfig,
    SLUICE_KUBELET_URL: `http://127.0.0.1:${ports.kubelet}`,
    // Version-matched clients built beside the server (Debian has no kubectl of its own).
    KUBECTL: bin('kubectl'),
    HELM: bin('helm'),
  };
}

async function ready(pki: Pki): Promise<boolean> {
  const r = await apiGet('/readyz', pki.adminToken, readFileSync(pki.caCert));
  return r.status === 200;
}

/**
 * Stops and restarts kube-apiserver alone (etcd, controller-manager and kubelet keep running), for
 * tests of what clients do when their watches break.
 */
export async function restartApiserver(): Promise<void> {
  const pki = ensurePki(paths.pki);
  await stopDaemon(apiserverSpec(pki), 20_000);
  await startDaemonOnPort(apiserverSpec(pki), ports.apiserver);
  await waitFor(`kube-apiserver /readyz on ${apiserverUrl}`, () => ready(pki), 120_000, join(paths.logs, 'kube-apiserver.log'));
}

const kube: Service = {
  name: 'kube',

  async install(): Promise<void> {
    // Build output goes to stderr: stdout carries only the `export` lines of `npm run stack -- up`.
    execFileSync('bash', [join(kubeSourceDir, 'build.sh')], { stdio: ['ignore', 2, 2] });
  },

  async up(): Promise<Record<string, string>> {
    await kube.install(); // a no-op when every binary's stamp matches its go.mod
    for (const d of [paths.etcdData, paths.logs, paths.pods, paths.run]) mkdirSync(d, { recursive: true, mode: 0o700 });
    const pki = ensurePki(paths.pki);
    writeKubeconfig(paths.kubeconfig, { server: apiserverUrl, caCertFile: pki.caCert, user: 'sluice-admin', token: pki.adminToken });
    writeKubeconfig(paths.controllerManagerKubeconfig, {
      server: apiserverUrl, caCertFile: pki.caCert, user: 'system:kube-controller-manager', token: pki.controllerManagerToken,
    });

    const etcd = etcdSpec();
    await startDaemonOnPort(etcd, ports.etcdClient);
    await waitFor(`etcd on 127.0.0.1:${ports.etcdClient}`, async () => {
      const r = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`);
      return r.ok && ((await r.json()) as { health?: string }).health === 'true';
    }, 60_000, join(paths.logs, 'etcd.log'));

    await startDaemonOnPort(apiserverSpec(pki), ports.apiserver);
    await waitFor(`kube-apiserver /readyz on ${apiserverUrl}`, () => ready(pki), 120_000, join(paths.logs, 'kube-apiserver.log'));

    await startDaemon(controllerManagerSpec(pki));
    await startDaemonOnPort(kubeletSpec(), ports.kubelet);
    // The controller-manager is up once it has made the default namespace's service account.
    await waitFor('kube-controller-manager (ServiceAccount default/default)', async () =>
      (await apiGet('/api/v1/namespaces/default/serviceaccounts/default', pki.adminToken, readFileSync(pki.caCert))).status === 200,
    120_000, join(paths.logs, 'kube-controller-manager.log'));
    await waitFor('test kubelet (Node sluice-test-node Ready)', async () => {
      const r = await fetch(`http://127.0.0.1:${ports.kubelet}/healthz`);
      return r.ok;
    }, 60_000, join(paths.logs, 'test-kubelet.log'));
    return env();
  },

  async down(): Promise<void> {
    const pki = existsSync(paths.pki) ? ensurePki(paths.pki) : null;
    await stopDaemon(kubeletSpec(), 15_000);
    if (pki) {
      await stopDaemon(controllerManagerSpec(pki));
      await stopDaemon(apiserverSpec(pki), 20_000);
    }
    await stopDaemon(etcdSpec());
  },

  async status(): Promise<Record<string, string> | null> {
    if (!existsSync(paths.pki)) return null;
    const pki = ensurePki(paths.pki);
    const all = [etcdSpec(), apiserverSpec(pki), controllerManagerSpec(pki), kubeletSpec()];
    if (all.some((s) => daemonPid(s) === null)) return null;
    return (await ready(pki).catch(() => false)) ? env() : null;
  },
};

export default kube;
