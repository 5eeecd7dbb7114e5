import { SluiceError } from '../../errors.ts';
import type { SluiceErrorOptions } from '../../errors.ts';

/**
 * A Kafka source failure a user must act on; the message names the topic and partition (and
 * offset when known) it is about, never a credential.
 */
export class KafkaSourceError extends SluiceError {
  readonly topic: string | undefined;
  readonly partition: number | undefined;

  constructor(message: string, where: { topic?: string; partition?: number } = {}, options: SluiceErrorOptions = {}) {
    super(message, options);
    this.topic = where.topic;
    this.partition = where.partition;
  }
}
