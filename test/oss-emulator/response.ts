/** What a handler answers; the server turns it into bytes (and applies response-side faults). */
import type { IncomingMessage } from 'node:http';
import type { ObjectStore } from './object-store.ts';
import type { Route } from './routing.ts';

export interface OssResponse {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Stream this byte range (inclusive end) of a stored file as the body. */
  file?: { path: string; start: number; end: number };
}

export interface RequestContext {
  req: IncomingMessage;
  route: Route;
  store: ObjectStore;
  /** Reported as HostId / Location host. */
  host: string;
  /** A `corrupt` fault hit this request: flip a bit of its body as it arrives. */
  corruptBody?: boolean;
}

export function xmlResponse(body: string, status = 200, headers: Record<string, string | number> = {}): OssResponse {
  return { status, headers: { 'Content-Type': 'application/xml', ...headers }, body };
}

/** RFC 1123 date, as OSS writes Last-Modified. */
export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** x-oss-meta-* request headers, names lower-cased without the prefix. */
export function userMetaFrom(ctx: RequestContext): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.req.headers)) {
    if (k.startsWith('x-oss-meta-') && v !== undefined) meta[k.slice('x-oss-meta-'.length)] = Array.isArray(v) ? v.join(',') : v;
  }
  return meta;
}

export function forbidOverwrite(ctx: RequestContext): boolean {
  return (header(ctx, 'x-oss-forbid-overwrite') ?? '').toLowerCase() === 'true';
}
