/**
 * Which runner reads a Kafka partition: the same rule as Flink's `KafkaSourceEnumerator
 * .getSplitOwner`, so a job moved from Flink spreads partitions over runners the same way.
 *
 *   start    = ((topic.hashCode() * 31) & 0x7FFFFFFF) % parallelism
 *   owner(p) = (start + p) % parallelism
 *
 * The topic's hash shifts the start so that many topics with few partitions do not all pile
 * onto runner 0. Arithmetic is Java's: 32-bit two's-complement with overflow.
 */

/** Java's `String.hashCode()`: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in int32. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Index of the runner (0 ≤ owner < parallelism) that reads `partition` of `topic`. */
export function partitionOwner(topic: string, partition: number, parallelism: number): number {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new RangeError(`parallelism must be a positive integer, got ${parallelism}`);
  const start = (Math.imul(javaStringHash(topic), 31) & 0x7fffffff) % parallelism;
  return (start + partition) % parallelism;
}

/** The partitions among `partitions` that runner `index` of `parallelism` owns, ascending. */
export function ownedPartitions(topic: string, partitions: readonly number[], index: number, parallelism: number): number[] {
  return partitions.filter((p) => partitionOwner(topic, p, parallelism) === index).sort((a, b) => a - b);
}
