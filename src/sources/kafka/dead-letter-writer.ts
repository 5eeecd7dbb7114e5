import { Kafka } from 'kafkajs';
import type { KafkaConfig, Producer } from 'kafkajs';
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
  /** kafkajs client config (see `kafkaClientConfig`). */
  client: KafkaConfig;
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
  private connected: Promise<void> | undefined;

  constructor(options: KafkaDeadLetterWriterOptions) {
    if (options.topic.trim() === '') throw new KafkaSourceError('spec.source.badRecords.deadLetter: names no Kafka topic');
    this.topic = options.topic;
    this.producer = new Kafka(options.client).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  }

  async write(records: readonly DeadLetterRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: records.map((r) => {
        const headers: Record<string, string> = { [DEAD_LETTER_HEADERS.error]: r.error };
        if (r.source !== undefined) {
          headers[DEAD_LETTER_HEADERS.topic] = r.source.topic;
          headers[DEAD_LETTER_HEADERS.partition] = String(r.source.partition);
          headers[DEAD_LETTER_HEADERS.offset] = String(r.source.offset);
        }
        if (r.origin !== undefined) headers[DEAD_LETTER_HEADERS.origin] = r.origin;
        return { value: r.value, headers };
      }),
    });
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.producer.disconnect();
  }
}
