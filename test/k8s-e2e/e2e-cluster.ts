/**
 * What every k8s e2e test stands on: the kube stack (started here only if it is not running, and
 * then stopped again), the IngestJob CRD, a throwaway namespace, and kubectl with the admin
 * kubeconfig. `withOwnNode` adds an in-process test kubelet with a node of its own (runner pods
 * are pinned to it through the job's podTemplate), so the pods run the kubelet code of this work
 * tree whatever the stack's kubelet daemon runs, and other tests' pods are not its business. Its
 * control endpoint (`POST /kill`) listens on a free port.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { IngestJob } from '../../src/api/types.ts';
import { startControlServer } from '../kubelet/control-server.ts';
import { TestKubelet } from '../kubelet/kubelet.ts';
import { ensureCluster, makeNamespace } from '../kubelet/test-cluster.ts';
import { installIngestJobCrd, releaseIngestJobs } from '../runner/kube-helpers.ts';
import { bin, repoRoot } from '../stack/kube/paths.ts';
import kube from '../stack/services/kube.ts';

export interface E2eCluster {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  kubeconfig: string;
  namespace: string;
  /** A temp dir for job inputs, sinks and logs; removed by close() unless SLUICE_KEEP_TEST_DIR. */
  dir: string;
  /** The own node's name, when started withOwnNode. */
  nodeName?: string;
  /** The own kubelet's control endpoint (for requestKillPod), when started withOwnNode. */
  kubeletUrl?: string;
  /**
   * kubectl with the admin kubeconfig; resolves to stdout, rejects with stderr. Asynchronous on
   * purpose: the in-process kubelet shares this event loop, and a `kubectl delete` that waits for
   * a finalizer would otherwise block the very kubelet that has to stop the pods.
   */
  kubectl(args: string[], input?: string): Promise<string>;
  getJob(name: string): Promise<IngestJob | undefined>;
  /** The tail of every log this test wrote (operators, pods), for a failure message. */
  logs(): string;
  close(): Promise<void>;
}

/** The stack's version-matched build, else one on PATH. */
export const KUBECTL = existsSync(bin('kubectl')) ? bin('kubectl') : 'kubectl';

export function kubectlAsync(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(KUBECTL, [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

export async function startE2eCluster(prefix: string, o: { withOwnNode: boolean }): Promise<E2eCluster> {
  const cluster = await ensureCluster();
  const kubeconfig = cluster.env.KUBECONFIG!;
  await installIngestJobCrd(cluster.kc, kubeconfig);
  const namespace = await makeNamespace(cluster.core, prefix);
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  let kubelet: TestKubelet | undefined;
  let server: Server | undefined;
  let nodeName: string | undefined;
  let kubeletUrl: string | undefined;
  if (o.withOwnNode) {
    nodeName = `${namespace}-node`;
    kubelet = new TestKubelet({
      kubeConfig: cluster.kc, nodeName, bindUnscheduled: false, podLogDir: path.join(dir, 'pods'), repoRoot,
      restartBackoff: { baseMs: 500, maxMs: 2000 }, resyncMs: 2000, log: () => {},
    });
    await kubelet.start();
    server = await startControlServer(kubelet, 0);
    kubeletUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  return {
    kc: cluster.kc, core: cluster.core, custom, kubeconfig, namespace, dir, nodeName, kubeletUrl,
    kubectl: (args, input) => kubectlAsync(kubeconfig, args, input),
    async getJob(name) {
      try {
        return await custom.getNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace, plural: 'ingestjobs', name }) as IngestJob;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    logs() {
      const out: string[] = [];
      const add = (d: string): void => {
        let names: string[];
        try {
          names = readdirSync(d);
        } catch {
          return;
        }
        for (const n of names.filter((x) => x.endsWith('.log'))) out.push(`--- ${n}\n${readFileSync(path.join(d, n), 'utf8').slice(-3000)}`);
      };
      add(dir);
      add(path.join(dir, 'pods'));
      return out.join('\n');
    },
    async close() {
      server?.close();
      await kubelet?.stop();
      if (nodeName) await cluster.core.deleteNode({ name: nodeName }).catch(() => undefined);
      await releaseIngestJobs(cluster.kc, namespace);
      await cluster.core.deleteNamespace({ name: namespace }).catch(() => undefined);
      if (!process.env.SLUICE_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
      else process.stderr.write(`kept ${dir}\n`);
      if (cluster.started) await kube.down();
    },
  };
}
