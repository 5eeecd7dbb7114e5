/**
 * The `jfs://` Storage: routes each path to its namespace's backend (OssStorage for cache
 * mode, a local-disk Storage at the jindofs-fuse mount for block mode) and translates paths
 * both ways, so PendingFiles, list entries and orphans all speak jfs:// to the sink.
 *
 * Backends are created lazily, once per namespace, by the factories passed in: this module
 * depends only on the Storage interface, not on the local backend's implementation.
 */
import type { JindoNamespace } from '../../api/types.ts';
import { stageFile } from '../staged.ts';
import type { Entry, FileVersion, PartWriter, PendingFile, PreparedOpen, StagedFile, Storage, StorageCapabilities } from '../types.ts';
import { JindoFsError, backendRootOf, namespaceField, resolveJindoPath } from './jindo-namespaces.ts';
import type { ResolvedJindoPath } from './jindo-namespaces.ts';

export interface JindoFsBackends {
  /** Storage for a cache-mode namespace (oss:// paths). `field` names the namespace in errors. */
  oss(spec: JindoNamespace, field: string): Storage;
  /** Storage for local paths (block mode, under the jindofs-fuse mount). */
  local(): Storage;
}

/** The backend's preparation, for the backend path. */
interface JindoPreparedOpen extends PreparedOpen {
  inner: PreparedOpen | undefined;
}

export class JindoFsStorage implements Storage {
  private readonly namespaces: Record<string, JindoNamespace>;
  private readonly backends: JindoFsBackends;
  private readonly created = new Map<string, Storage>();
  private local: Storage | undefined;

  constructor(namespaces: Record<string, JindoNamespace>, backends: JindoFsBackends) {
    this.namespaces = namespaces;
    this.backends = backends;
    // Check every namespace up front, so a bad spec fails at start, naming the field.
    for (const [ns, spec] of Object.entries(namespaces)) backendRootOf(ns, spec);
  }

  /** Capabilities differ by namespace (OSS vs local); report the weaker, object-store ones. */
  get capabilities(): StorageCapabilities {
    return { atomicRename: false, hiddenTempFiles: false, concurrency: 32 };
  }

  /** The Storage and translated path for a jfs:// path. */
  resolve(uri: string): { storage: Storage; path: ResolvedJindoPath } {
    const path = resolveJindoPath(uri, this.namespaces);
    if (path.mode === 'block') {
      this.local ??= this.backends.local();
      return { storage: this.local, path };
    }
    let s = this.created.get(path.namespace);
    if (!s) {
      s = this.backends.oss(this.namespaces[path.namespace]!, namespaceField(path.namespace));
      this.created.set(path.namespace, s);
    }
    return { storage: s, path };
  }

  private toJfs(r: ResolvedJindoPath, backendPath: string): string {
    if (backendPath !== r.backendRoot && !backendPath.startsWith(`${r.backendRoot}/`)) {
      throw new JindoFsError(`backend path ${backendPath} is outside namespace ${r.namespace} (${r.backendRoot})`);
    }
    return `jfs://${r.namespace}${backendPath.slice(r.backendRoot.length)}`;
  }

  private pendingIn(p: PendingFile): { storage: Storage; pending: PendingFile; r: ResolvedJindoPath } {
    const { storage, path } = this.resolve(p.target);
    return { storage, pending: { ...p, target: path.backendPath }, r: path };
  }

  async prepareOpen(target: string): Promise<PreparedOpen> {
    const { storage, path } = this.resolve(target);
    const prepared: JindoPreparedOpen = { target, inner: await storage.prepareOpen?.(path.backendPath) };
    return prepared;
  }

  async open(target: string, prepared?: PreparedOpen): Promise<PartWriter> {
    const { storage, path } = this.resolve(target);
    const inner = prepared?.target === target ? (prepared as JindoPreparedOpen).inner : undefined;
    const w = await storage.open(path.backendPath, inner);
    const seal = w.seal?.bind(w);
    return {
      get bytes() {
        return w.bytes;
      },
      get bufferedBytes() {
        return w.bufferedBytes;
      },
      write: (chunk) => w.write(chunk),
      closeForCommit: async () => ({ ...(await w.closeForCommit()), target }),
      ...(seal === undefined ? {} : {
        seal: async () => {
          const s = await seal();
          return { pending: { ...s.pending, target }, durable: s.durable };
        },
      }),
      abort: () => w.abort(),
    };
  }

  async commit(p: PendingFile): Promise<void> {
    const { storage, pending } = this.pendingIn(p);
    return storage.commit(pending);
  }

  async commitAfterRecovery(p: PendingFile): Promise<void> {
    const { storage, pending } = this.pendingIn(p);
    return storage.commitAfterRecovery(pending);
  }

  async abortPending(p: PendingFile): Promise<void> {
    const { storage, pending } = this.pendingIn(p);
    return storage.abortPending(pending);
  }

  async listUncommitted(root: string, namePrefix: string): Promise<PendingFile[]> {
    const { storage, path } = this.resolve(root);
    return (await storage.listUncommitted(path.backendPath, namePrefix)).map((p) => ({ ...p, target: this.toJfs(path, p.target) }));
  }

  async createIfAbsent(p: string, data: Uint8Array): Promise<boolean> {
    const { storage, path } = this.resolve(p);
    return storage.createIfAbsent(path.backendPath, data);
  }

  async put(p: string, data: Uint8Array): Promise<void> {
    const { storage, path } = this.resolve(p);
    return storage.put(path.backendPath, data);
  }

  async stage(p: string, data: Uint8Array): Promise<StagedFile> {
    const { storage, path } = this.resolve(p);
    return stageFile(storage, path.backendPath, data);
  }

  async list(dir: string): Promise<Entry[]> {
    const { storage, path } = this.resolve(dir);
    return (await storage.list(path.backendPath)).map((e) => ({ ...e, path: this.toJfs(path, e.path) }));
  }

  async read(p: string): Promise<Uint8Array | null> {
    const { storage, path } = this.resolve(p);
    return storage.read(path.backendPath);
  }

  async *readStream(p: string, offset?: number): AsyncIterable<Uint8Array> {
    const { storage, path } = this.resolve(p);
    yield* storage.readStream(path.backendPath, offset);
  }

  async stat(p: string): Promise<(FileVersion & { isDirectory: boolean }) | null> {
    const { storage, path } = this.resolve(p);
    return storage.stat(path.backendPath);
  }

  async delete(p: string): Promise<void> {
    const { storage, path } = this.resolve(p);
    return storage.delete(path.backendPath);
  }

  join(dir: string, ...names: string[]): string {
    return [dir.replace(/\/+$/, ''), ...names.map((n) => n.replace(/^\/+|\/+$/g, ''))].filter((s) => s !== '').join('/');
  }

  async close(): Promise<void> {
    for (const s of this.created.values()) await s.close();
    if (this.local) await this.local.close();
  }
}
