/**
 * Secrets reach a runner only as env vars that reference them (secretKeyRef): the operator never
 * reads a Secret's value, so it cannot leak one. The runner finds a secret's key under
 * `SLUICE_SECRET_<SECRET>_<KEY>` (upper-cased, every non-alphanumeric → `_`).
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import type { FileOrSecretRef, IngestJobSpec } from '../api/types.ts';

export function secretEnvName(secret: string, key: string): string {
  const clean = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `SLUICE_SECRET_${clean(secret)}_${clean(key)}`;
}

function ref(secret: string, key: string, optional = false): V1EnvVar {
  return {
    name: secretEnvName(secret, key),
    valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
  };
}

function ossCredentials(secret: string | undefined): V1EnvVar[] {
  if (!secret) return [];
  return [ref(secret, 'accessKeyId'), ref(secret, 'accessKeySecret'), ref(secret, 'securityToken', true)];
}

function kafkaRef(r: FileOrSecretRef | string | undefined): V1EnvVar[] {
  if (r === undefined || typeof r === 'string' || !r.secretKeyRef) return [];
  return [ref(r.secretKeyRef.name, r.secretKeyRef.key)];
}

/** One env var per (secret, key) the spec references, in a stable order, without duplicates. */
export function secretEnv(spec: IngestJobSpec): V1EnvVar[] {
  const st = spec.storage;
  const sec = spec.source.kafka?.security;
  const all: V1EnvVar[] = [
    ...ossCredentials(st?.oss?.credentialsSecret),
    ...Object.keys(st?.jindofs?.namespaces ?? {}).sort().flatMap((ns) => ossCredentials(st!.jindofs!.namespaces[ns]!.credentialsSecret)),
    ...(st?.hdfs?.delegationTokenSecret ? [ref(st.hdfs.delegationTokenSecret, 'token')] : []),
    ...kafkaRef(sec?.sasl?.username),
    ...kafkaRef(sec?.sasl?.password),
    ...kafkaRef(sec?.tls?.ca),
    ...kafkaRef(sec?.tls?.cert),
    ...kafkaRef(sec?.tls?.key),
  ];
  const seen = new Set<string>();
  return all.filter((e) => !seen.has(e.name) && seen.add(e.name));
}
