/**
 * The test kubelet: TEST INFRASTRUCTURE, not a product. It makes a kube-apiserver with no nodes
 * behave like a one-node cluster whose "containers" are local processes:
 *   - registers Node `sluice-test-node` (Ready) and heartbeats it;
 *   - binds pods that have no node to itself (there is no scheduler) with a Binding;
 *   - runs each of its pods' first container through a PodWorker (see pod-worker.ts);
 *   - on pod deletion (deletionTimestamp) stops the process within the grace period, then
 *     removes the pod with grace 0, as the real kubelet does.
 * Sync is level-triggered: every informer event and a periodic resync call `sync(pod)`, which
 * compares the pod with the workers and converges.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, PatchStrategy, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import type { ConfigSource } from './container-env.ts';
import { defaultImageMappings } from './image-map.ts';
import type { ImageMapping } from './image-map.ts';
import { TEST_NODE_NAME, nodeObject, nodeStatus } from './node-status.ts';
import { PodWorker } from './pod-worker.ts';
import { keepInformerRunning } from './resilient-informer.ts';
import type { InformerHandle } from './resilient-informer.ts';

export interface TestKubeletOptions {
  kubeConfig: KubeConfig;
  /** @default 'sluice-test-node' */
  nodeName?: string;
  /** Bind pods with no spec.nodeName to this node. Only one kubelet per cluster may. @default true */
  bindUnscheduled?: boolean;
  /** @default defaultImageMappings() */
  imageMappings?: ImageMapping[];
  /** Each pod's stdout+stderr go to `<podLogDir>/<namespace>_<name>.log`. */
  podLogDir: string;
  /** Per-pod service-account kubeconfigs. @default `<podLogDir>/../pod-credentials` */
  credentialsDir?: string;
  /** Working directory of pod processes and `{repo}` in mappings. */
  repoRoot: string;
  /** `{node}` in mappings. @default process.execPath */
  nodeBinary?: string;
  /** Container restart back-off. @default { baseMs: 1000, maxMs: 30000 } */
  restartBackoff?: { baseMs: number; maxMs: number };
  /** @default 10000 */
  resyncMs?: number;
  log?: (line: string) => void;
}

const running = new Set<TestKubelet>();

/** Sends `signal` to a pod's process in any kubelet started in this process. */
export function killPod(namespace: string, name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  for (const k of running) if (k.killPod(namespace, name, signal)) return true;
  return false;
}

function httpCode(err: unknown): number | undefined {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class TestKubelet {
  readonly nodeName: string;
  private readonly opts: TestKubeletOptions;
  private readonly core: CoreV1Api;
  private readonly workers = new Map<string, PodWorker>();
  private readonly deleting = new Set<string>();
  private readonly binding = new Set<string>();
  private informer: ReturnType<typeof makeInformer<V1Pod>> | undefined;
  private handle: InformerHandle | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly log: (line: string) => void;

  constructor(opts: TestKubeletOptions) {
    this.opts = opts;
    this.nodeName = opts.nodeName ?? TEST_NODE_NAME;
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.log = opts.log ?? ((l) => process.stderr.write(`${new Date().toISOString()} test-kubelet: ${l}\n`));
  }

  async start(): Promise<void> {
    await this.registerNode();
    const informer = makeInformer<V1Pod>(this.opts.kubeConfig, '/api/v1/pods', () => this.core.listPodForAllNamespaces());
    this.informer = informer;
    informer.on('add', (p) => this.sync(p));
    informer.on('update', (p) => this.sync(p));
    informer.on('delete', (p) => this.forget(p));
    // Capped at 5 s so pods created right after an apiserver restart start promptly.
    this.handle = keepInformerRunning(informer, 'pods', { log: this.log, maxDelayMs: 5000 });
    await informer.start();
    this.timers.push(setInterval(() => { for (const p of informer.list()) this.sync(p); }, this.opts.resyncMs ?? 10_000));
    this.timers.push(setInterval(() => { this.heartbeat().catch((e: unknown) => this.log(`node heartbeat failed: ${String(e)}`)); }, 10_000));
    running.add(this);
  }

  /** Stops watching and kills every pod process (the pods stay as they are in the API). */
  async stop(): Promise<void> {
    running.delete(this);
    for (const t of this.timers) clearInterval(t);
    await this.handle?.stop();
    await Promise.all([...this.workers.values()].map((w) => w.terminate(0)));
  }

  killPod(namespace: string, name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    return this.workers.get(`${namespace}/${name}`)?.kill(signal) ?? false;
  }

  podPid(namespace: string, name: string): number | undefined {
    return this.workers.get(`${namespace}/${name}`)?.pid;
  }

  private async registerNode(): Promise<void> {
    try {
      await this.core.createNode({ body: nodeObject(this.nodeName) });
    } catch (err) {
      if (httpCode(err) !== 409) throw err;
    }
    await this.heartbeat();
  }

  private async heartbeat(): Promise<void> {
    await this.core.patchNodeStatus({ name: this.nodeName, body: { status: nodeStatus(new Date()) } }, mergePatch);
  }

  private sync(pod: V1Pod): void {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    const key = `${ns}/${name}`;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if ((this.opts.bindUnscheduled ?? true) && !pod.metadata?.deletionTimestamp) this.bind(pod);
      return;
    }
    if (nodeName !== this.nodeName) return;
    let worker = this.workers.get(key);
    if (worker && worker.uid !== uid) {
      // Same name, new pod: the old one's process must not outlive it.
      void worker.terminate(0);
      this.workers.delete(key);
      worker = undefined;
    }
    if (pod.metadata?.deletionTimestamp) {
      if (this.deleting.has(uid)) return;
      this.deleting.add(uid);
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      void (worker ? worker.terminate(grace) : Promise.resolve())
        // With a body the apiserver reads DeleteOptions from it alone: grace 0 must go there too.
        .then(() => this.core.deleteNamespacedPod({ name, namespace: ns, body: { gracePeriodSeconds: 0, preconditions: { uid } } }))
        .catch((err: unknown) => {
          if (httpCode(err) !== 404 && httpCode(err) !== 409) {
            this.log(`pod ${key}: delete failed: ${String(err)}`);
            this.deleting.delete(uid); // the next resync tries again
          }
        });
      return;
    }
    const phase = pod.status?.phase;
    if (worker || phase === 'Succeeded' || phase === 'Failed') return;
    this.workers.set(key, new PodWorker({
      pod,
      writer: { patchStatus: (n, nm, status) => this.patchStatus(n, nm, status) },
      config: this.configSource(),
      mappings: this.opts.imageMappings ?? defaultImageMappings(),
      command: { nodeBinary: this.opts.nodeBinary ?? process.execPath, repoRoot: this.opts.repoRoot },
      podLogDir: this.opts.podLogDir,
      baseEnv: () => this.podBaseEnv(pod),
      backoff: this.opts.restartBackoff ?? { baseMs: 1000, maxMs: 30_000 },
      log: this.log,
    }));
    this.log(`pod ${key}: starting`);
  }

  private forget(pod: V1Pod): void {
    const key = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
    const worker = this.workers.get(key);
    if (worker && worker.uid === pod.metadata?.uid) {
      // Force-deleted while running: nothing waits for a graceful stop any more.
      void worker.terminate(0);
      this.workers.delete(key);
    }
    this.deleting.delete(pod.metadata?.uid ?? '');
  }

  private bind(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.binding.has(uid)) return;
    this.binding.add(uid);
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    this.core.createNamespacedPodBinding({
      name, namespace,
      body: { metadata: { name, namespace, uid }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
    }).then(() => this.log(`pod ${namespace}/${name}: bound to ${this.nodeName}`), (err: unknown) => {
      this.binding.delete(uid); // retried at the next event or resync
      if (httpCode(err) !== 404 && httpCode(err) !== 409) this.log(`pod ${namespace}/${name}: binding failed: ${String(err)}`);
    });
  }

  private async patchStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    try {
      await this.core.patchNamespacedPodStatus({ name, namespace, body: { status } }, mergePatch);
    } catch (err) {
      if (httpCode(err) !== 404) throw err;
    }
  }

  private configSource(): ConfigSource {
    const read = async (fn: () => Promise<{ data?: Record<string, string> }>, decode: boolean): Promise<Record<string, string> | null> => {
      try {
        const data = (await fn()).data ?? {};
        return decode ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : data;
      } catch (err) {
        if (httpCode(err) === 404) return null;
        throw err;
      }
    };
    return {
      secret: (namespace, name) => read(() => this.core.readNamespacedSecret({ name, namespace }), true),
      configMap: (namespace, name) => read(() => this.core.readNamespacedConfigMap({ name, namespace }), false),
    };
  }

  /**
   * What a container would get from its service-account token volume, in the one form a local
   * process can use: a kubeconfig with a bound token for the pod's service account (TokenRequest),
   * so RBAC applies to pods exactly as in a cluster. `KUBERNETES_SERVICE_*` point at the apiserver.
   */
  private async podBaseEnv(pod: V1Pod): Promise<Record<string, string>> {
    const cluster = this.opts.kubeConfig.getCurrentCluster();
    const url = new URL(cluster?.server ?? 'https://127.0.0.1:6443');
    const env: Record<string, string> = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port || '443' };
    if (pod.spec?.automountServiceAccountToken === false) return env;
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const sa = pod.spec?.serviceAccountName ?? 'default';
    try {
      const tr = await this.core.createNamespacedServiceAccountToken({
        name: sa, namespace: ns,
        body: { spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata?.uid } } },
      });
      const dir = join(this.opts.credentialsDir ?? join(this.opts.podLogDir, '..', 'pod-credentials'), `${ns}_${name}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const kc = {
        apiVersion: 'v1', kind: 'Config', 'current-context': 'pod',
        clusters: [{ name: 'cluster', cluster: { server: cluster?.server, 'certificate-authority-data': cluster?.caData, 'certificate-authority': cluster?.caFile } }],
        users: [{ name: `system:serviceaccount:${ns}:${sa}`, user: { token: tr.status?.token } }],
        contexts: [{ name: 'pod', context: { cluster: 'cluster', user: `system:serviceaccount:${ns}:${sa}`, namespace: ns } }],
      };
      writeFileSync(join(dir, 'kubeconfig'), JSON.stringify(kc), { mode: 0o600 });
      env.KUBECONFIG = join(dir, 'kubeconfig');
    } catch (err) {
      // Without a token the process still runs; it just cannot reach the API as the pod.
      this.log(`pod ${ns}/${name}: no service-account token for ${sa}: HTTP ${httpCode(err) ?? String(err)}`);
    }
    return env;
  }
}
