/**
 * A container's environment as a kubelet builds it: `envFrom` first (in order), then `env` (later
 * entries win), each `valueFrom` resolved against the API (Secrets, ConfigMaps) or the pod itself
 * (`fieldRef`). A missing Secret/ConfigMap or key fails the container start with a message that
 * names the env var and the object, unless the reference is `optional`.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expandVars } from './image-map.ts';

/** Reads Secret / ConfigMap data (already decoded); null when the object does not exist. */
export interface ConfigSource {
  secret(namespace: string, name: string): Promise<Record<string, string> | null>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | null>;
}

export class ContainerConfigError extends Error {
  override readonly name = 'CreateContainerConfigError';
}

/** metadata.labels['a'] style paths, and the simple ones the downward API supports. */
export function podField(pod: V1Pod, fieldPath: string): string {
  const md = pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? md.labels : md.annotations)?.[sub[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return md.name ?? '';
    case 'metadata.namespace': return md.namespace ?? '';
    case 'metadata.uid': return md.uid ?? '';
    case 'metadata.labels': return Object.entries(md.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations': return Object.entries(md.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.podIP': return '127.0.0.1';
    default: throw new ContainerConfigError(`fieldRef ${fieldPath} is not supported by the test kubelet`);
  }
}

export async function resolveEnv(pod: V1Pod, container: V1Container, source: ConfigSource): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const kind = from.secretRef ? 'Secret' : 'ConfigMap';
    const refName = ref.name ?? '';
    const data = from.secretRef ? await source.secret(ns, refName) : await source.configMap(ns, refName);
    if (data === null) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`envFrom: ${kind} ${ns}/${refName} not found`);
    }
    for (const [k, v] of Object.entries(data)) env[(from.prefix ?? '') + k] = v;
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      // `value` may refer to earlier variables with $(NAME).
      env[e.name] = expandVars(e.value ?? '', env);
    } else if (vf.fieldRef) {
      env[e.name] = podField(pod, vf.fieldRef.fieldPath);
    } else if (vf.secretKeyRef || vf.configMapKeyRef) {
      const ref = (vf.secretKeyRef ?? vf.configMapKeyRef)!;
      const kind = vf.secretKeyRef ? 'Secret' : 'ConfigMap';
      const refName = ref.name ?? '';
      const data = vf.secretKeyRef ? await source.secret(ns, refName) : await source.configMap(ns, refName);
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`env ${e.name}: ${data === null ? `${kind} ${ns}/${refName} not found` : `key "${ref.key}" not in ${kind} ${ns}/${refName}`}`);
      }
      env[e.name] = value;
    } else if (vf.resourceFieldRef) {
      env[e.name] = '0';
    }
  }
  return env;
}
