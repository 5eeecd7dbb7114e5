/**
 * Which WebHDFS endpoint serves a path, and how paths are spelled.
 *
 * - `webhdfs://host:port/path` (Hadoop's own name for it): host:port IS the NameNode HTTP
 *   address, used as is (`swebhdfs://` for https).
 * - `hdfs://host:port/path` (what seed jobs write): host:port is the NameNode RPC address,
 *   which Node cannot speak. `spec.storage.hdfs.namenodes` maps it to the HTTP address, e.g.
 *   `{"nn:8020": "http://nn:9870"}`. An unmapped authority is an error naming that field:
 *   guessing a port would send data to whatever listens there.
 *
 * URIs handed back (Entry.path, PendingFile.target) keep the scheme and authority the user
 * wrote, so checkpoint records read the same way the job spec does.
 */
import { posix } from 'node:path';
import { StorageError } from '../errors.ts';

export interface HdfsLocation {
  /** `hdfs://nn:8020` — scheme and authority as written, to rebuild URIs. */
  root: string;
  /** NameNode HTTP base URL, e.g. `http://nn:9870`. */
  httpBase: string;
  /** Absolute, normalised HDFS path (`/a/b`). */
  path: string;
}

const NAMENODES_FIELD = 'spec.storage.hdfs.namenodes';

/** Validate and normalise the namenodes mapping; values may be `host:port` or `http(s)://host:port`. */
export function compileNamenodes(namenodes: Record<string, string> = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const [authority, address] of Object.entries(namenodes)) {
    const value = /^[a-z]+:\/\//i.test(address) ? address : `http://${address}`;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      throw new StorageError(`${NAMENODES_FIELD}["${authority}"]: "${address}" is not a host:port or http(s) URL`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search !== '') {
      throw new StorageError(`${NAMENODES_FIELD}["${authority}"]: "${address}" must be http(s)://host:port with no path`);
    }
    out.set(authority.toLowerCase(), u.origin);
  }
  return out;
}

/** Normalise an HDFS path: absolute, no `.`/`..`/`//`, no trailing slash (except `/`). */
export function normalizeHdfsPath(p: string): string {
  const n = posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export function resolveHdfsUri(uri: string, namenodes: Map<string, string>): HdfsLocation {
  const m = /^(hdfs|webhdfs|swebhdfs):\/\/([^/?#]+)([^?#]*)$/i.exec(uri);
  if (m === null) throw new StorageError(`not an hdfs://, webhdfs:// or swebhdfs:// URI with a host: ${uri}`);
  const scheme = m[1].toLowerCase();
  const authority = m[2];
  // Percent signs in the path are literal (Hive-escaped partition values), never URI escapes.
  const path = normalizeHdfsPath(m[3]);
  const root = `${scheme}://${authority}`;
  if (scheme === 'webhdfs') return { root, httpBase: `http://${authority}`, path };
  if (scheme === 'swebhdfs') return { root, httpBase: `https://${authority}`, path };
  const key = authority.toLowerCase();
  // hdfs://nn/path means the default RPC port 8020: accept a mapping written either way.
  const httpBase = namenodes.get(key) ?? (key.includes(':') ? undefined : namenodes.get(`${key}:8020`));
  if (httpBase === undefined) {
    throw new StorageError(
      `no WebHDFS address for ${root} (in ${uri}): add "${authority}": "http://<namenode-host>:9870" to ${NAMENODES_FIELD}, or write the path as webhdfs://<namenode-host>:<http-port>/...`,
    );
  }
  return { root, httpBase, path };
}

/** Rebuild a URI from a location's root and another HDFS path. */
export function hdfsUri(root: string, path: string): string {
  return `${root}${path}`;
}
