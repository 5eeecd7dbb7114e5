/**
 * @module sources/kafka — the Kafka source: Flink's partition ownership, startup modes and
 * bounded mode on @platformatic/kafka (fetch by offset), positioned only by checkpoints. See README.md.
 */
export { createKafkaReader } from './create-kafka-reader.ts';
export type { KafkaReaderConfig } from './create-kafka-reader.ts';
export { KafkaSplitReader, KafkaRawBatch } from './kafka-split-reader.ts';
export type { KafkaSplitReaderOptions } from './kafka-split-reader.ts';
export { fetchSizes } from './kafka-split-reader.ts';
export { KafkaDeadLetterWriter, DEAD_LETTER_HEADERS } from './dead-letter-writer.ts';
export type { DeadLetterRecord, KafkaDeadLetterWriterOptions } from './dead-letter-writer.ts';
export { kafkaClientConfig } from './client-config.ts';
export type { KafkaClientOptions } from './client-config.ts';
export { resolveSecret } from './secret-ref.ts';
export type { SecretResolveOptions } from './secret-ref.ts';
export { javaStringHash, partitionOwner, ownedPartitions } from './partition-owner.ts';
export { parseSpecificOffsets } from './specific-offsets.ts';
export { parsePosition } from './position.ts';
export type { KafkaPosition } from './position.ts';
export { KafkaSourceError } from './errors.ts';
