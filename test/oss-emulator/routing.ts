/**
 * From an HTTP request to an OSS operation: which bucket and key it addresses and which API
 * it calls. OSS tells operations apart by method plus sub-resource (`?uploads`, `?uploadId=`,
 * `?delete`, `list-type=2`...), and the bucket by the Host header (virtual-hosted style,
 * the only one real OSS accepts) or, for emulators, by the first path segment (path style).
 *
 * Host resolution, matching what ali-oss sends:
 *   - `http://localhost:PORT` + `sldEnable: true` → Host `localhost:PORT`, path `/bucket/key`
 *     (path style).
 *   - `http://127.0.0.1:PORT` without sldEnable → ali-oss sends Host `bucket.<region>.aliyuncs.com`
 *     and path `/key`: the bucket comes from the Host header (virtual-hosted style).
 *   Do not combine an IP endpoint with sldEnable: ali-oss then names the bucket in both places.
 */
import { isIP } from 'node:net';

export type Operation =
  | 'ListBuckets' | 'PutBucket' | 'GetBucketInfo' | 'DeleteBucket'
  | 'ListObjects' | 'ListObjectsV2' | 'ListMultipartUploads' | 'DeleteMultipleObjects'
  | 'PutObject' | 'CopyObject' | 'GetObject' | 'HeadObject' | 'GetObjectMeta' | 'DeleteObject'
  | 'InitiateMultipartUpload' | 'UploadPart' | 'ListParts' | 'CompleteMultipartUpload' | 'AbortMultipartUpload'
  | 'Unsupported';

export interface Route {
  bucket: string;
  key: string;
  /** Decoded query parameters in arrival order. */
  query: [string, string][];
  params: Map<string, string>;
  operation: Operation;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parse `a=1&b&c=` without treating `+` as a space (OSS does not). */
export function parseQuery(search: string): [string, string][] {
  if (search === '') return [];
  return search.split('&').filter((p) => p !== '').map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, i)), safeDecode(p.slice(i + 1))];
  });
}

function bucketFromHost(host: string): string | undefined {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (isIP(name) !== 0 || name === 'localhost') return undefined;
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  return name.slice(0, dot);
}

function classify(method: string, bucket: string, key: string, params: Map<string, string>, headers: Record<string, unknown>): Operation {
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : 'Unsupported';
  if (key === '') {
    switch (method) {
      case 'GET':
        if (params.has('uploads')) return 'ListMultipartUploads';
        if (params.has('bucketInfo')) return 'GetBucketInfo';
        return params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'PUT': return params.size === 0 ? 'PutBucket' : 'Unsupported';
      case 'POST': return params.has('delete') ? 'DeleteMultipleObjects' : 'Unsupported';
      case 'DELETE': return params.size === 0 ? 'DeleteBucket' : 'Unsupported';
      default: return 'Unsupported';
    }
  }
  switch (method) {
    case 'PUT':
      if (params.has('uploadId') && params.has('partNumber')) return 'UploadPart';
      if (headers['x-oss-copy-source'] !== undefined) return 'CopyObject';
      return 'PutObject';
    case 'GET':
      if (params.has('uploadId')) return 'ListParts';
      if (params.has('objectMeta')) return 'GetObjectMeta';
      return 'GetObject';
    case 'HEAD': return params.has('objectMeta') ? 'GetObjectMeta' : 'HeadObject';
    case 'DELETE': return params.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (params.has('uploads')) return 'InitiateMultipartUpload';
      if (params.has('uploadId')) return 'CompleteMultipartUpload';
      return 'Unsupported';
    default: return 'Unsupported';
  }
}

export function route(method: string, rawUrl: string, headers: Record<string, unknown>): Route {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = parseQuery(q < 0 ? '' : rawUrl.slice(q + 1));
  const params = new Map(query);
  const path = safeDecode(rawPath);
  const hostBucket = bucketFromHost(typeof headers.host === 'string' ? headers.host : '');
  let bucket: string;
  let key: string;
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    key = path.replace(/^\//, '');
  } else {
    const rest = path.replace(/^\//, '');
    const slash = rest.indexOf('/');
    bucket = slash < 0 ? rest : rest.slice(0, slash);
    key = slash < 0 ? '' : rest.slice(slash + 1);
  }
  return { bucket, key, query, params, operation: classify(method, bucket, key, params, headers) };
}
