import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileOrSecretRef } from '../../api/types.ts';
import { InvalidFieldError } from '../../api/field-error.ts';
import { secretFromEnv } from '../../secrets.ts';

export interface SecretResolveOptions {
  /**
   * Where Kubernetes Secrets are mounted, one folder per Secret and one file per key (the
   * layout of a Secret volume): `secretKeyRef {name, key}` reads `<secretsDir>/<name>/<key>`.
   * @default process.env.SLUICE_SECRETS_DIR ?? '/var/run/secrets/sluice'
   */
  secretsDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads a secret value from a file, an environment variable, or a mounted Secret. Errors name
 * the IngestJob field and where the value was looked for, never the value. A file's trailing
 * newline is dropped (`echo pw > file` is how people write them).
 */
export function resolveSecret(ref: FileOrSecretRef | string, field: string, options: SecretResolveOptions = {}): string {
  if (typeof ref === 'string') return ref;
  const env = options.env ?? process.env;
  const set = [ref.file, ref.env, ref.secretKeyRef].filter((v) => v !== undefined).length;
  if (set !== 1) throw new InvalidFieldError(field, `set exactly one of file, env, secretKeyRef (got ${set})`);
  if (ref.env !== undefined) {
    const v = env[ref.env];
    if (v === undefined) throw new InvalidFieldError(field, `environment variable ${ref.env} is not set`);
    return v;
  }
  let path: string;
  if (ref.file !== undefined) {
    path = ref.file;
  } else {
    const { name, key } = ref.secretKeyRef ?? { name: '', key: '' };
    if (!/^[a-z0-9.-]+$/u.test(name) || !/^[-._a-zA-Z0-9]+$/u.test(key) || key === '..' || key === '.') {
      throw new InvalidFieldError(field, `secretKeyRef ${JSON.stringify({ name, key })} is not a valid Secret name and key`);
    }
    // The operator passes Secrets to runner pods as env vars; a mounted volume also works.
    const fromEnv = secretFromEnv(name, key, env);
    if (fromEnv !== undefined) return fromEnv;
    path = join(options.secretsDir ?? env.SLUICE_SECRETS_DIR ?? '/var/run/secrets/sluice', name, key);
  }
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/u, '');
  } catch (e) {
    throw new InvalidFieldError(field, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
