/**
 * Where OSS keys come from: environment variables (`fromEnv`, the names the OSS SDKs use:
 * OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN) or a Kubernetes Secret mounted
 * as files (`credentialsSecret`: `<secretsRoot>/<secret>/accessKeyId`, `accessKeySecret`,
 * optional `securityToken`). Errors name the spec field and the file or variable, never a value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OssCredentials } from '../../api/types.ts';
import { OssStorageError } from './oss-errors.ts';

export interface OssKeys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface CredentialSources {
  env?: NodeJS.ProcessEnv;
  /** Directory under which Secrets are mounted, one sub-directory per Secret. @default '/var/run/secrets/sluice' */
  secretsRoot?: string;
  /** Secret lookup (name → key → value), e.g. StorageContext.secret; used instead of secretsRoot when given. */
  secret?: (name: string, key: string) => string | undefined;
}

function readKey(dir: string, name: string, field: string, required: boolean): string | undefined {
  const file = join(dir, name);
  if (!existsSync(file)) {
    if (required) throw new OssStorageError(`${field}: the mounted Secret has no key ${name} (expected file ${file})`, { code: 'MissingCredentials' });
    return undefined;
  }
  return readFileSync(file, 'utf8').trim();
}

/** Resolve keys for a spec that has `credentialsSecret` or `fromEnv`; `field` names it in errors. */
export function resolveOssKeys(spec: OssCredentials, field: string, src: CredentialSources = {}): OssKeys {
  if (spec.credentialsSecret !== undefined && src.secret) {
    const name = spec.credentialsSecret;
    const get = (key: string, required: boolean): string | undefined => {
      const v = src.secret!(name, key)?.trim();
      if (required && !v) throw new OssStorageError(`${field}.credentialsSecret: Secret ${JSON.stringify(name)} has no key ${key}`, { code: 'MissingCredentials' });
      return v || undefined;
    };
    const securityToken = get('securityToken', false);
    return { accessKeyId: get('accessKeyId', true)!, accessKeySecret: get('accessKeySecret', true)!, ...(securityToken ? { securityToken } : {}) };
  }
  if (spec.credentialsSecret !== undefined) {
    const dir = join(src.secretsRoot ?? '/var/run/secrets/sluice', spec.credentialsSecret);
    const f = `${field}.credentialsSecret`;
    const securityToken = readKey(dir, 'securityToken', f, false);
    return { accessKeyId: readKey(dir, 'accessKeyId', f, true)!, accessKeySecret: readKey(dir, 'accessKeySecret', f, true)!, ...(securityToken ? { securityToken } : {}) };
  }
  if (spec.fromEnv) {
    const env = src.env ?? process.env;
    const id = env.OSS_ACCESS_KEY_ID;
    const secret = env.OSS_ACCESS_KEY_SECRET;
    if (!id || !secret) {
      throw new OssStorageError(`${field}.fromEnv is set but ${!id ? 'OSS_ACCESS_KEY_ID' : 'OSS_ACCESS_KEY_SECRET'} is empty or unset`, { code: 'MissingCredentials' });
    }
    return { accessKeyId: id, accessKeySecret: secret, ...(env.OSS_SESSION_TOKEN ? { securityToken: env.OSS_SESSION_TOKEN } : {}) };
  }
  throw new OssStorageError(`${field}: no credentials configured; set ${field}.credentialsSecret (a Secret with accessKeyId and accessKeySecret) or ${field}.fromEnv: true`, { code: 'MissingCredentials' });
}
