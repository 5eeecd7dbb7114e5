/**
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 *   - acquire: every `retryPeriod`, read the Lease; take it if it is free, ours, or its holder has
 *     not renewed for `leaseDuration` as measured by OUR clock since we last saw it change (no
 *     trust in other machines' clocks); writes carry the resourceVersion read, so of two
 *     candidates racing for a free lease exactly one wins (the other gets 409);
 *   - renew: every `retryPeriod`; if no renewal succeeded for `renewDeadline`, leadership is
 *     lost. The caller must then stop at once (controller-runtime exits the process), because
 *     another instance may already be reconciling.
 *   - release on a clean stop: the holder is cleared so a successor need not wait out the lease.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { httpStatus } from './errors.ts';
import { toMillis } from './pod-state.ts';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** @default 'sluice-operator' */
  leaseName?: string;
  /** Unique per instance: pod name plus a random suffix. */
  identity: string;
  /** @default 15000 */
  leaseDurationMs?: number;
  /** @default 10000 — must be < leaseDuration */
  renewDeadlineMs?: number;
  /** @default 2000 */
  retryPeriodMs?: number;
  log?: (line: string) => void;
}

export interface LeaderCallbacks {
  onStartedLeading: () => void;
  /** Called once when leadership is lost (not on a clean stop()). */
  onStoppedLeading: () => void;
}

export class LeaderElector {
  private readonly opts: Required<Omit<LeaderElectionOptions, 'log'>> & Pick<LeaderElectionOptions, 'log'>;
  private readonly api: CoordinationV1Api;
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private cycle: Promise<void> | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.opts = {
      leaseName: 'sluice-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts,
    };
    if (this.opts.renewDeadlineMs >= this.opts.leaseDurationMs) throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Starts campaigning; callbacks fire from the background loop. */
  run(cb: LeaderCallbacks): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.opts.log?.(`leader election: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      });
      if (this.stopped) return;
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.opts.log?.(`leader election: ${this.opts.identity} became leader of ${this.opts.namespace}/${this.opts.leaseName}`);
          cb.onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenew >= this.opts.renewDeadlineMs) {
        this.leading = false;
        this.stopped = true;
        this.opts.log?.(`leader election: ${this.opts.identity} lost the lease (no renewal for ${now - this.lastRenew} ms)`);
        cb.onStoppedLeading();
        return;
      }
      this.timer = setTimeout(() => { this.cycle = tick(); }, this.opts.retryPeriodMs);
    };
    this.cycle = tick();
  }

  /** Stops campaigning; if leading, releases the lease so another instance takes over at once. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.cycle;
    if (this.leading && release) {
      this.leading = false;
      await this.release().catch((err: unknown) => this.opts.log?.(`leader election: release failed: ${String(err)}`));
    }
    this.leading = false;
  }

  private desired(prev: V1Lease | undefined, now: Date): V1Lease {
    const spec = prev?.spec ?? {};
    const sameHolder = spec.holderIdentity === this.opts.identity;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.opts.leaseName, namespace: this.opts.namespace, resourceVersion: prev?.metadata?.resourceVersion },
      spec: {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
        acquireTime: toMicroTime(sameHolder && spec.acquireTime ? new Date(toMillis(spec.acquireTime) ?? now.getTime()) : now),
        renewTime: toMicroTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (sameHolder || !prev ? 0 : 1),
      },
    };
  }

  /** One attempt; true when we hold the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name } = this.opts;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (httpStatus(err) !== 404) throw err;
      try {
        await this.api.createNamespacedLease({ namespace, body: this.desired(undefined, now) });
        this.observed = undefined;
        return true;
      } catch (e) {
        if (httpStatus(e) === 409) return false; // another candidate created it first
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}|${String(toMillis(spec.renewTime) ?? spec.renewTime)}`;
    if (!this.observed || this.observed.record !== record) this.observed = { record, at: now.getTime() };
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    const expired = this.observed.at + durationMs <= now.getTime();
    if (holder !== '' && holder !== this.opts.identity && !expired) return false;
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: this.desired(lease, now) });
      return true;
    } catch (err) {
      if (httpStatus(err) === 409) return false; // someone wrote it since our read
      throw err;
    }
  }

  private async release(): Promise<void> {
    const { namespace, leaseName: name } = this.opts;
    const lease = await this.api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== this.opts.identity) return;
    await this.api.replaceNamespacedLease({
      name, namespace,
      body: {
        metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
        spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: toMicroTime(new Date()), leaseTransitions: lease.spec?.leaseTransitions },
      },
    });
  }
}

/**
 * client-node types MicroTime as Date and would send `toISOString()` (3 fraction digits); the
 * apiserver parses MicroTime with exactly 6. A string passes through its serializer untouched.
 */
function toMicroTime(d: Date): Date {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}
