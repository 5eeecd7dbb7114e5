import type { KafkaSource } from '../../api/types.ts';
import type { SplitAssignment, SplitReader } from '../types.ts';
import { KafkaSourceError } from './errors.ts';
import { KafkaSplitReader } from './kafka-split-reader.ts';

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
    ...(onWarning === undefined ? {} : { onWarning }),
  });
}
