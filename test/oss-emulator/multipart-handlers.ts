/**
 * Multipart operations: InitiateMultipartUpload, UploadPart, ListParts,
 * CompleteMultipartUpload, AbortMultipartUpload. The rules (part sizes, ETag and order
 * checks, atomic publish) live in ObjectStore; this file speaks the wire format.
 */
import { OssError } from './oss-error.ts';
import { MAX_PART_NUMBER } from './object-store.ts';
import { receiveChecked, receiveXml } from './object-handlers.ts';
import { forbidOverwrite, header, userMetaFrom, xmlResponse } from './response.ts';
import type { OssResponse, RequestContext } from './response.ts';
import { xmlBlocks, xmlDocument, xmlElement, xmlNode, xmlText } from './xml.ts';

function uploadId(ctx: RequestContext): string {
  return ctx.route.params.get('uploadId') ?? '';
}

export async function initiateMultipartUpload(ctx: RequestContext): Promise<OssResponse> {
  const u = await ctx.store.initiateUpload(ctx.route.bucket, ctx.route.key, {
    contentType: header(ctx, 'content-type') ?? 'application/octet-stream',
    userMeta: userMetaFrom(ctx),
  });
  return xmlResponse(xmlDocument('InitiateMultipartUploadResult', [
    xmlElement('Bucket', ctx.route.bucket), xmlElement('Key', u.key), xmlElement('UploadId', u.uploadId),
  ]));
}

export async function uploadPart(ctx: RequestContext): Promise<OssResponse> {
  const raw = ctx.route.params.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER) {
    throw new OssError('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`, { ArgumentName: 'partNumber', ArgumentValue: raw });
  }
  // Fail before reading the body when the upload is gone, as OSS does.
  ctx.store.getUpload(ctx.route.bucket, ctx.route.key, uploadId(ctx));
  const body = await receiveChecked(ctx);
  const p = await ctx.store.uploadPart(ctx.route.bucket, ctx.route.key, uploadId(ctx), n, body);
  return { status: 200, headers: { ETag: p.etag, 'Content-MD5': body.md5.toString('base64') } };
}

export function listParts(ctx: RequestContext): OssResponse {
  const u = ctx.store.getUpload(ctx.route.bucket, ctx.route.key, uploadId(ctx));
  const marker = Number(ctx.route.params.get('part-number-marker') ?? '0') || 0;
  const max = Math.min(Number(ctx.route.params.get('max-parts') ?? '1000') || 1000, 1000);
  const all = [...u.parts.values()].filter((p) => p.number > marker).sort((a, b) => a.number - b.number);
  const parts = all.slice(0, max);
  const truncated = all.length > max;
  return xmlResponse(xmlDocument('ListPartsResult', [
    xmlElement('Bucket', ctx.route.bucket), xmlElement('Key', u.key), xmlElement('UploadId', u.uploadId),
    xmlElement('PartNumberMarker', marker), xmlElement('NextPartNumberMarker', parts.at(-1)?.number ?? marker),
    xmlElement('MaxParts', max), xmlElement('IsTruncated', truncated),
    ...parts.map((p) => xmlNode('Part', [
      xmlElement('PartNumber', p.number), xmlElement('LastModified', p.lastModified), xmlElement('ETag', p.etag), xmlElement('Size', p.size),
    ])),
  ]));
}

export async function completeMultipartUpload(ctx: RequestContext): Promise<OssResponse> {
  const xml = await receiveXml(ctx, 'CompleteMultipartUpload');
  const parts = xmlBlocks(xml, 'Part').map((p) => {
    const number = Number(xmlText(p, 'PartNumber'));
    const etag = xmlText(p, 'ETag');
    if (!Number.isInteger(number) || etag === undefined) throw new OssError('MalformedXML', 'Each Part needs a PartNumber and an ETag.');
    return { number, etag };
  });
  const o = await ctx.store.completeUpload(ctx.route.bucket, ctx.route.key, uploadId(ctx), parts, forbidOverwrite(ctx));
  return xmlResponse(xmlDocument('CompleteMultipartUploadResult', [
    xmlElement('Location', `http://${ctx.route.bucket}.${ctx.host}/${ctx.route.key}`),
    xmlElement('Bucket', ctx.route.bucket), xmlElement('Key', o.key), xmlElement('ETag', o.etag),
  ]), 200, { ETag: o.etag });
}

export async function abortMultipartUpload(ctx: RequestContext): Promise<OssResponse> {
  await ctx.store.abortUpload(ctx.route.bucket, ctx.route.key, uploadId(ctx));
  return { status: 204 };
}
