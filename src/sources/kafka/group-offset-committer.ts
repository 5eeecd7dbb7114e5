import type { Admin, Cluster, Kafka } from 'kafkajs';

/**
 * Commits offsets to a consumer group the way Flink's KafkaSource (a Java consumer with
 * `assign()`) does: a "simple" OffsetCommit with generation -1 and no member id, sent straight
 * to the group coordinator. The group never gets a member, so any number of runners can commit
 * their own partitions at the same time, in a few milliseconds.
 *
 * kafkajs's public `admin.setOffsets` instead joins the group as a member (seconds per call) and
 * refuses while anyone else is in it, so two runners committing at once would fail each other.
 * kafkajs keeps its cluster factory behind a private symbol; we use it when present and fall
 * back to `admin.setOffsets` otherwise (a kafkajs upgrade that moved it still works, slowly).
 */
export class GroupOffsetCommitter {
  private readonly cluster: Cluster | undefined;
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka, admin: Admin) {
    this.admin = admin;
    this.cluster = privateClusterFactory(kafka)?.({ allowAutoTopicCreation: false });
  }

  async commit(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
    const partitions = [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) }));
    if (partitions.length === 0) return;
    if (this.cluster === undefined) {
      await this.admin.setOffsets({ groupId, topic, partitions });
      return;
    }
    const cluster = this.cluster;
    // connect() reaches only the seed broker; without metadata the coordinator lookup below
    // finds an empty broker pool and retries after kafkajs's backoff (~300 ms on every first
    // commit). Loading the broker list right away makes the first commit a few round trips.
    this.connected ??= cluster.connect().then(() => cluster.refreshMetadata());
    await this.connected;
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', topics: [{ topic, partitions }] });
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.cluster?.disconnect();
  }
}

type ClusterFactory = (options: { allowAutoTopicCreation?: boolean }) => Cluster;

function privateClusterFactory(kafka: Kafka): ClusterFactory | undefined {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (symbol === undefined) return undefined;
  const factory: unknown = (kafka as unknown as Record<symbol, unknown>)[symbol];
  return typeof factory === 'function' ? (factory as ClusterFactory) : undefined;
}
