import type { Message, Producer, TopicMessages } from 'kafkajs';
import { encodePointer, type CheckpointPointer, type PartitionOffset } from './checkpoint.js';
import type { TopicNames } from './topics.js';

/** What one commit makes visible at once, or not at all. */
export interface CommitRecords {
  readonly deadLetters: readonly Message[];
  /** The snapshot to publish, or null while warming up. */
  readonly snapshot: Buffer | null;
  readonly checkpoint: Buffer;
  /** Next offset per input partition consumed so far. */
  readonly offsets: readonly PartitionOffset[];
}

/**
 * Publishes dead letters, the snapshot and the checkpoint and commits the input
 * offsets in one Kafka transaction. The offsets carry a pointer to the checkpoint
 * record in their metadata, so a restart finds exactly the state they belong to.
 */
export class TransactionalPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topics: TopicNames,
    private readonly groupId: string,
    private readonly model: string,
  ) {}

  async commit(records: CommitRecords): Promise<CheckpointPointer> {
    const transaction = await this.producer.transaction();
    try {
      const topicMessages: TopicMessages[] = [];
      if (records.deadLetters.length > 0) topicMessages.push({ topic: this.topics.deadLetter, messages: [...records.deadLetters] });
      topicMessages.push({ topic: this.topics.state, messages: [{ key: this.model, value: records.checkpoint }] });
      if (records.snapshot) topicMessages.push({ topic: this.topics.snapshot, messages: [{ key: this.model, value: records.snapshot }] });
      const written = await transaction.sendBatch({ topicMessages });
      const state = written.find((r) => r.topicName === this.topics.state);
      const offset = state?.baseOffset ?? state?.offset;
      if (!state || offset === undefined) throw new Error('the broker did not report where the checkpoint was written');
      const pointer = { partition: state.partition, offset };
      const metadata = encodePointer(pointer);
      if (records.offsets.length > 0) {
        await transaction.sendOffsets({
          consumerGroupId: this.groupId,
          topics: groupByTopic(records.offsets).map(([topic, partitions]) => ({
            topic,
            partitions: partitions.map((p) => ({ partition: p.partition, offset: p.offset, metadata })),
          })),
        });
      }
      await transaction.commit();
      return pointer;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }
}

function groupByTopic(offsets: readonly PartitionOffset[]): [string, PartitionOffset[]][] {
  const byTopic = new Map<string, PartitionOffset[]>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  return [...byTopic.entries()];
}
