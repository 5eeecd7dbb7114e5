/**
 * A watch on one job's runner pods that remembers what a poll would miss: the most pods that
 * existed at once, and every phase each pod (by uid) went through, e.g. a killed runner's short
 * `Failed` before the operator replaces it.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';

export class PodCensus {
  /** Pods existing now, by name. */
  readonly current = new Map<string, V1Pod>();
  /** Phases seen per pod uid, in order. */
  readonly phases = new Map<string, string[]>();
  maxPods = 0;
  private req: { abort(): void } | undefined;
  private error: unknown;
  private stopped = false;
  private resourceVersion: string | undefined;

  static async start(kc: KubeConfig, namespace: string, job: string): Promise<PodCensus> {
    const c = new PodCensus();
    await c.watch(new Watch(kc), namespace, job);
    return c;
  }

  /**
   * client-node aborts a watch that got no bytes for 30 s (quiet Running pods send none): carry on
   * from the last resourceVersion seen, so no event is missed. An ERROR event (410: too old) is
   * an error here.
   */
  private async watch(w: Watch, namespace: string, job: string): Promise<void> {
    const params: Record<string, string> = { labelSelector: `sluice.dev/job=${job}` };
    if (this.resourceVersion) params.resourceVersion = this.resourceVersion;
    this.req = await w.watch(`/api/v1/namespaces/${namespace}/pods`, params,
      (type: string, pod: V1Pod) => {
        if (type === 'ERROR') {
          this.error = new Error(`watch error event: ${JSON.stringify(pod)}`);
          return;
        }
        this.resourceVersion = pod.metadata?.resourceVersion ?? this.resourceVersion;
        this.onEvent(type, pod);
      },
      () => {
        // Ended (idle timeout, a dropped connection): resume; only a failed re-watch is an error.
        if (this.stopped || this.error) return;
        this.watch(w, namespace, job).catch((e: unknown) => { this.error = e; });
      });
  }

  private onEvent(type: string, pod: V1Pod): void {
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    if (type === 'DELETED') this.current.delete(name);
    else if (type === 'ADDED' || type === 'MODIFIED') this.current.set(name, pod);
    this.maxPods = Math.max(this.maxPods, this.current.size);
    const phase = pod.status?.phase;
    if (phase) {
      const seen = this.phases.get(uid) ?? [];
      if (seen.at(-1) !== phase) seen.push(phase);
      this.phases.set(uid, seen);
    }
  }

  /** Throws if the watch broke: what it remembers would be incomplete. */
  check(): void {
    if (this.error) throw new Error(`pod watch failed: ${String(this.error)}`);
  }

  stop(): void {
    this.stopped = true;
    this.req?.abort();
  }
}
