/**
 * A list+watch cache of one resource (client-go's Reflector + Store + SharedInformer, reduced)
 * that keeps itself alive. client-node 2.0.1's own informer re-lists on 410 and re-watches after
 * its 30 s idle TimeoutError, but stops for good on any other error (connection refused or reset,
 * 5xx, a failed list). This one, built on client-node's `Watch`:
 *   1. lists (the first success marks it synced), then watches from the list's resourceVersion
 *      with `allowWatchBookmarks` (bookmarks move the resourceVersion on quiet resources, so a
 *      re-watch rarely needs a re-list) and a server-side timeout of 5-10 min (as client-go);
 *   2. when a watch ends normally or idles out, watches again from the last resourceVersion;
 *   3. on 410 Gone (an expired resourceVersion) lists again and emits the difference;
 *   4. on any other error waits (exponential backoff with jitter, 0.5 s to 30 s) and retries,
 *      forever, until `stop()`.
 * `resync` handlers get every cached object every `resyncMs`: the controller re-enqueues them.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { httpStatus } from './errors.ts';

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** The part of client-node's `Watch` this uses (a fake in unit tests). */
export interface WatchLike {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController>;
}

export interface InformerOptions<T> {
  /** For logs and metrics: `ingestjobs`, `pods`. */
  name: string;
  /** Collection path, e.g. `/api/v1/namespaces/ns/pods`. */
  path: string;
  watch: WatchLike;
  /** Lists the collection (with the same label selector). */
  list: () => Promise<ListResult<T>>;
  labelSelector?: string;
  /** Re-deliver every cached object this often; 0 disables. @default 0 */
  resyncMs?: number;
  /** @default 500 */
  initialBackoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /** Server-side watch timeout. @default random in [300, 600) s */
  watchTimeoutSeconds?: () => number;
  log?: (line: string) => void;
  /** Applied to every object before it is cached (e.g. drop managedFields to save memory). */
  transform?: (obj: T) => T;
}

export type InformerEvent = 'add' | 'update' | 'delete' | 'resync';
type Handler<T> = (obj: T) => void;

function keyOf(o: KubernetesObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export class Informer<T extends KubernetesObject> {
  private readonly opts: InformerOptions<T>;
  private readonly store = new Map<string, T>();
  private readonly handlers: Record<InformerEvent, Handler<T>[]> = { add: [], update: [], delete: [], resync: [] };
  private resourceVersion = '';
  private stopped = true;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private controller: AbortController | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, errors: 0, relistsAfterGone: 0, bookmarks: 0 };

  constructor(opts: InformerOptions<T>) {
    this.opts = opts;
  }

  on(event: InformerEvent, handler: Handler<T>): void {
    this.handlers[event].push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.store.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Starts the list/watch loop in the background; resolves at once (see waitForSync). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
    if (this.opts.resyncMs) {
      this.resyncTimer = setInterval(() => this.emitAll('resync'), this.opts.resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.controller?.abort();
    this.wake?.();
    await this.loop;
  }

  private emit(event: InformerEvent, obj: T): void {
    for (const h of this.handlers[event]) {
      try {
        h(obj);
      } catch (err) {
        this.opts.log?.(`${this.opts.name} informer: ${event} handler threw: ${errorText(err)}`);
      }
    }
  }

  private emitAll(event: InformerEvent): void {
    for (const o of this.store.values()) this.emit(event, o);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  private async run(): Promise<void> {
    const initial = this.opts.initialBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 30_000;
    let delay = initial;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        const outcome = await this.watchOnce();
        if (outcome.events > 0) delay = initial;
        if (outcome.gone) {
          this.stats.relistsAfterGone++;
          this.opts.log?.(`${this.opts.name} informer: resourceVersion expired (410 Gone); listing again`);
          this.resourceVersion = '';
          continue;
        }
        if (outcome.err === undefined || outcome.timedOut) {
          // A normal end (server timeout) or client-node's idle timeout: watch again at once,
          // unless it ended straight away with nothing, which would spin.
          if (outcome.events > 0 || outcome.lastedMs > 1000) continue;
          throw new Error('watch closed immediately');
        }
        throw outcome.err;
      } catch (err) {
        if (this.stopped) break;
        this.stats.errors++;
        if (httpStatus(err) === 410) this.resourceVersion = '';
        const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
        this.opts.log?.(`${this.opts.name} informer: ${errorText(err)}; retrying in ${wait} ms`);
        await this.sleep(wait);
        delay = Math.min(max, delay * 2);
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const res = await this.opts.list();
    const seen = new Set<string>();
    for (const raw of res.items) {
      const item = this.opts.transform ? this.opts.transform(raw) : raw;
      const k = keyOf(item);
      seen.add(k);
      const old = this.store.get(k);
      this.store.set(k, item);
      if (!old) this.emit('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.emit('update', item);
    }
    for (const [k, old] of [...this.store]) {
      if (!seen.has(k)) {
        this.store.delete(k);
        this.emit('delete', old);
      }
    }
    this.resourceVersion = res.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private watchOnce(): Promise<{ err?: unknown; gone: boolean; timedOut: boolean; events: number; lastedMs: number }> {
    this.stats.watches++;
    const started = Date.now();
    let events = 0;
    let gone = false;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (err: unknown): void => {
        if (finished) return;
        finished = true;
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        resolve({ err: err ?? undefined, gone: gone || httpStatus(err) === 410, timedOut, events, lastedMs: Date.now() - started });
      };
      const timeout = this.opts.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: timeout,
        labelSelector: this.opts.labelSelector,
      };
      this.opts.watch.watch(this.opts.path, query, (phase, raw) => {
        const t = this.opts.transform;
        const obj = (t && (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') ? t(raw as T) : raw) as T & { code?: number };
        events++;
        switch (phase) {
          case 'ADDED':
          case 'MODIFIED': {
            const k = keyOf(obj);
            const had = this.store.has(k);
            this.store.set(k, obj);
            this.emit(had ? 'update' : 'add', obj);
            break;
          }
          case 'DELETED': {
            const k = keyOf(obj);
            this.store.delete(k);
            this.emit('delete', obj);
            break;
          }
          case 'BOOKMARK':
            this.stats.bookmarks++;
            break;
          case 'ERROR':
            // A Status object: 410 means our resourceVersion is too old for the watch cache.
            if (obj.code === 410) gone = true;
            else this.opts.log?.(`${this.opts.name} informer: watch error event ${JSON.stringify(raw)}`);
            return;
          default:
            return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      }, finish).then((c) => {
        this.controller = c;
        if (this.stopped) c.abort();
      }, finish);
    });
  }
}
