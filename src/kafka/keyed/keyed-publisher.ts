import type { Message, Producer } from 'kafkajs';
import { encodePointer, type CheckpointPointer, type PartitionOffset } from '../checkpoint.js';
import { chunksByBytes, DEAD_LETTER_BATCH_BYTES, sizeRefusal } from '../transactional-publisher.js';

/** One input partition's commit in keyed mode. */
export interface KeyedCommitRecords {
  readonly deadLetters: { readonly topic: string; readonly messages: readonly Message[] };
  readonly snapshots: { readonly topic: string; readonly messages: readonly Message[] };
  /** Key checkpoints, each with its state partition set; all to one partition. */
  readonly checkpoints: { readonly topic: string; readonly messages: readonly Message[] };
  /** The partition's record, written last: the offsets' metadata points at it. */
  readonly partitionRecord: Message;
  readonly offset: PartitionOffset;
}

export interface KeyedCommitResult {
  /** Offset in the state topic of each key checkpoint, in order. */
  readonly checkpointOffsets: readonly string[];
  readonly pointer: CheckpointPointer;
}

/**
 * Commits one input partition's keyed outputs and its input offset in one Kafka transaction
 * of that partition's producer: dead letters, snapshots and key checkpoints in record batches
 * of at most DEAD_LETTER_BATCH_BYTES, then the partition record, then the offset.
 */
export async function commitKeyed(producer: Producer, groupId: string, records: KeyedCommitRecords): Promise<KeyedCommitResult> {
  const transaction = await producer.transaction();
  try {
    const send = async (topic: string, messages: readonly Message[]): Promise<string[]> => {
      const offsets: string[] = [];
      for (const chunk of chunksByBytes(messages, DEAD_LETTER_BATCH_BYTES)) {
        const written = await transaction.send({ topic, messages: chunk }).catch((error: unknown) => {
          throw sizeRefusal(error, [{ topic, messages: chunk }]);
        });
        // One record batch per partition and request: its records have consecutive offsets.
        const base = BigInt(written[0]?.baseOffset ?? written[0]?.offset ?? '-1');
        if (base < 0n) throw new Error(`the broker did not report where records of ${topic} were written`);
        for (let i = 0; i < chunk.length; i++) offsets.push((base + BigInt(i)).toString());
      }
      return offsets;
    };
    await send(records.deadLetters.topic, records.deadLetters.messages);
    await send(records.snapshots.topic, records.snapshots.messages);
    const checkpointOffsets = await send(records.checkpoints.topic, records.checkpoints.messages);
    const [recordOffset] = await send(records.checkpoints.topic, [records.partitionRecord]);
    const pointer = { partition: records.partitionRecord.partition!, offset: recordOffset };
    // The metadata points at the partition's record (kafkajs sends it, though its types omit it).
    const partitions = [{ partition: records.offset.partition, offset: records.offset.offset, metadata: encodePointer(pointer) }];
    await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: records.offset.topic, partitions }] });
    await transaction.commit();
    return { checkpointOffsets, pointer };
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    throw error;
  }
}
