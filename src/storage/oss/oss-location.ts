/**
 * `oss://bucket/key` URIs, and the one kind of OSS path Sluice must never write: OSS-HDFS.
 *
 * JindoSDK's OSS-HDFS service serves `oss://<bucket>.<region>.oss-dls.aliyuncs.com/...` and
 * keeps its file blocks under `.dlsdata/` in the bucket. Writing those with the plain OSS API
 * corrupts the HDFS namespace, so such paths and endpoints are refused with a message
 * saying why and what to use instead.
 */
import { OssStorageError } from './oss-errors.ts';

export interface OssLocation {
  bucket: string;
  /** Object key without a leading slash; '' for the bucket root. */
  key: string;
}

const DLS_HOST = /\.oss-dls\.aliyuncs\.com$/i;

function dlsError(what: string): OssStorageError {
  return new OssStorageError(
    `${what} is an OSS-HDFS (JindoFS service, oss-dls) location: its data lives in .dlsdata/ blocks that only JindoSDK may write, ` +
      'and the plain OSS API Sluice uses would corrupt it. Write to a plain OSS bucket (oss://bucket/path with the normal ' +
      'oss-<region>.aliyuncs.com endpoint) or a jfs:// cache-mode namespace instead.',
    { code: 'OssHdfsRefused' },
  );
}

/** Throw if an endpoint is an OSS-HDFS one. */
export function refuseOssHdfsEndpoint(endpoint: string, field: string): void {
  const host = endpoint.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '');
  if (DLS_HOST.test(host)) throw dlsError(`${field} ${JSON.stringify(endpoint)}`);
}

export function parseOssUri(uri: string): OssLocation {
  const m = /^oss:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) throw new OssStorageError(`${JSON.stringify(uri)} is not an oss:// URI (expected oss://bucket/key)`, { code: 'InvalidUri' });
  const authority = m[1]!;
  const key = (m[2] ?? '').replace(/\/+$/, '');
  if (DLS_HOST.test(authority)) throw dlsError(uri);
  if (key.split('/').includes('.dlsdata')) throw dlsError(uri);
  // `oss://bucket.endpoint/key` (Hadoop/JindoSDK style) names the bucket first.
  const bucket = authority.split('.')[0]!;
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new OssStorageError(`${JSON.stringify(uri)}: bucket ${JSON.stringify(bucket)} is not a valid OSS bucket name`, { code: 'InvalidUri' });
  }
  return { bucket, key };
}

export function formatOssUri(loc: OssLocation): string {
  return `oss://${loc.bucket}/${loc.key}`;
}

/** Last path segment of a key. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
