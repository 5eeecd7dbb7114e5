/**
 * A SinkTree over a plain ali-oss client (ListObjectsV2 without delimiter, GetObject), plus the
 * multipart uploads still open under a prefix: what an OSS user sees, not what Sluice's backend says.
 */
import type OSS from 'ali-oss';
import type { SinkTree } from './sink-check.ts';

export function ossTree(client: OSS, prefix: string): SinkTree {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    async files() {
      const out: Array<{ rel: string; size: number }> = [];
      let token: string | undefined;
      for (;;) {
        const res = await client.listV2({ prefix: base, 'max-keys': '1000', ...(token ? { 'continuation-token': token } : {}) }, {});
        for (const o of res.objects ?? []) {
          const rel = o.name.slice(base.length);
          if (!rel.startsWith('_sluice/')) out.push({ rel, size: o.size });
        }
        if (!res.isTruncated || !res.nextContinuationToken) break;
        token = res.nextContinuationToken;
      }
      return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
    },
    async read(rel) {
      return (await client.get(`${base}${rel}`)).content as Buffer;
    },
  };
}

/** Keys of multipart uploads still open under `prefix` (ListMultipartUploads, every page). */
export async function openUploads(client: OSS, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let keyMarker = '';
  let uploadIdMarker = '';
  for (;;) {
    const res = await client.listUploads({ prefix, 'max-uploads': 1000, 'key-marker': keyMarker, 'upload-id-marker': uploadIdMarker } as OSS.ListUploadsQuery, {});
    for (const u of res.uploads ?? []) out.push(`${u.name} (upload ${u.uploadId})`);
    if (!res.isTruncated) return out;
    keyMarker = res.nextKeyMarker;
    uploadIdMarker = res.nextUploadIdMarker;
  }
}
