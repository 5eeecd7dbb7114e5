/**
 * Bucket and service operations: ListBuckets, PutBucket, GetBucketInfo, ListObjects (v1),
 * ListObjectsV2, ListMultipartUploads.
 */
import { OssError } from './oss-error.ts';
import { afterKey, afterUpload, page } from './listing.ts';
import type { ObjectMeta, UploadMeta } from './object-store.ts';
import { isValidBucketName } from './routing.ts';
import { xmlResponse } from './response.ts';
import type { OssResponse, RequestContext } from './response.ts';
import { xmlDocument, xmlElement, xmlNode } from './xml.ts';

const OWNER = [xmlElement('ID', '1000000000000000'), xmlElement('DisplayName', '1000000000000000')];

function maxParam(ctx: RequestContext, name: string, dflt: number): number {
  const raw = ctx.route.params.get(name);
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new OssError('InvalidArgument', `${name} must be an integer between 1 and 1000.`, { ArgumentName: name, ArgumentValue: raw });
  return n;
}

function contents(o: ObjectMeta, owner: boolean): string {
  return xmlNode('Contents', [
    xmlElement('Key', o.key), xmlElement('LastModified', o.lastModified), xmlElement('ETag', o.etag),
    xmlElement('Type', o.type), xmlElement('Size', o.size), xmlElement('StorageClass', 'Standard'),
    ...(owner ? [xmlNode('Owner', OWNER)] : []),
  ]);
}

function mustHaveBucket(ctx: RequestContext): void {
  if (!ctx.store.hasBucket(ctx.route.bucket)) throw new OssError('NoSuchBucket', undefined, { BucketName: ctx.route.bucket });
}

export function listBuckets(ctx: RequestContext): OssResponse {
  return xmlResponse(xmlDocument('ListAllMyBucketsResult', [
    xmlNode('Owner', OWNER),
    xmlNode('Buckets', ctx.store.bucketNames().map((b) => xmlNode('Bucket', [
      xmlElement('CreationDate', ctx.store.bucketCreated(b)), xmlElement('ExtranetEndpoint', ctx.host),
      xmlElement('Location', 'oss-emulator'), xmlElement('Name', b), xmlElement('StorageClass', 'Standard'),
    ]))),
  ]));
}

export async function putBucket(ctx: RequestContext): Promise<OssResponse> {
  if (!isValidBucketName(ctx.route.bucket)) throw new OssError('InvalidBucketName', undefined, { BucketName: ctx.route.bucket });
  await ctx.store.createBucket(ctx.route.bucket);
  return { status: 200 };
}

export function getBucketInfo(ctx: RequestContext): OssResponse {
  mustHaveBucket(ctx);
  return xmlResponse(xmlDocument('BucketInfo', [xmlNode('Bucket', [
    xmlElement('CreationDate', ctx.store.bucketCreated(ctx.route.bucket)), xmlElement('Name', ctx.route.bucket),
    xmlElement('StorageClass', 'Standard'), xmlNode('Owner', OWNER),
  ])]));
}

export function listObjects(ctx: RequestContext): OssResponse {
  mustHaveBucket(ctx);
  const p = ctx.route.params;
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const marker = p.get('marker') ?? '';
  const max = maxParam(ctx, 'max-keys', 100);
  const res = page(ctx.store.listObjects(ctx.route.bucket, prefix), (o) => o.key, () => '', { prefix, delimiter, after: afterKey(marker), max });
  return xmlResponse(xmlDocument('ListBucketResult', [
    xmlElement('Name', ctx.route.bucket), xmlElement('Prefix', prefix), xmlElement('Marker', marker),
    xmlElement('MaxKeys', max), xmlElement('Delimiter', delimiter), xmlElement('IsTruncated', res.truncated),
    ...(res.truncated && res.last ? [xmlElement('NextMarker', res.last.key)] : []),
    ...res.items.map((o) => contents(o, true)),
    ...res.commonPrefixes.map((c) => xmlNode('CommonPrefixes', [xmlElement('Prefix', c)])),
  ]));
}

/** Continuation tokens are opaque to clients; here the base64 of the last key returned. */
function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

export function listObjectsV2(ctx: RequestContext): OssResponse {
  mustHaveBucket(ctx);
  const p = ctx.route.params;
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const token = p.get('continuation-token');
  const startAfter = p.get('start-after') ?? '';
  const max = maxParam(ctx, 'max-keys', 100);
  const fetchOwner = p.get('fetch-owner') === 'true';
  const marker = token !== undefined ? decodeToken(token) : startAfter;
  const res = page(ctx.store.listObjects(ctx.route.bucket, prefix), (o) => o.key, () => '', { prefix, delimiter, after: afterKey(marker), max });
  return xmlResponse(xmlDocument('ListBucketResult', [
    xmlElement('Name', ctx.route.bucket), xmlElement('Prefix', prefix),
    ...(startAfter !== '' ? [xmlElement('StartAfter', startAfter)] : []),
    ...(token !== undefined ? [xmlElement('ContinuationToken', token)] : []),
    xmlElement('MaxKeys', max), xmlElement('Delimiter', delimiter), xmlElement('IsTruncated', res.truncated),
    ...(res.truncated && res.last ? [xmlElement('NextContinuationToken', Buffer.from(res.last.key).toString('base64url'))] : []),
    xmlElement('KeyCount', res.items.length + res.commonPrefixes.length),
    ...res.items.map((o) => contents(o, fetchOwner)),
    ...res.commonPrefixes.map((c) => xmlNode('CommonPrefixes', [xmlElement('Prefix', c)])),
  ]));
}

export function listMultipartUploads(ctx: RequestContext): OssResponse {
  mustHaveBucket(ctx);
  const p = ctx.route.params;
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const keyMarker = p.get('key-marker') ?? '';
  const uploadIdMarker = p.get('upload-id-marker') ?? '';
  const max = maxParam(ctx, 'max-uploads', 1000);
  const res = page<UploadMeta>(ctx.store.listUploads(ctx.route.bucket), (u) => u.key, (u) => u.uploadId, {
    prefix, delimiter, after: afterUpload(keyMarker, uploadIdMarker), max,
  });
  return xmlResponse(xmlDocument('ListMultipartUploadsResult', [
    xmlElement('Bucket', ctx.route.bucket), xmlElement('KeyMarker', keyMarker), xmlElement('UploadIdMarker', uploadIdMarker),
    xmlElement('NextKeyMarker', res.last?.key ?? ''), xmlElement('NextUploadIdMarker', res.last?.item?.uploadId ?? ''),
    xmlElement('Delimiter', delimiter), xmlElement('Prefix', prefix), xmlElement('MaxUploads', max), xmlElement('IsTruncated', res.truncated),
    ...res.items.map((u) => xmlNode('Upload', [
      xmlElement('Key', u.key), xmlElement('UploadId', u.uploadId), xmlElement('StorageClass', 'Standard'), xmlElement('Initiated', u.initiated),
    ])),
    ...res.commonPrefixes.map((c) => xmlNode('CommonPrefixes', [xmlElement('Prefix', c)])),
  ]));
}
