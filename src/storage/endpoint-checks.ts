/**
 * What the storage clients would refuse, asked before anything runs (`validateIngestJob`), so
 * `sluice validate` names the field instead of a runner failing at its first write:
 * - OSS endpoints: ali-oss checks them when a client is built (characters, and an
 *   `http(s)://` scheme: `host:port` without one parses as a scheme and is refused). The check
 *   builds a client with placeholder keys, so it is exactly the client's own rule; no request is sent.
 * - `oss://` bucket names, OSS-HDFS locations (oss-location.ts).
 * - WebHDFS addresses (`storage.hdfs.namenodes`), and an `hdfs://` path whose NameNode has none.
 * - Every storage path must be a URL the resolver can parse (a port above 65535 is not).
 */
import type { ValidationError } from '../api/field-error.ts';
import type { IngestJobSpec } from '../api/types.ts';
import { compileNamenodes, resolveHdfsUri } from './hdfs/hdfs-uri.ts';
import { createOssClient, type OssClientSettings } from './oss/oss-client.ts';
import { parseOssUri } from './oss/oss-location.ts';
import { schemeOf } from './resolve.ts';

const PLACEHOLDER_KEYS = { accessKeyId: 'placeholder', accessKeySecret: 'placeholder' };

function ossSettingsErrors(s: OssClientSettings, field: string): ValidationError[] {
  try {
    createOssClient(s, PLACEHOLDER_KEYS, 'placeholder-bucket', `${field}.endpoint`);
    return [];
  } catch (e) {
    const reason = (e as Error).message;
    if (/region/i.test(reason)) return [{ path: `${field}.region`, message: `${JSON.stringify(s.region)} is refused by the OSS client: ${reason}` }];
    const hint = /protocol/i.test(reason) ? ' (write http://host:port or https://host)' : '';
    return [{ path: `${field}.endpoint`, message: `${JSON.stringify(s.endpoint)} is refused by the OSS client: ${reason}${hint}` }];
  }
}

/** The storage paths of a job, by field. */
function pathsOf(spec: IngestJobSpec): Array<[string, string]> {
  const out: Array<[string, string]> = [['spec.sink.path', spec.sink.path]];
  if (spec.source.files !== undefined) out.push(['spec.source.files.path', spec.source.files.path]);
  if (spec.checkpoint?.dir !== undefined) out.push(['spec.checkpoint.dir', spec.checkpoint.dir]);
  const dl = spec.source.badRecords?.deadLetter;
  if (dl !== undefined && !dl.startsWith('kafka://')) out.push(['spec.source.badRecords.deadLetter', dl]);
  return out;
}

export function checkStorageEndpoints(spec: IngestJobSpec): ValidationError[] {
  const errors: ValidationError[] = [];
  const storage = spec.storage ?? {};
  if (storage.oss !== undefined) errors.push(...ossSettingsErrors(storage.oss, 'spec.storage.oss'));
  for (const [name, ns] of Object.entries(storage.jindofs?.namespaces ?? {})) {
    const field = `spec.storage.jindofs.namespaces.${name}`;
    if (ns.endpoint !== undefined) errors.push(...ossSettingsErrors({ ...ns, endpoint: ns.endpoint }, field));
    if (ns.ossUri !== undefined) {
      try {
        parseOssUri(ns.ossUri);
      } catch (e) {
        errors.push({ path: `${field}.ossUri`, message: (e as Error).message });
      }
    }
  }
  const namenodes = new Map<string, string>();
  for (const [authority, address] of Object.entries(storage.hdfs?.namenodes ?? {})) {
    try {
      for (const [k, v] of compileNamenodes({ [authority]: address })) namenodes.set(k, v);
    } catch (e) {
      // compileNamenodes names the entry itself (`...namenodes["nn:8020"]: ...`); the path here is the schema's spelling
      const m = /^spec\.storage\.hdfs\.namenodes\["[^"]*"\]: (.*)$/su.exec((e as Error).message);
      errors.push({ path: `spec.storage.hdfs.namenodes[${authority}]`, message: m === null ? (e as Error).message : m[1]! });
    }
  }
  for (const [field, p] of pathsOf(spec)) {
    const scheme = schemeOf(p);
    if (scheme === 'file') continue;
    try {
      new URL(p);
    } catch {
      errors.push({ path: field, message: `${JSON.stringify(p)} is not a valid URI (check the host and port)` });
      continue;
    }
    try {
      if (scheme === 'oss') parseOssUri(p);
      else if ((scheme === 'hdfs' || scheme === 'webhdfs' || scheme === 'swebhdfs') && errors.every((x) => !x.path.startsWith('spec.storage.hdfs.namenodes'))) resolveHdfsUri(p, namenodes);
    } catch (e) {
      errors.push({ path: field, message: (e as Error).message });
    }
  }
  return errors;
}
