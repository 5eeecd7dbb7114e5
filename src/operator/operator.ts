/**
 * The operator process: caches, queue, reconciler, leader election and the health/metrics
 * endpoint, wired together.
 *   - Informers (IngestJobs; Pods labelled `sluice.dev/job`) start at once, leader or not, so a
 *     standby has warm caches and /readyz reports sync.
 *   - Every job event, and every pod event (through its `sluice.dev/job` label), enqueues the
 *     job's key; a periodic resync enqueues them all (level-triggered safety net).
 *   - Workers run only while this instance holds the Lease; losing it calls `onLostLeadership`
 *     (the CLI exits the process, as controller-runtime does).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';
import type { IngestJob } from '../api/types.ts';
import { startAdmissionWebhook } from './admission-webhook.ts';
import type { WebhookServer } from './admission-webhook.ts';
import { SpecInterner, slimIngestJob, slimPod } from './cache-transform.ts';
import { Controller } from './controller.ts';
import { CountingKubeConfig } from './counting-kube-config.ts';
import { Informer } from './informer.ts';
import type { ListResult } from './informer.ts';
import { ingestJobsPath, podsPath } from './ingest-job-ref.ts';
import { KubeOperatorApi } from './kube-operator-api.ts';
import { LeaderElector } from './leader-election.ts';
import type { LeaderElectionOptions } from './leader-election.ts';
import { OperatorMetrics, startHealthServer } from './metrics.ts';
import { LABEL_JOB, objectKey } from './names.ts';
import { IngestJobReconciler } from './reconciler.ts';
import { WorkQueue } from './work-queue.ts';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace; undefined watches all. */
  namespace?: string;
  /** Port of /metrics, /healthz, /readyz; 0 picks one; undefined serves none. @default undefined */
  metricsPort?: number;
  /** Lease settings; false runs without election (tests, a single replica). */
  leaderElection: Omit<LeaderElectionOptions, 'kubeConfig' | 'identity'> & { identity?: string } | false;
  /** Image of runner pods whose spec.runner.image is unset. @default DEFAULT_RUNNER_IMAGE ('ghcr.io/sluice-dev/sluice:0.1.0') */
  defaultImage?: string;
  /**
   * Concurrent reconciles of different jobs (one job is never reconciled twice at once). Most of a
   * reconcile is waiting for the apiserver, so this sets how fast thousands of jobs are first
   * reconciled. @default 8
   */
  workers?: number;
  /** Re-enqueue every job this often. @default 600000 (10 min) */
  resyncMs?: number;
  /**
   * Serve the validating admission webhook over TLS on this port (every replica serves it,
   * leader or not). undefined serves none.
   */
  webhook?: { port: number; host?: string; cert: string | Buffer; key: string | Buffer };
  /** Called once when the Lease is lost; must stop reconciling at once. */
  onLostLeadership?: () => void;
  log?: (line: string) => void;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly identity: string;
  private readonly opts: OperatorOptions;
  private readonly jobs: Informer<IngestJob>;
  private readonly pods: Informer<V1Pod>;
  private readonly queue: WorkQueue;
  /** Pods by their job's key (an index, as client-go's indexers): a reconcile reads its own pods only. */
  private readonly podsByJob = new Map<string, Map<string, V1Pod>>();
  private readonly reconciler: IngestJobReconciler;
  private controller: Controller | undefined;
  private elector: LeaderElector | undefined;
  private server: Server | undefined;
  private serverPort: number | undefined;
  private webhook: WebhookServer | undefined;

  constructor(opts: OperatorOptions) {
    this.opts = opts;
    const kc = opts.kubeConfig;
    if (kc instanceof CountingKubeConfig) kc.onRequest = (verb, resource) => this.metrics.apiRequests.inc({ verb, resource });
    this.identity = (opts.leaderElection && opts.leaderElection.identity) || `${process.env.POD_NAME ?? hostname()}_${randomUUID().slice(0, 8)}`;
    const log = opts.log;
    const watch = new Watch(kc);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = opts.namespace;
    const resyncMs = opts.resyncMs ?? 600_000;
    const specs = new SpecInterner();

    this.jobs = new Informer<IngestJob>({
      name: 'ingestjobs', path: ingestJobsPath(ns), watch, log, resyncMs, transform: (j) => slimIngestJob(j, specs),
      list: async () => (ns
        ? await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
        : await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as ListResult<IngestJob>,
    });
    this.pods = new Informer<V1Pod>({
      name: 'pods', path: podsPath(ns), watch, log, labelSelector: LABEL_JOB, transform: slimPod,
      list: async () => (ns
        ? await core.listNamespacedPod({ namespace: ns, labelSelector: LABEL_JOB })
        : await core.listPodForAllNamespaces({ labelSelector: LABEL_JOB })) as ListResult<V1Pod>,
    });
    this.queue = new WorkQueue({ metrics: this.metrics.queueMetrics() });
    this.reconciler = new IngestJobReconciler({
      api: new KubeOperatorApi(kc, this.identity),
      defaultImage: opts.defaultImage,
      log,
      onScale: (job, from, to) => this.metrics.jobs.scaled(job, from, to),
      cache: {
        getJob: (namespace, name) => this.jobs.get(namespace, name),
        podsOfJob: (namespace, job) => [...(this.podsByJob.get(objectKey(namespace, job))?.values() ?? [])],
      },
    });

    const enqueueJob = (j: IngestJob): void => {
      this.metrics.jobs.observe(j);
      this.queue.add(objectKey(j.metadata.namespace ?? '', j.metadata.name));
    };
    this.jobs.on('add', enqueueJob);
    this.jobs.on('update', enqueueJob);
    this.jobs.on('resync', enqueueJob);
    this.jobs.on('delete', (j) => {
      this.queue.add(objectKey(j.metadata.namespace ?? '', j.metadata.name));
      this.metrics.jobs.forget(j);
      if (j.metadata.uid) this.reconciler.forgetJob(j.metadata.uid, objectKey(j.metadata.namespace ?? '', j.metadata.name));
    });
    const podJob = (p: V1Pod): string | undefined => {
      const job = p.metadata?.labels?.[LABEL_JOB];
      return job ? objectKey(p.metadata?.namespace ?? '', job) : undefined;
    };
    const indexPod = (p: V1Pod): void => {
      const key = podJob(p);
      if (!key) return;
      let pods = this.podsByJob.get(key);
      if (!pods) this.podsByJob.set(key, (pods = new Map()));
      pods.set(p.metadata?.name ?? '', p);
      this.queue.add(key);
    };
    this.pods.on('add', indexPod);
    this.pods.on('update', indexPod);
    this.pods.on('delete', (p) => {
      const key = podJob(p);
      if (!key) return;
      const pods = this.podsByJob.get(key);
      pods?.delete(p.metadata?.name ?? '');
      if (pods?.size === 0) this.podsByJob.delete(key);
      this.queue.add(key);
    });
  }

  /** Informers synced: the /readyz answer. */
  ready(): boolean {
    return this.jobs.hasSynced() && this.pods.hasSynced();
  }

  isLeader(): boolean {
    return this.controller !== undefined;
  }

  get port(): number | undefined {
    return this.serverPort;
  }

  /** Where the admission webhook listens, when it is served. */
  get webhookPort(): number | undefined {
    return this.webhook?.port;
  }

  async start(): Promise<void> {
    if (this.opts.metricsPort !== undefined) {
      const s = await startHealthServer({ metrics: this.metrics, ready: () => this.ready(), port: this.opts.metricsPort });
      this.server = s.server;
      this.serverPort = s.port;
    }
    if (this.opts.webhook) this.webhook = await startAdmissionWebhook({ ...this.opts.webhook, log: this.opts.log });
    this.jobs.start();
    this.pods.start();
    if (this.opts.leaderElection === false) {
      await this.startLeading();
      return;
    }
    this.elector = new LeaderElector({ ...this.opts.leaderElection, kubeConfig: this.opts.kubeConfig, identity: this.identity, log: this.opts.log });
    this.elector.run({
      onStartedLeading: () => {
        this.metrics.leader.set(1);
        void this.startLeading();
      },
      onStoppedLeading: () => {
        this.metrics.leader.set(0);
        this.queue.shutdown(); // no new reconcile starts, whatever the callback does
        (this.opts.onLostLeadership ?? (() => process.exit(1)))();
      },
    });
  }

  private async startLeading(): Promise<void> {
    await Promise.all([this.jobs.waitForSync(), this.pods.waitForSync()]);
    if (this.queue.isShuttingDown()) return;
    for (const j of this.jobs.list()) this.queue.add(objectKey(j.metadata.namespace ?? '', j.metadata.name));
    this.controller = new Controller({ queue: this.queue, reconciler: this.reconciler, workers: this.opts.workers, metrics: this.metrics, log: this.opts.log });
    this.controller.start();
  }

  /** Stops workers (waiting for in-flight reconciles), releases the Lease, stops informers. */
  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.controller?.stop();
    this.controller = undefined;
    await this.elector?.stop(true);
    this.metrics.leader.set(0);
    await Promise.all([this.jobs.stop(), this.pods.stop()]);
    await this.webhook?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** For tests: the informers' counters. */
  informerStats(): { jobs: Informer<IngestJob>['stats']; pods: Informer<V1Pod>['stats'] } {
    return { jobs: this.jobs.stats, pods: this.pods.stats };
  }
}
