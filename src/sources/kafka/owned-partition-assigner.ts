import { AssignerProtocol } from 'kafkajs';
import type { PartitionAssigner } from 'kafkajs';
import { ownedPartitions } from './partition-owner.ts';

export const OWNED_PARTITION_ASSIGNER = 'SluiceOwnedPartitions';

/**
 * A kafkajs group assigner that hands runner `index` exactly the partitions it owns by Flink's
 * rule. kafkajs has no manual `assign()`, so each runner joins a private consumer group of its
 * own (it is the only member, hence the leader that runs this assigner): the group is only a
 * vehicle for fetching; positions come from the checkpoint, not from the group.
 *
 * Should a second member ever join the private group (it has a random id, so only a copy of
 * this very process could), it gets nothing: no partition is read twice.
 */
export function ownedPartitionAssigner(index: number, parallelism: number): PartitionAssigner {
  return ({ cluster }) => ({
    name: OWNED_PARTITION_ASSIGNER,
    version: 0,
    async assign({ members, topics }) {
      const mine: Record<string, number[]> = {};
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
        mine[topic] = ownedPartitions(topic, partitions, index, parallelism);
      }
      const leader = [...members].map((m) => m.memberId).sort()[0];
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: memberId === leader ? mine : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: OWNED_PARTITION_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}
