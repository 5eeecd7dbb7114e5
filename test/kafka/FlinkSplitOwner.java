/**
 * Prints Flink's Kafka split owner for topics/parallelisms given on the command line, computed
 * the way Flink's KafkaSourceEnumerator.getSplitOwner does it, with Java's own String.hashCode
 * and int overflow, so the TypeScript port is checked against the real thing.
 *
 * Usage: java FlinkSplitOwner.java <parallelism[,parallelism...]> <partitions> <topic>...
 * Output: one line per parallelism and topic:
 *   `<parallelism> <topic> <hashCode> <owner of p0> <owner of p1> ...`
 */
public class FlinkSplitOwner {
  static int getSplitOwner(String topic, int partition, int numReaders) {
    int startIndex = ((topic.hashCode() * 31) & 0x7FFFFFFF) % numReaders;
    return (startIndex + partition) % numReaders;
  }

  public static void main(String[] args) {
    int partitions = Integer.parseInt(args[1]);
    for (String n : args[0].split(",")) {
      int numReaders = Integer.parseInt(n);
      for (int i = 2; i < args.length; i++) {
        StringBuilder line = new StringBuilder(n).append(' ').append(args[i]).append(' ').append(args[i].hashCode());
        for (int p = 0; p < partitions; p++) line.append(' ').append(getSplitOwner(args[i], p, numReaders));
        System.out.println(line);
      }
    }
  }
}
