/**
 * `fn` over `items` with at most `limit` calls in flight (publishing a checkpoint's files: each
 * commit is a round trip or two to HDFS/OSS, and a checkpoint may hold dozens of files).
 * After a failure no new call starts; the first error is thrown once those in flight settle.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure.error;
}
