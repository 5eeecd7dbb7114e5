/** Build the SplitReader for a runner's share of the job's source. */
import type { RuntimeConfig } from '../pipeline/runtime-config.ts';
import type { StorageResolver } from '../storage/resolve.ts';
import { FileSplitReader } from './files/file-source.ts';
import type { SplitReader } from './types.ts';

export async function createReader(c: RuntimeConfig, storage: StorageResolver): Promise<SplitReader> {
  const split = { index: c.runner, parallelism: c.parallelism };
  if ('files' in c.source) {
    return new FileSplitReader(storage.for(c.source.files.path), c.source.files.path, split);
  }
  const { createKafkaReader } = await import('./kafka/index.ts');
  return createKafkaReader(c, split);
}
