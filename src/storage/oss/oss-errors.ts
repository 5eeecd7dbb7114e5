/**
 * One error type for the OSS backend. It carries only what is safe to show: the OSS error
 * code, HTTP status, request id and a message naming the oss:// path and the operation. It
 * never keeps ali-oss's error object (whose `params` hold request headers) and every
 * message passes through `redact`, so credentials cannot reach logs.
 */

import { StorageError } from '../errors.ts';
import { causeOfCode } from '../os-error.ts';

export class OssStorageError extends StorageError {
  /** OSS error code (NoSuchKey, FileAlreadyExists...) or a Sluice code. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, opts: { code?: string; status?: number; requestId?: string; retriable?: boolean } = {}) {
    // `retriable`: a retry may succeed (5xx, resets, timeouts)
    super(message, { retriable: opts.retriable ?? false });
    this.name = 'OssStorageError';
    this.code = opts.code;
    this.status = opts.status;
    this.requestId = opts.requestId;
  }
}

interface AliOssErrorShape {
  name?: string;
  code?: string;
  status?: number;
  requestId?: string;
  message?: string;
}

const NET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Whether an ali-oss error is worth retrying: 5xx, 429, network errors and timeouts, and
 * InvalidDigest (the body arrived other than its Content-MD5 says: sent again from the same
 * buffer, it arrives whole).
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof OssStorageError) return err.retriable;
  const e = (err ?? {}) as AliOssErrorShape;
  if (e.code === 'InvalidDigest') return true;
  if (typeof e.status === 'number') {
    if (e.status >= 500 || e.status === 429) return true;
    if (e.status === -1 || e.status === -2) return true;
    // A failure that carries a success status broke while the body streamed (reset mid-body).
    if (e.status >= 200 && e.status < 300) return true;
    if (e.status >= 400) return false;
  }
  if (e.code !== undefined && NET_CODES.has(e.code)) return true;
  return /Timeout|Socket|Connection|RequestError|ResponseError/i.test(e.name ?? '');
}

/** The OSS error code of an ali-oss (or our) error. */
export function ossCodeOf(err: unknown): string | undefined {
  return (err as AliOssErrorShape | undefined)?.code;
}

/** Replace every occurrence of each secret with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** Turn an ali-oss error into an OssStorageError naming the operation and path. */
export function wrapOssError(err: unknown, op: string, uri: string, secrets: readonly string[]): OssStorageError {
  if (err instanceof OssStorageError) return err;
  const e = (err ?? {}) as AliOssErrorShape;
  const detail = e.code !== undefined && NET_CODES.has(e.code) && !(typeof e.status === 'number' && e.status > 0)
    ? causeOfCode(e.code) // a network failure: no HTTP answer came
    : e.code !== undefined ? `${e.code}${e.status !== undefined && e.status > 0 ? ` (HTTP ${e.status})` : ''}` : (e.name ?? 'Error');
  const firstLine = (e.message ?? String(err)).split('\n')[0] ?? '';
  const message = redact(`OSS ${op} ${uri} failed: ${detail}: ${firstLine}${e.requestId ? ` [request id ${e.requestId}]` : ''}`, secrets);
  return new OssStorageError(message, { code: e.code, status: e.status, requestId: e.requestId, retriable: isRetriable(err) });
}
