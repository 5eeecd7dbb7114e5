/**
 * Hand-made signed requests for what ali-oss cannot send (wrong part order, raw HEAD
 * bodies, error XML shape). Signs with ali-oss's own V1 signer, so these tests check the
 * emulator against the client's implementation rather than against itself.
 */
import { request } from 'node:http';
import { createRequire } from 'node:module';
import type { OssEmulator } from './server.ts';

interface SignUtils {
  buildCanonicalString(method: string, resource: string, req: { headers: Record<string, string>; parameters?: Record<string, string> | string }): string;
  authorization(id: string, secret: string, canonical: string): string;
}
const signUtils = createRequire(import.meta.url)('ali-oss/lib/common/signUtils.js') as SignUtils;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method: string;
  bucket: string;
  key?: string;
  /** Sub-resources (signed) and plain query parameters, in URL order. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  keyId: string;
  secret: string;
  /** Sign these sub-resources instead of `query` (to test tampering). */
  signQuery?: Record<string, string>;
}

/** Send a V1-signed path-style request and collect the whole response. */
export function rawRequest(emulator: OssEmulator, r: RawRequest): Promise<RawResponse> {
  const key = r.key ?? '';
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const headers: Record<string, string> = { 'x-oss-date': new Date().toUTCString(), ...(r.headers ?? {}) };
  if (body) headers['content-length'] = String(body.length);
  const query = r.query ?? {};
  const subres = r.signQuery ?? query;
  const canonical = signUtils.buildCanonicalString(r.method, `/${r.bucket}/${key}`, { headers, parameters: subres });
  headers.authorization = signUtils.authorization(r.keyId, r.secret, canonical);
  const qs = Object.entries(query).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  const path = `/${r.bucket}/${key.split('/').map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: emulator.port, method: r.method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
