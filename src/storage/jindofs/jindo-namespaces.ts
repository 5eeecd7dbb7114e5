/**
 * Resolving `jfs://<namespace>/<path>` the way JindoFS does, from
 * `spec.storage.jindofs.namespaces` (JindoFS: `jfs.namespaces.<ns>.oss.uri`, `.mode`):
 *   cache mode → the object lives in OSS layout: jfs://test/a/b → <ossUri>/a/b
 *   block mode → opaque blocks only JindoFS reads; written through the jindofs-fuse mount:
 *                jfs://test/a/b → <fuseMountPath>/a/b
 */
import type { JindoNamespace } from '../../api/types.ts';

export interface ResolvedJindoPath {
  namespace: string;
  mode: 'cache' | 'block';
  /** Path inside the namespace, no leading slash ('' for its root). */
  relative: string;
  /** Where the namespace root lives in the backend: an oss:// URI or a local directory. */
  backendRoot: string;
  /** The backend path for `relative`. */
  backendPath: string;
}

import { StorageError } from '../errors.ts';

export class JindoFsError extends StorageError {
  constructor(message: string) {
    super(message);
    this.name = 'JindoFsError';
  }
}

export function namespaceField(ns: string): string {
  return `spec.storage.jindofs.namespaces.${ns}`;
}

/** The backend root of a namespace; throws naming the missing field. */
export function backendRootOf(ns: string, spec: JindoNamespace): string {
  if (spec.mode === 'cache') {
    if (!spec.ossUri) throw new JindoFsError(`${namespaceField(ns)}.ossUri is required for a cache-mode namespace (JindoFS jfs.namespaces.${ns}.oss.uri)`);
    return spec.ossUri.replace(/\/+$/, '');
  }
  if (spec.mode === 'block') {
    if (!spec.fuseMountPath) {
      throw new JindoFsError(`${namespaceField(ns)}.fuseMountPath is required for a block-mode namespace: block data is opaque and can only be written through a jindofs-fuse mount`);
    }
    return spec.fuseMountPath.replace(/\/+$/, '');
  }
  throw new JindoFsError(`${namespaceField(ns)}.mode must be cache or block; got ${JSON.stringify((spec as { mode: unknown }).mode)}`);
}

export function resolveJindoPath(uri: string, namespaces: Record<string, JindoNamespace>): ResolvedJindoPath {
  const m = /^jfs:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) throw new JindoFsError(`${JSON.stringify(uri)} is not a jfs:// URI (expected jfs://<namespace>/<path>)`);
  const namespace = m[1]!;
  const relative = (m[2] ?? '').replace(/\/+$/, '');
  const spec = namespaces[namespace];
  if (!spec) {
    const known = Object.keys(namespaces).sort();
    throw new JindoFsError(`${uri}: unknown JindoFS namespace ${JSON.stringify(namespace)}; spec.storage.jindofs.namespaces defines ${known.length > 0 ? known.join(', ') : 'none'}`);
  }
  const backendRoot = backendRootOf(namespace, spec);
  return { namespace, mode: spec.mode, relative, backendRoot, backendPath: relative === '' ? backendRoot : `${backendRoot}/${relative}` };
}
