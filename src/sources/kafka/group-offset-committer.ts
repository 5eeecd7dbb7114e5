import type { Admin } from '@platformatic/kafka';

/**
 * Commits offsets to a consumer group the way Flink's KafkaSource (a Java consumer with
 * `assign()`) does: a "simple" OffsetCommit with generation -1 and no member id, sent to the
 * group coordinator (@platformatic/kafka's `Admin.alterConsumerGroupOffsets` sends exactly
 * that). The group never gets a member, so any number of runners can commit their own
 * partitions at the same time, in a few milliseconds.
 */
export class GroupOffsetCommitter {
  private readonly admin: Admin;

  constructor(admin: Admin) {
    this.admin = admin;
  }

  async commit(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
    const partitionOffsets = [...offsets].map(([partition, offset]) => ({ partition, offset: BigInt(offset) }));
    if (partitionOffsets.length === 0) return;
    await this.admin.alterConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionOffsets }] });
  }
}
