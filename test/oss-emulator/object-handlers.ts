/**
 * Single-object operations: PutObject, CopyObject, GetObject (with Range), HeadObject,
 * GetObjectMeta, DeleteObject, DeleteMultipleObjects.
 */
import { readFile } from 'node:fs/promises';
import { OssError } from './oss-error.ts';
import type { ObjectMeta, ReceivedBody } from './object-store.ts';
import { forbidOverwrite, header, httpDate, userMetaFrom, xmlResponse } from './response.ts';
import type { OssResponse, RequestContext } from './response.ts';
import { xmlBlocks, xmlDocument, xmlElement, xmlNode, xmlText } from './xml.ts';

/** Receive the body and check Content-MD5 when the client sent one. */
export async function receiveChecked(ctx: RequestContext): Promise<ReceivedBody> {
  const body = await ctx.store.receive(ctx.route.bucket, ctx.req, ctx.corruptBody === true);
  const md5 = header(ctx, 'content-md5');
  if (md5 !== undefined && md5 !== body.md5.toString('base64')) {
    await ctx.store.discard(body);
    throw new OssError('InvalidDigest', 'The Content-MD5 you specified did not match what we received.', { CalculatedMD5: body.md5.toString('base64'), ProvidedMD5: md5 });
  }
  return body;
}

/** A request body that must be an XML document with `<root>` (OSS answers MalformedXML otherwise). */
export async function receiveXml(ctx: RequestContext, root: string): Promise<string> {
  const body = await receiveChecked(ctx);
  let xml: string;
  try {
    xml = await readFile(body.path, 'utf8');
  } finally {
    await ctx.store.discard(body);
  }
  if (!xml.includes(`<${root}`)) throw new OssError('MalformedXML');
  return xml;
}

function objectHeaders(o: ObjectMeta): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'Content-Type': o.contentType,
    ETag: o.etag,
    'Last-Modified': httpDate(o.lastModified),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': o.type,
    'x-oss-storage-class': 'Standard',
  };
  for (const [k, v] of Object.entries(o.userMeta)) h[`x-oss-meta-${k}`] = v;
  return h;
}

function mustGet(ctx: RequestContext): ObjectMeta {
  const o = ctx.store.getObject(ctx.route.bucket, ctx.route.key);
  if (!o) throw new OssError('NoSuchKey', undefined, { Key: ctx.route.key });
  return o;
}

export async function putObject(ctx: RequestContext): Promise<OssResponse> {
  const body = await receiveChecked(ctx);
  const o = await ctx.store.putObject(ctx.route.bucket, ctx.route.key, body, {
    contentType: header(ctx, 'content-type') ?? 'application/octet-stream',
    userMeta: userMetaFrom(ctx),
    forbidOverwrite: forbidOverwrite(ctx),
  });
  return { status: 200, headers: { ETag: o.etag, 'Content-MD5': body.md5.toString('base64') } };
}

export async function copyObject(ctx: RequestContext): Promise<OssResponse> {
  const source = decodeURIComponent(header(ctx, 'x-oss-copy-source') ?? '').replace(/^\//, '');
  const slash = source.indexOf('/');
  if (slash <= 0) throw new OssError('InvalidArgument', 'x-oss-copy-source must be /bucket/key.');
  const replace = (header(ctx, 'x-oss-metadata-directive') ?? 'COPY').toUpperCase() === 'REPLACE';
  const o = await ctx.store.copyObject(source.slice(0, slash), source.slice(slash + 1), ctx.route.bucket, ctx.route.key, {
    forbidOverwrite: forbidOverwrite(ctx),
    replaceMeta: replace ? { contentType: header(ctx, 'content-type') ?? 'application/octet-stream', userMeta: userMetaFrom(ctx) } : undefined,
  });
  return xmlResponse(xmlDocument('CopyObjectResult', [xmlElement('ETag', o.etag), xmlElement('LastModified', o.lastModified)]));
}

/**
 * `bytes=a-b`, `bytes=a-`, `bytes=-n`. OSS ignores an unsatisfiable or malformed range and
 * returns the whole object with 200, unless `x-oss-range-behavior: standard` asks for 416.
 */
export function parseRange(value: string | undefined, size: number, standard: boolean): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  let r: { start: number; end: number } | undefined;
  if (m && (m[1] !== '' || m[2] !== '')) {
    if (m[1] === '') {
      const n = Number(m[2]);
      if (n > 0) r = { start: Math.max(0, size - n), end: size - 1 };
    } else {
      const start = Number(m[1]);
      const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start < size && start <= end) r = { start, end };
    }
  }
  if (!r && standard) throw new OssError('InvalidRange', undefined, { RangeRequested: value, ActualObjectSize: String(size) });
  return r;
}

export function getObject(ctx: RequestContext): OssResponse {
  const o = mustGet(ctx);
  const standard = (header(ctx, 'x-oss-range-behavior') ?? '').toLowerCase() === 'standard';
  const r = parseRange(header(ctx, 'range'), o.size, standard);
  const path = ctx.store.objectPath(ctx.route.bucket, o);
  if (!r) return { status: 200, headers: { ...objectHeaders(o), 'Content-Length': o.size }, file: { path, start: 0, end: o.size - 1 } };
  return {
    status: 206,
    headers: { ...objectHeaders(o), 'Content-Length': r.end - r.start + 1, 'Content-Range': `bytes ${r.start}-${r.end}/${o.size}` },
    file: { path, start: r.start, end: r.end },
  };
}

export function headObject(ctx: RequestContext): OssResponse {
  const o = mustGet(ctx);
  return { status: 200, headers: { ...objectHeaders(o), 'Content-Length': o.size } };
}

export function getObjectMeta(ctx: RequestContext): OssResponse {
  const o = mustGet(ctx);
  return { status: 200, headers: { ETag: o.etag, 'Last-Modified': httpDate(o.lastModified), 'Content-Length': o.size } };
}

export async function deleteObject(ctx: RequestContext): Promise<OssResponse> {
  await ctx.store.deleteObject(ctx.route.bucket, ctx.route.key);
  return { status: 204 };
}

export async function deleteMultipleObjects(ctx: RequestContext): Promise<OssResponse> {
  const xml = await receiveXml(ctx, 'Delete');
  const quiet = xmlText(xml, 'Quiet') === 'true';
  const keys = xmlBlocks(xml, 'Object').map((o) => xmlText(o, 'Key') ?? '');
  if (keys.length > 1000) throw new OssError('MalformedXML', 'At most 1000 objects can be deleted at once.');
  for (const k of keys) await ctx.store.deleteObject(ctx.route.bucket, k);
  const deleted = quiet ? [] : keys.map((k) => xmlNode('Deleted', [xmlElement('Key', k)]));
  return xmlResponse(xmlDocument('DeleteResult', deleted));
}
