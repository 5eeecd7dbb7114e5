/**
 * Which backend serves a path: `file://` or a plain path → local; `hdfs://`, `webhdfs://` →
 * HDFS over WebHDFS; `oss://` → OSS; `jfs://` → JindoFS (cache mode on OSS, block mode on a
 * jindofs-fuse mount). Backends register a factory for their schemes; one instance per
 * scheme+authority is shared by the sink, the source and the checkpoint store.
 */
import type { StorageSpec } from '../api/types.ts';
import { SluiceError } from '../errors.ts';
import { LocalStorage } from './local/local-storage.ts';
import type { Storage } from './types.ts';

export interface StorageContext {
  spec: StorageSpec;
  /** Secret lookup: name → key → value (env-mounted Secrets on Kubernetes, or files locally). */
  secret?(name: string, key: string): string | undefined;
  /** Multipart part size for object stores (`spec.sink.uploadPartSize`, bytes). */
  partSize?: number;
}

export type StorageFactory = (uri: URL, ctx: StorageContext) => Storage;

const factories = new Map<string, StorageFactory>();

export function registerStorage(scheme: string, factory: StorageFactory): void {
  factories.set(scheme, factory);
}

export function schemeOf(path: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path);
  return m ? m[1]!.toLowerCase() : 'file';
}

export class StorageResolver {
  private readonly ctx: StorageContext;
  private readonly cache = new Map<string, Storage>();
  private local: LocalStorage | null = null;

  constructor(ctx: StorageContext) {
    this.ctx = ctx;
  }

  /** The Storage for `path`; the same instance for the same scheme and authority. */
  for(path: string): Storage {
    const scheme = schemeOf(path);
    if (scheme === 'file') return (this.local ??= new LocalStorage());
    const url = new URL(path);
    const key = `${scheme}://${url.host}`;
    let s = this.cache.get(key);
    if (s === undefined) {
      const f = factories.get(scheme);
      if (f === undefined) {
        throw new SluiceError(`unsupported storage scheme '${scheme}://' in ${path} (known: file://, ${[...factories.keys()].map((k) => k + '://').join(', ')})`);
      }
      s = f(url, this.ctx);
      this.cache.set(key, s);
    }
    return s;
  }

  async close(): Promise<void> {
    for (const s of this.cache.values()) await s.close();
  }
}
