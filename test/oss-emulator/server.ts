/**
 * The OSS emulator's HTTP server: `startOssEmulator(opts)` in-process, or `main.ts` standalone.
 *
 * Per request: give it a request id → control endpoint (`/_emulator/...`, unsigned, test-only)
 * or: route to bucket/key/operation → log and count it → pick a fault (`before` faults act
 * now) → verify the signature → run the handler → apply an `after`/`mid-body` fault or send
 * the response. Errors become OSS error XML (HEAD: no body, `x-oss-err` header with the
 * base64 XML, as OSS does).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { FaultInjector, validateFaultRule } from './faults.ts';
import type { ActiveFault, FaultRule } from './faults.ts';
import { OssError, errorXml } from './oss-error.ts';
import { ObjectStore } from './object-store.ts';
import { route } from './routing.ts';
import type { Operation, Route } from './routing.ts';
import { authenticate } from './signature.ts';
import type { OssResponse, RequestContext } from './response.ts';
import * as bucketOps from './bucket-handlers.ts';
import * as objectOps from './object-handlers.ts';
import * as multipartOps from './multipart-handlers.ts';

export interface OssEmulatorOptions {
  /** Directory that keeps buckets, objects and uploads across restarts. */
  dataDir: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Buckets created at start (if missing). */
  buckets?: string[];
  /** Accepted key pairs, accessKeyId → accessKeySecret. */
  credentials: Record<string, string>;
  /** Standard region V4 signatures must be scoped to. @default 'cn-hangzhou' */
  region?: string;
  /** How many requests the in-memory log keeps. @default 10000 */
  logLimit?: number;
  /** Clock for signature skew checks (tests). @default Date.now */
  now?: () => number;
}

/** One logged request. Never holds headers: they carry signatures. */
export interface RequestRecord {
  seq: number;
  requestId: string;
  method: string;
  operation: Operation;
  bucket: string;
  key: string;
  status: number;
  /** OSS error code if it failed. */
  code?: string;
  fault?: string;
}

export interface EmulatorStats {
  requests: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  faultsFired: number;
  openUploads: number;
}

export interface OssEmulator {
  /** `http://localhost:PORT`: use with ali-oss `sldEnable: true` (path style). */
  readonly endpoint: string;
  /** `http://127.0.0.1:PORT`: use with ali-oss without sldEnable (bucket in the Host header). */
  readonly ipEndpoint: string;
  readonly port: number;
  readonly region: string;
  readonly faults: FaultInjector;
  readonly store: ObjectStore;
  /** Most recent requests, oldest first. */
  requests(): RequestRecord[];
  stats(): EmulatorStats;
  /** Forget the request log and counters (not the faults). */
  resetStats(): void;
  close(): Promise<void>;
}

type Handler = (ctx: RequestContext) => OssResponse | Promise<OssResponse>;

const HANDLERS: Record<Operation, Handler | undefined> = {
  ListBuckets: bucketOps.listBuckets,
  PutBucket: bucketOps.putBucket,
  GetBucketInfo: bucketOps.getBucketInfo,
  DeleteBucket: undefined,
  ListObjects: bucketOps.listObjects,
  ListObjectsV2: bucketOps.listObjectsV2,
  ListMultipartUploads: bucketOps.listMultipartUploads,
  DeleteMultipleObjects: objectOps.deleteMultipleObjects,
  PutObject: objectOps.putObject,
  CopyObject: objectOps.copyObject,
  GetObject: objectOps.getObject,
  HeadObject: objectOps.headObject,
  GetObjectMeta: objectOps.getObjectMeta,
  DeleteObject: objectOps.deleteObject,
  InitiateMultipartUpload: multipartOps.initiateMultipartUpload,
  UploadPart: multipartOps.uploadPart,
  ListParts: multipartOps.listParts,
  CompleteMultipartUpload: multipartOps.completeMultipartUpload,
  AbortMultipartUpload: multipartOps.abortMultipartUpload,
  Unsupported: undefined,
};

const newRequestId = (): string => randomBytes(12).toString('hex').toUpperCase();

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

export async function startOssEmulator(opts: OssEmulatorOptions): Promise<OssEmulator> {
  const store = await ObjectStore.open(opts.dataDir);
  for (const b of opts.buckets ?? []) await store.createBucket(b);
  const region = opts.region ?? 'cn-hangzhou';
  const credentials = new Map(Object.entries(opts.credentials));
  const now = opts.now ?? Date.now;
  const logLimit = opts.logLimit ?? 10000;
  const faults = new FaultInjector();
  let log: RequestRecord[] = [];
  let seq = 0;
  let stats = { requests: 0, byOperation: {} as Record<string, number>, byStatus: {} as Record<string, number>, faultsFired: 0 };
  const sockets = new Set<Socket>();
  let hostId = '127.0.0.1';

  function record(r: RequestRecord): void {
    log.push(r);
    if (log.length > logLimit) log = log.slice(log.length - logLimit);
  }

  function finish(rec: RequestRecord, status: number, code?: string): void {
    rec.status = status;
    if (code !== undefined) rec.code = code;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  }

  function sendError(req: IncomingMessage, res: ServerResponse, rec: RequestRecord, err: OssError): void {
    const xml = errorXml(err, rec.requestId, hostId);
    finish(rec, err.status, err.code);
    req.resume();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(err.status, { 'x-oss-request-id': rec.requestId, 'x-oss-err': Buffer.from(xml).toString('base64'), 'Content-Length': 0 });
      res.end();
      return;
    }
    res.writeHead(err.status, { 'x-oss-request-id': rec.requestId, 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
    res.end(xml);
  }

  async function send(req: IncomingMessage, res: ServerResponse, rec: RequestRecord, r: OssResponse, fault?: ActiveFault): Promise<void> {
    finish(rec, r.status);
    const headers: Record<string, string | number> = { 'x-oss-request-id': rec.requestId, Server: 'AliyunOSS', ...(r.headers ?? {}) };
    if (r.file) {
      res.writeHead(r.status, headers);
      if (req.method === 'HEAD' || r.file.end < r.file.start) {
        res.end();
        return;
      }
      if (fault?.kind === 'reset' && fault.when === 'mid-body') {
        // Half the body, then the connection drops: the client sees a truncated stream.
        const half = r.file.start + Math.floor((r.file.end - r.file.start + 1) / 2);
        if (half > r.file.start) await pipeline(createReadStream(r.file.path, { start: r.file.start, end: half - 1 }), res, { end: false });
        res.socket?.destroy();
        return;
      }
      await pipeline(createReadStream(r.file.path, { start: r.file.start, end: r.file.end }), res);
      return;
    }
    const body = r.body ?? '';
    // A HEAD answer describes the object (its size), not the empty body that follows.
    if (req.method !== 'HEAD' || headers['Content-Length'] === undefined) headers['Content-Length'] = Buffer.byteLength(body);
    res.writeHead(r.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Apply a fault; true if the request is finished (no further handling). */
  async function applyFault(req: IncomingMessage, res: ServerResponse, rec: RequestRecord, f: ActiveFault): Promise<boolean> {
    stats.faultsFired++;
    rec.fault = f.kind;
    switch (f.kind) {
      case 'slow':
        await new Promise((r) => setTimeout(r, f.delayMs ?? 0));
        return false;
      case 'error':
        sendError(req, res, rec, new OssError(f.code ?? 'InternalError'));
        return true;
      case 'reset':
        finish(rec, 0, 'ConnectionReset');
        req.socket.destroy();
        return true;
      case 'stall':
        finish(rec, 0, 'Stalled');
        req.resume();
        if (f.delayMs !== undefined) setTimeout(() => req.socket.destroy(), f.delayMs).unref();
        return true;
      case 'corrupt':
        return false; // the handler receives the body with a bit flipped (RequestContext.corruptBody)
    }
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (path === '/_emulator/faults') {
        if (req.method === 'GET') return sendJson(res, 200, faults.list());
        if (req.method === 'DELETE') {
          faults.clear();
          return sendJson(res, 200, { cleared: true });
        }
        if (req.method === 'POST') {
          const body = await readJson(req) as { rules?: unknown[] };
          const rules = Array.isArray(body.rules) ? body.rules : [body];
          const checked = rules.map(validateFaultRule);
          return sendJson(res, 200, { ids: checked.map((r: FaultRule) => faults.add(r)) });
        }
      }
      if (path === '/_emulator/stats' && req.method === 'GET') return sendJson(res, 200, emulator.stats());
      if (path === '/_emulator/requests') {
        if (req.method === 'GET') return sendJson(res, 200, log);
        if (req.method === 'DELETE') {
          emulator.resetStats();
          return sendJson(res, 200, { cleared: true });
        }
      }
      sendJson(res, 404, { error: `no control endpoint ${req.method} ${path}` });
    } catch (err) {
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (url.startsWith('/_emulator/')) return control(req, res, url.replace(/\?.*$/, ''));
    const requestId = newRequestId();
    let r: Route;
    try {
      r = route(req.method ?? 'GET', url, req.headers);
    } catch {
      r = { bucket: '', key: '', query: [], params: new Map(), operation: 'Unsupported' };
    }
    const rec: RequestRecord = { seq: ++seq, requestId, method: req.method ?? '', operation: r.operation, bucket: r.bucket, key: r.key, status: 0 };
    record(rec);
    stats.requests++;
    stats.byOperation[r.operation] = (stats.byOperation[r.operation] ?? 0) + 1;
    const fault = faults.pick(r.operation, r.key);
    const when = fault?.when ?? 'before';
    try {
      if (fault && (when === 'before' || fault.kind === 'slow' || fault.kind === 'stall')) {
        if (await applyFault(req, res, rec, fault)) return;
      }
      authenticate({ method: req.method ?? 'GET', headers: req.headers, bucket: r.bucket, key: r.key, query: r.query }, { credentials, region, now });
      const handler = HANDLERS[r.operation];
      if (!handler) throw new OssError('NotImplemented', `The emulator does not implement ${req.method} on this resource.`);
      if (r.bucket !== '' && r.operation !== 'PutBucket' && r.operation !== 'ListBuckets' && !store.hasBucket(r.bucket)) {
        throw new OssError('NoSuchBucket', undefined, { BucketName: r.bucket });
      }
      const out = await handler({ req, route: r, store, host: hostId, corruptBody: fault?.kind === 'corrupt' });
      if (fault && when !== 'before' && fault.kind !== 'slow' && fault.kind !== 'stall') {
        if (fault.kind === 'reset' && when === 'mid-body' && out.file) {
          stats.faultsFired++;
          rec.fault = 'reset';
          await send(req, res, rec, out, fault);
          return;
        }
        if (await applyFault(req, res, rec, fault)) return;
      }
      await send(req, res, rec, out);
    } catch (err) {
      if (err instanceof OssError) {
        sendError(req, res, rec, err);
      } else if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        finish(rec, 0, 'ClientClosed');
      } else {
        process.stderr.write(`oss-emulator: ${req.method} ${r.bucket}/${r.key} failed: ${(err as Error).stack ?? String(err)}\n`);
        sendError(req, res, rec, new OssError('InternalError'));
      }
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hostId = `localhost:${port}`;

  const emulator: OssEmulator = {
    endpoint: `http://localhost:${port}`,
    ipEndpoint: `http://127.0.0.1:${port}`,
    port,
    region,
    faults,
    store,
    requests: () => log.map((x) => ({ ...x })),
    stats: () => ({ ...stats, byOperation: { ...stats.byOperation }, byStatus: { ...stats.byStatus }, openUploads: store.uploadCount() }),
    resetStats: () => {
      log = [];
      stats = { requests: 0, byOperation: {}, byStatus: {}, faultsFired: 0 };
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return emulator;
}
