import type { KafkaSource } from '../../api/types.ts';
import type { SplitAssignment, SplitReader } from '../types.ts';
import { KafkaSourceError } from './errors.ts';
import { KafkaSplitReader } from './kafka-split-reader.ts';

/**
 * What the Kafka source may hold in memory, out of the runner's 200 MB target: Node with
 * @platformatic/kafka loaded is ~105 MB before reading anything (0005), the pipeline's batches
 * and the sink's part files take the rest. Fetch sizes and buffer bounds follow from it
 * (`fetchSizes`: 1 MiB per response, 256 KiB per partition, 8 Mi chars buffered), so memory does
 * not grow with topic size or lag. Measured on the seed's job over 10M records (peak RSS):
 * 48 MiB → 249 MB, 16 MiB → 183 MB, 8 MiB → 162 MB but 18% more CPU. `SLUICE_SOURCE_MEMORY_MB`
 * overrides it.
 */
export const SOURCE_MEMORY_BUDGET_BYTES = 16 * 1024 * 1024;

function memoryBudget(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.SLUICE_SOURCE_MEMORY_MB);
  return Number.isFinite(mb) && mb >= 4 ? Math.floor(mb * 1024 * 1024) : SOURCE_MEMORY_BUDGET_BYTES;
}

/** What the reader needs from a runner's resolved config (`RuntimeConfig` fits). */
export interface KafkaReaderConfig {
  job: string;
  source: { kafka: KafkaSource } | { files: { path: string } };
}

/**
 * The pipeline's factory: runner `split.index`'s KafkaSplitReader. The client id names the job
 * and runner, so broker logs and quotas tell runners apart.
 */
export function createKafkaReader(c: KafkaReaderConfig, split: SplitAssignment, onWarning?: (message: string) => void): SplitReader {
  if (!('kafka' in c.source)) throw new KafkaSourceError('spec.source.kafka: not set, but a Kafka reader was asked for');
  return new KafkaSplitReader({
    source: c.source.kafka,
    assignment: split,
    clientId: `sluice-${c.job}-${split.index}`.replace(/[^A-Za-z0-9._-]/gu, '_'),
    memoryBudgetBytes: memoryBudget(),
    ...(onWarning === undefined ? {} : { onWarning }),
  });
}
