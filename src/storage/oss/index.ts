/**
 * @module storage/oss — the `oss://` backend. See README.md for how the parts fit.
 */
import type { OssStorage as OssStorageSpec } from '../../api/types.ts';
import { resolveOssKeys } from './credentials.ts';
import type { CredentialSources } from './credentials.ts';
import { OssStorage } from './oss-storage.ts';
import type { OssStorageOptions } from './oss-storage.ts';

export { OssStorage, MIN_PART_SIZE } from './oss-storage.ts';
export type { OssStorageOptions } from './oss-storage.ts';
export type { OssPendingFile } from './oss-part-writer.ts';
export { OssStorageError } from './oss-errors.ts';
export { parseOssUri, formatOssUri, refuseOssHdfsEndpoint } from './oss-location.ts';
export { resolveOssKeys } from './credentials.ts';
export type { OssKeys, CredentialSources } from './credentials.ts';

/**
 * Build the backend from an IngestJob's `spec.storage.oss` (or a JindoFS namespace, which
 * has the same fields). `field` names the spec location in errors.
 */
export function createOssStorage(spec: OssStorageSpec, opts: { field?: string; partSize?: number; sources?: CredentialSources; extra?: Partial<OssStorageOptions> } = {}): OssStorage {
  const field = opts.field ?? 'spec.storage.oss';
  const keys = resolveOssKeys(spec, field, opts.sources);
  return new OssStorage({
    endpoint: spec.endpoint,
    ...(spec.region !== undefined ? { region: spec.region } : {}),
    ...(spec.signatureVersion !== undefined ? { signatureVersion: spec.signatureVersion } : {}),
    ...(spec.pathStyle !== undefined ? { pathStyle: spec.pathStyle } : {}),
    ...(opts.partSize !== undefined ? { partSize: opts.partSize } : {}),
    ...opts.extra,
    keys,
  });
}
