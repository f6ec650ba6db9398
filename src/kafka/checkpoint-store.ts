import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { decodeCheckpoint, decodePointer, type Checkpoint, type CheckpointPointer } from './checkpoint.js';
import { STATE_TOPIC_MAX_MESSAGE_BYTES } from './topics.js';

/**
 * The checkpoint committed with the group's offsets. Each transaction commits the
 * input offsets with metadata pointing at the checkpoint record written in the same
 * transaction, so offsets and state can never disagree. Null when nothing was committed.
 */
export async function committedPointer(admin: Admin, groupId: string, inputTopic: string): Promise<CheckpointPointer | null> {
  const [topic] = await admin.fetchOffsets({ groupId, topics: [inputTopic] });
  let best: CheckpointPointer | null = null;
  for (const p of topic?.partitions ?? []) {
    const pointer = decodePointer(p.metadata);
    if (pointer && (!best || BigInt(pointer.offset) > BigInt(best.offset))) best = pointer;
  }
  return best;
}

/** Read the one checkpoint record at the pointer (read_committed), within `timeoutMs`. */
export async function readCheckpoint(kafka: Kafka, admin: Admin, stateTopic: string, pointer: CheckpointPointer, timeoutMs: number): Promise<Checkpoint> {
  const groupId = `online-em-checkpoint-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxBytes: STATE_TOPIC_MAX_MESSAGE_BYTES,
    maxBytesPerPartition: STATE_TOPIC_MAX_MESSAGE_BYTES,
    retry: { retries: 3, restartOnFailure: async () => false },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [stateTopic], fromBeginning: true });
    const found = new Promise<Buffer>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`checkpoint ${stateTopic}/${pointer.partition}@${pointer.offset} not found within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (partition === pointer.partition && message.offset === pointer.offset && message.value) resolve(message.value);
        },
      });
      consumer.seek({ topic: stateTopic, partition: pointer.partition, offset: pointer.offset });
    });
    return decodeCheckpoint(await found);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
