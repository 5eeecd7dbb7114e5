/**
 * @module storage/hdfs — the `hdfs://`, `webhdfs://` and `swebhdfs://` backend over WebHDFS.
 * See README.md for how the parts fit.
 */
import type { HdfsStorage as HdfsStorageSpec } from '../../api/types.ts';
import { StorageError } from '../errors.ts';
import { HdfsStorage } from './hdfs-storage.ts';
import type { HdfsStorageOptions } from './hdfs-storage.ts';

export { HdfsStorage, hdfsStorageOptionsFromSpec } from './hdfs-storage.ts';
export type { HdfsStorageOptions } from './hdfs-storage.ts';
export type { HdfsPendingFile } from './hdfs-part-writer.ts';
export { WebHdfsClient } from './webhdfs-client.ts';
export type { WebHdfsClientOptions, FileStatus } from './webhdfs-client.ts';
export { WebHdfsError, isRemoteException } from './webhdfs-error.ts';
export { resolveHdfsUri, compileNamenodes } from './hdfs-uri.ts';

/** Key read from the Secret named by `spec.storage.hdfs.delegationTokenSecret`. */
export const DELEGATION_TOKEN_KEY = 'token';

/**
 * Build the backend from an IngestJob's `spec.storage.hdfs` (absent = no mapping: only
 * webhdfs:// paths resolve). The delegation token is read through `secret` and never logged.
 */
export function createHdfsStorage(
  spec: HdfsStorageSpec | undefined,
  opts: { secret?: (name: string, key: string) => string | undefined; extra?: Partial<HdfsStorageOptions> } = {},
): HdfsStorage {
  let delegation: string | undefined;
  const secretName = spec?.delegationTokenSecret;
  if (secretName !== undefined && secretName !== null && secretName !== '') {
    delegation = opts.secret?.(secretName, DELEGATION_TOKEN_KEY);
    if (delegation === undefined || delegation === '') {
      throw new StorageError(`spec.storage.hdfs.delegationTokenSecret: Secret "${secretName}" has no key "${DELEGATION_TOKEN_KEY}"`);
    }
  }
  return new HdfsStorage({
    ...(spec?.namenodes !== undefined ? { namenodes: spec.namenodes } : {}),
    ...(spec?.user !== undefined ? { user: spec.user } : {}),
    ...(delegation !== undefined ? { delegation } : {}),
    ...opts.extra,
  });
}
