import { Producer } from '@platformatic/kafka';
import type { KafkaClientOptions } from './client-config.ts';
import { KafkaSourceError } from './errors.ts';

/** One record that could not be decoded or transformed, with where it came from and why. */
export interface DeadLetterRecord {
  /** The raw value as read (null for a record that had none). */
  value: string | Buffer | null;
  /** Kafka origin, when the record came from Kafka. */
  source?: { topic: string; partition: number; offset: number };
  /** Where it came from in words (`file data/words.txt line 3`), for non-Kafka sources. */
  origin?: string;
  /** Why it was rejected; names the field when known. */
  error: string;
}

export interface KafkaDeadLetterWriterOptions {
  /** Client options (see `kafkaClientConfig`). */
  client: KafkaClientOptions;
  /** Topic that receives bad records (`badRecords.deadLetter: kafka://<topic>`). */
  topic: string;
}

/** Header names, stable so that tools reading the dead-letter topic can rely on them. */
export const DEAD_LETTER_HEADERS = {
  topic: 'sluice.source.topic',
  partition: 'sluice.source.partition',
  offset: 'sluice.source.offset',
  origin: 'sluice.source.origin',
  error: 'sluice.error',
} as const;

/**
 * Sends raw bad records to a Kafka topic, each with headers naming its source
 * topic/partition/offset (or origin) and the error. The producer is idempotent with acks=all,
 * so a retried send writes no duplicate; `write` resolves once the broker has the records, so
 * a runner can write them before it completes the checkpoint that skips them.
 */
export class KafkaDeadLetterWriter {
  readonly topic: string;
  private readonly producer: Producer;

  constructor(options: KafkaDeadLetterWriterOptions) {
    if (options.topic.trim() === '') throw new KafkaSourceError('spec.source.badRecords.deadLetter: names no Kafka topic');
    this.topic = options.topic;
    this.producer = new Producer({ ...options.client, idempotent: true, acks: -1, autocreateTopics: true });
  }

  async write(records: readonly DeadLetterRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({
      acks: -1,
      messages: records.map((r) => {
        // A Map of Buffers: with the default (Buffer) serializers, @platformatic/kafka 2.12.1
        // never settles a send whose headers are a plain object with string keys.
        const headers = new Map<Buffer, Buffer>([[Buffer.from(DEAD_LETTER_HEADERS.error), Buffer.from(r.error)]]);
        const add = (k: string, v: string) => headers.set(Buffer.from(k), Buffer.from(v));
        if (r.source !== undefined) {
          add(DEAD_LETTER_HEADERS.topic, r.source.topic);
          add(DEAD_LETTER_HEADERS.partition, String(r.source.partition));
          add(DEAD_LETTER_HEADERS.offset, String(r.source.offset));
        }
        if (r.origin !== undefined) add(DEAD_LETTER_HEADERS.origin, r.origin);
        const value = r.value === null ? undefined : typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
        return { topic: this.topic, ...(value === undefined ? {} : { value }), headers };
      }),
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
