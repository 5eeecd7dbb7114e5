/**
 * A KubeConfig that counts every request made through it. Both client-node's generated API
 * clients and its Watch call `applySecurityAuthentication` once per HTTP request, so this sees
 * all traffic the operator makes to the apiserver (for the metrics and for measuring load).
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestContext } from '@kubernetes/client-node';

export class CountingKubeConfig extends KubeConfig {
  /** Requests so far by `VERB resource` (watch requests as `WATCH`), e.g. `PUT leases`. */
  readonly counts = new Map<string, number>();
  onRequest: ((verb: string, resource: string) => void) | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const url = context.getUrl();
    const verb = /[?&]watch=(true|1)/.test(url) ? 'WATCH' : String(context.getHttpMethod());
    const resource = resourceOf(url);
    const k = `${verb} ${resource}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    this.onRequest?.(verb, resource);
    await super.applySecurityAuthentication(context);
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}

/**
 * The resource a request is about, from its path: `/api/v1/namespaces/ns/pods/x` → `pods`,
 * `/apis/sluice.dev/v1alpha1/namespaces/ns/ingestjobs/x/status` → `ingestjobs/status`.
 */
export function resourceOf(url: string): string {
  const path = new URL(url).pathname.split('/').filter(Boolean);
  // Drop the group/version prefix: /api/v1 or /apis/<group>/<version>.
  let rest = path[0] === 'api' ? path.slice(2) : path.slice(3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, , sub] = rest;
  return sub ? `${resource}/${sub}` : (resource ?? '');
}
