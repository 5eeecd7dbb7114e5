/**
 * Request authentication the way OSS does it, so a client that signs wrongly fails here
 * exactly as it would against the real service.
 *
 * V1 (`Authorization: OSS <AccessKeyId>:<Signature>`):
 *   Signature = base64(HMAC-SHA1(secret, VERB \n Content-MD5 \n Content-Type \n Date \n
 *               CanonicalizedOSSHeaders CanonicalizedResource))
 *   - Date is `x-oss-date` when present (ali-oss sends only that), else `Date`.
 *   - CanonicalizedOSSHeaders: every `x-oss-*` header, lower-cased, sorted, `name:trimmed-value\n`.
 *   - CanonicalizedResource: `/bucket/key` (`/bucket/` for bucket operations, `/` for the
 *     service) plus the sub-resources present in the query (only names OSS treats as
 *     sub-resources: `uploads`, `uploadId`, `partNumber`, `continuation-token`, ...), sorted,
 *     `?a&b=v`, values not URL-encoded. Plain query parameters (`prefix`, `max-keys`) are not signed.
 *
 * V4 (`Authorization: OSS4-HMAC-SHA256 Credential=<id>/<yyyymmdd>/<region>/oss/aliyun_v4_request,
 *     AdditionalHeaders=<h1;h2>,Signature=<hex>`):
 *   CanonicalRequest = VERB \n URI-encoded `/bucket/key` (slashes kept) \n sorted, URI-encoded
 *     query (every parameter; a parameter without value is the bare name) \n canonical headers
 *     (content-type, content-md5, x-oss-*, and the AdditionalHeaders; `name:trimmed\n`) \n
 *     AdditionalHeaders \n x-oss-content-sha256 (normally `UNSIGNED-PAYLOAD`)
 *   StringToSign = `OSS4-HMAC-SHA256` \n x-oss-date \n scope \n hex(SHA256(CanonicalRequest))
 *   key = HMAC chain over `aliyun_v4`+secret → date → region → `oss` → `aliyun_v4_request`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { OssError } from './oss-error.ts';

/** Query parameters OSS treats as sub-resources in V1 signatures (from the OSS SDKs' lists). */
const SUB_RESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style',
  'styleName', 'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp',
  'qos', 'live', 'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId',
  'udfImageDesc', 'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'stat',
  'encryption', 'versions', 'versioning', 'versionId', 'policy', 'requestPayment', 'x-oss-traffic-limit',
  'qosInfo', 'asyncFetch', 'x-oss-request-payer', 'sequential', 'inventory', 'inventoryId',
  'continuation-token', 'worm', 'wormId', 'wormExtend', 'transferAcceleration', 'metaQuery', 'objectInfo',
]);

/** How far a request's date may be from the server clock (OSS: 15 minutes). */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** '' for service-level requests. */
  bucket: string;
  /** '' for bucket-level requests. Decoded. */
  key: string;
  /** Decoded query parameters in arrival order. */
  query: [string, string][];
}

export interface AuthConfig {
  /** accessKeyId → accessKeySecret. */
  credentials: ReadonlyMap<string, string>;
  /** Standard region name (`cn-hangzhou`) V4 scopes must name. */
  region: string;
  now(): number;
}

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkSkew(dateText: string, now: number): void {
  const t = Date.parse(dateText);
  if (Number.isNaN(t)) throw new OssError('AccessDenied', `Invalid date format of the request: ${JSON.stringify(dateText)}.`);
  if (Math.abs(now - t) > MAX_SKEW_MS) {
    throw new OssError('RequestTimeTooSkewed', undefined, { RequestTime: dateText, ServerTime: new Date(now).toISOString() });
  }
}

function lookupSecret(cfg: AuthConfig, accessKeyId: string): string {
  const secret = cfg.credentials.get(accessKeyId);
  if (secret === undefined) throw new OssError('InvalidAccessKeyId', undefined, { OSSAccessKeyId: accessKeyId });
  return secret;
}

function ossHeaderLines(h: IncomingHttpHeaders): string[] {
  return Object.keys(h)
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${header(h, k).trim()}`);
}

export function v1StringToSign(req: SignedRequest): string {
  const h = req.headers;
  const date = h['x-oss-date'] !== undefined ? header(h, 'x-oss-date') : header(h, 'date');
  let resource = req.bucket === '' ? '/' : `/${req.bucket}/${req.key}`;
  const subs = req.query.filter(([k]) => SUB_RESOURCES.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (subs.length > 0) resource += '?' + subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  return [req.method, header(h, 'content-md5'), header(h, 'content-type'), date, ...ossHeaderLines(h), resource].join('\n');
}

function verifyV1(req: SignedRequest, auth: string, cfg: AuthConfig): string {
  const m = /^OSS ([^:\s]+):(\S+)$/.exec(auth);
  if (!m) throw new OssError('InvalidArgument', 'Authorization header is invalid.', { Authorization: auth.replace(/:.*/, ':…') });
  const [, accessKeyId = '', provided = ''] = m;
  const secret = lookupSecret(cfg, accessKeyId);
  const date = header(req.headers, 'x-oss-date') || header(req.headers, 'date');
  if (date === '') throw new OssError('AccessDenied', 'Missing Date or x-oss-date header.');
  checkSkew(date, cfg.now());
  const stringToSign = v1StringToSign(req);
  const expected = createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
  if (!safeEqual(expected, provided)) {
    throw new OssError('SignatureDoesNotMatch', undefined, { StringToSign: stringToSign, SignatureProvided: provided, OSSAccessKeyId: accessKeyId });
  }
  return accessKeyId;
}

/** RFC 3986 encoding as OSS V4 uses it (also `!'()*`). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(query: [string, string][], emptyAsBareName: boolean): string {
  return query
    .map(([k, v]) => [uriEncode(k), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' && emptyAsBareName ? k : `${k}=${uriEncode(v)}`))
    .join('&');
}

export function v4CanonicalRequest(req: SignedRequest, additional: string[], emptyAsBareName = true): string {
  const h = req.headers;
  const uri = uriEncode(req.bucket === '' ? '/' : `/${req.bucket}/${req.key}`).replace(/%2F/g, '/');
  const names = new Set(additional);
  for (const k of Object.keys(h)) if (k === 'content-type' || k === 'content-md5' || k.startsWith('x-oss-')) names.add(k);
  const headers = [...names].sort().map((k) => `${k}:${header(h, k).trim()}\n`).join('');
  return [req.method, uri, canonicalQuery(req.query, emptyAsBareName), headers, additional.join(';'), header(h, 'x-oss-content-sha256')].join('\n');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function verifyV4(req: SignedRequest, auth: string, cfg: AuthConfig): string {
  const fields = new Map<string, string>();
  for (const part of auth.slice('OSS4-HMAC-SHA256'.length).split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = fields.get('Credential') ?? '';
  const provided = fields.get('Signature') ?? '';
  const [accessKeyId = '', day = '', region = '', product = '', terminator = ''] = credential.split('/');
  if (!accessKeyId || !day || terminator !== 'aliyun_v4_request' || provided === '') {
    throw new OssError('InvalidArgument', 'Authorization header is invalid: Credential and Signature are required.');
  }
  const secret = lookupSecret(cfg, accessKeyId);
  const date = header(req.headers, 'x-oss-date');
  if (!/^\d{8}T\d{6}Z$/.test(date)) throw new OssError('AccessDenied', 'x-oss-date header is missing or not in ISO8601 basic format.');
  if (header(req.headers, 'x-oss-content-sha256') === '') throw new OssError('InvalidArgument', 'x-oss-content-sha256 header is required for V4 signatures.');
  checkSkew(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`, cfg.now());
  if (day !== date.slice(0, 8)) throw new OssError('SignatureDoesNotMatch', 'Invalid signing date in Authorization header.');
  if (region !== cfg.region) throw new OssError('SignatureDoesNotMatch', `Invalid signing region in Authorization header: ${region}, expected ${cfg.region}.`);
  if (product !== 'oss') throw new OssError('SignatureDoesNotMatch', 'Invalid signing product in Authorization header.');
  const additional = (fields.get('AdditionalHeaders') ?? '').split(';').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  for (const a of additional) if (req.headers[a] === undefined) throw new OssError('AccessDenied', `Additional header ${a} is not in the request.`);
  const key = hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, day), region), product), 'aliyun_v4_request');
  const scope = `${day}/${region}/${product}/aliyun_v4_request`;
  // A parameter with an empty value is signed as `name` by some clients and `name=` by others
  // (ali-oss: bare for sub-resources, `name=` for an empty query value); accept either.
  const variants = req.query.some(([, v]) => v === '') ? [true, false] : [true];
  let first: { stringToSign: string; canonical: string } | undefined;
  for (const bare of variants) {
    const canonical = v4CanonicalRequest(req, additional, bare);
    const stringToSign = ['OSS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    first ??= { stringToSign, canonical };
    if (safeEqual(createHmac('sha256', key).update(stringToSign).digest('hex'), provided)) return accessKeyId;
  }
  throw new OssError('SignatureDoesNotMatch', undefined, {
    StringToSign: first?.stringToSign ?? '', CanonicalRequest: first?.canonical ?? '', SignatureProvided: provided, OSSAccessKeyId: accessKeyId,
  });
}

/** Verify a request's Authorization header; returns the AccessKeyId or throws the OSS error. */
export function authenticate(req: SignedRequest, cfg: AuthConfig): string {
  const auth = header(req.headers, 'authorization');
  if (auth === '') throw new OssError('AccessDenied', 'AccessDenied: anonymous access is not allowed on this bucket.');
  if (auth.startsWith('OSS4-HMAC-SHA256')) return verifyV4(req, auth, cfg);
  if (auth.startsWith('OSS ')) return verifyV1(req, auth, cfg);
  throw new OssError('InvalidArgument', 'Authorization header is invalid: unknown signature method.');
}
