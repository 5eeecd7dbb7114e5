/** Build the SplitReader for a runner's share of the job's source (and a Kafka dead-letter topic). */
import type { DeadLetterTopic } from '../pipeline/bad-records.ts';
import type { RuntimeConfig } from '../pipeline/runtime-config.ts';
import type { StorageResolver } from '../storage/resolve.ts';
import { csvHeaderCheck } from '../formats/csv-header.ts';
import { FileSplitReader } from './files/file-source.ts';
import type { SplitReader } from './types.ts';

export async function createReader(c: RuntimeConfig, storage: StorageResolver): Promise<SplitReader> {
  const split = { index: c.runner, parallelism: c.parallelism };
  if ('files' in c.source) {
    const f = c.sourceFormat;
    const options = f.type === 'parquet' ? { parquet: c.schema } : f.type === 'csv' && f.header === true ? { header: csvHeaderCheck(f, c.schema) } : {};
    return new FileSplitReader(storage.for(c.source.files.path), c.source.files.path, split, options);
  }
  const { createKafkaReader } = await import('./kafka/index.ts');
  return createKafkaReader(c, split);
}

/** `badRecords.deadLetter: kafka://<topic>` → a producer on the source's cluster; otherwise undefined. */
export async function createDeadLetterTopic(c: RuntimeConfig): Promise<DeadLetterTopic | undefined> {
  const dl = c.badRecords.deadLetter;
  if (c.badRecords.mode !== 'dead-letter' || dl === undefined || !dl.startsWith('kafka://') || !('kafka' in c.source)) return undefined;
  const { KafkaDeadLetterWriter, kafkaClientConfig } = await import('./kafka/index.ts');
  const writer = new KafkaDeadLetterWriter({
    client: kafkaClientConfig(c.source.kafka, `sluice-${c.job}-${c.runner}-dlq`.replace(/[^A-Za-z0-9._-]/g, '_')),
    topic: dl.slice('kafka://'.length),
  });
  return { write: (records) => writer.write(records), close: () => writer.close() };
}
