/**
 * @module storage/jindofs — the `jfs://` backend. See README.md and docs/jindofs.md.
 */
import type { JindoNamespace } from '../../api/types.ts';
import type { Storage } from '../types.ts';
import { createOssStorage } from '../oss/index.ts';
import type { CredentialSources } from '../oss/index.ts';
import { JindoFsError } from './jindo-namespaces.ts';
import { JindoFsStorage } from './jindofs-storage.ts';

export { JindoFsStorage } from './jindofs-storage.ts';
export type { JindoFsBackends } from './jindofs-storage.ts';
export { resolveJindoPath, JindoFsError } from './jindo-namespaces.ts';
export type { ResolvedJindoPath } from './jindo-namespaces.ts';

/**
 * A jfs:// Storage for `spec.storage.jindofs.namespaces`. Cache-mode namespaces get an
 * OssStorage built from the namespace's endpoint/region/credentials; block-mode namespaces
 * use `localStorage` (the local-disk backend) at their jindofs-fuse mount path.
 */
export function createJindoFsStorage(
  namespaces: Record<string, JindoNamespace>,
  opts: { localStorage?: () => Storage; partSize?: number; sources?: CredentialSources } = {},
): JindoFsStorage {
  return new JindoFsStorage(namespaces, {
    oss: (spec, field) => {
      if (!spec.endpoint) throw new JindoFsError(`${field}.endpoint is required for a cache-mode namespace (the OSS endpoint of ${spec.ossUri ?? 'its bucket'})`);
      return createOssStorage({ ...spec, endpoint: spec.endpoint }, { field, ...(opts.partSize !== undefined ? { partSize: opts.partSize } : {}), ...(opts.sources ? { sources: opts.sources } : {}) });
    },
    local: () => {
      if (!opts.localStorage) throw new JindoFsError('a block-mode JindoFS namespace needs the local-disk storage backend, which was not provided');
      return opts.localStorage();
    },
  });
}
