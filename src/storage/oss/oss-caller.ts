/**
 * Every OSS request goes through `OssCaller.call`: it picks the bucket's ali-oss client,
 * retries retriable failures with backoff, and turns errors into redacted OssStorageErrors
 * that name the operation and the oss:// path.
 */
import type OSS from 'ali-oss';
import { createOssClient } from './oss-client.ts';
import type { OssClientSettings } from './oss-client.ts';
import type { OssKeys } from './credentials.ts';
import { wrapOssError } from './oss-errors.ts';
import { withRetry } from './retry.ts';
import type { RetryPolicy } from './retry.ts';

export class OssCaller {
  private readonly clients = new Map<string, OSS>();
  private readonly settings: OssClientSettings;
  private readonly keys: OssKeys;
  private readonly retry: RetryPolicy;
  private readonly secrets: string[];

  constructor(settings: OssClientSettings, keys: OssKeys, retry: RetryPolicy = {}) {
    this.settings = settings;
    this.keys = keys;
    this.retry = retry;
    this.secrets = [keys.accessKeySecret, ...(keys.securityToken ? [keys.securityToken] : [])];
  }

  client(bucket: string): OSS {
    let c = this.clients.get(bucket);
    if (!c) {
      c = createOssClient(this.settings, this.keys, bucket);
      this.clients.set(bucket, c);
    }
    return c;
  }

  /**
   * Run `fn` with retries. `fn` must be safe to repeat: bodies are Buffers, not streams.
   * The attempt number lets callers tell a first answer from one after a lost response.
   */
  async call<T>(op: string, bucket: string, uri: string, fn: (client: OSS, attempt: number) => Promise<T>): Promise<T> {
    const c = this.client(bucket);
    try {
      return await withRetry((attempt) => fn(c, attempt), this.retry);
    } catch (err) {
      throw wrapOssError(err, op, uri, this.secrets);
    }
  }

  redactionList(): readonly string[] {
    return this.secrets;
  }
}
