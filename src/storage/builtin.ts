/**
 * Registers the remote backends with the resolver. Local disk is built into the resolver;
 * `hdfs://`, `webhdfs://`, `swebhdfs://` (WebHDFS), `oss://` and `jfs://` (JindoFS) are added here.
 */
import { SluiceError } from '../errors.ts';
import { createHdfsStorage } from './hdfs/index.ts';
import { createJindoFsStorage } from './jindofs/index.ts';
import { LocalStorage } from './local/local-storage.ts';
import { createOssStorage } from './oss/index.ts';
import { registerStorage } from './resolve.ts';
import type { StorageContext } from './resolve.ts';

let done = false;

function sources(ctx: StorageContext): { secret?: (name: string, key: string) => string | undefined } {
  return ctx.secret ? { secret: ctx.secret } : {};
}

export function registerBuiltinStorages(): void {
  if (done) return;
  done = true;
  for (const scheme of ['hdfs', 'webhdfs', 'swebhdfs']) {
    registerStorage(scheme, (_uri, ctx) => createHdfsStorage(ctx.spec.hdfs, sources(ctx)));
  }
  registerStorage('oss', (_uri, ctx) => {
    if (!ctx.spec.oss) throw new SluiceError('spec.storage.oss: an oss:// path needs the OSS endpoint and credentials here');
    return createOssStorage(ctx.spec.oss, { sources: sources(ctx), ...(ctx.partSize ? { partSize: ctx.partSize } : {}) });
  });
  registerStorage('jfs', (_uri, ctx) => {
    if (!ctx.spec.jindofs) throw new SluiceError('spec.storage.jindofs.namespaces: a jfs:// path needs its namespace declared here');
    return createJindoFsStorage(ctx.spec.jindofs.namespaces, {
      localStorage: () => new LocalStorage(),
      sources: sources(ctx),
      ...(ctx.partSize ? { partSize: ctx.partSize } : {}),
    });
  });
}
