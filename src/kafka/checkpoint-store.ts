import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { decodeCheckpoint, decodePointer, type Checkpoint, type CheckpointPointer } from './checkpoint.js';
import { ModelStateError } from './model-state-error.js';
import type { GroupPartitionOffset } from './ownership/partition-coverage.js';
import { STATE_TOPIC_MAX_MESSAGE_BYTES } from './topics.js';

/** The group's committed offset on every partition of the input topic, with the checkpoint each points at. */
export async function groupOffsets(admin: Admin, groupId: string, inputTopic: string): Promise<GroupPartitionOffset[]> {
  const [topic] = await admin.fetchOffsets({ groupId, topics: [inputTopic] });
  return (topic?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset, pointer: decodePointer(p.metadata) }));
}

/**
 * The checkpoint committed with the group's offsets. Each transaction commits the
 * input offsets with metadata pointing at the checkpoint record written in the same
 * transaction, so offsets and state can never disagree: the newest pointer is the last
 * commit. Null when nothing was committed.
 */
export function committedPointer(offsets: readonly GroupPartitionOffset[]): CheckpointPointer | null {
  let best: CheckpointPointer | null = null;
  for (const { pointer } of offsets) if (pointer && (!best || BigInt(pointer.offset) > BigInt(best.offset))) best = pointer;
  return best;
}

/** Quiet time after which the tail of the state topic counts as read. */
const TAIL_IDLE_MS = 1000;

export interface CheckpointsFromPointer {
  /** The checkpoint at the pointer; null when compaction removed it (a newer one of the model exists). */
  readonly atPointer: Checkpoint | null;
  /** The newest committed checkpoint of the model after the pointer, if any. */
  readonly newest: { readonly pointer: CheckpointPointer; readonly checkpoint: Checkpoint } | null;
  /** Why a newer record of the model was passed over (it did not decode), else null. */
  readonly unreadable: string | null;
}

/**
 * Read the checkpoint at the pointer (read_committed), and any committed checkpoint of
 * `model` after it, within `timeoutMs`. Normally there is none: a transaction writes one
 * record and its commit marker, so the partition ends 2 past the pointer and nothing more is
 * read. A newer committed checkpoint means the offsets of its transaction were lost (seen
 * after a broker crash); it is then the truth. Records of other models are skipped.
 */
export async function readCheckpointsFrom(
  kafka: Kafka,
  admin: Admin,
  stateTopic: string,
  pointer: CheckpointPointer,
  model: string,
  timeoutMs: number,
  stopped: Promise<void>,
): Promise<CheckpointsFromPointer> {
  const partitionEnd = (await admin.fetchTopicOffsets(stateTopic)).find((p) => p.partition === pointer.partition)?.high;
  const end = partitionEnd === undefined ? null : BigInt(partitionEnd);
  const at = BigInt(pointer.offset);
  // The record cannot be there: the topic was deleted (and recreated empty) or truncated.
  // Waiting would wait forever; say so at once.
  if (end !== null && end <= at) {
    throw new ModelStateError(
      `the offsets of this model's group point at checkpoint ${stateTopic}/${pointer.partition}@${pointer.offset}, but that partition ends at offset ${end}: ` +
        `the state topic was deleted or truncated. Restore it, or start the model afresh with --reset-model`,
    );
  }
  const tailToRead = end === null || end > at + 2n;
  const groupId = `online-em-checkpoint-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxBytes: STATE_TOPIC_MAX_MESSAGE_BYTES,
    maxBytesPerPartition: STATE_TOPIC_MAX_MESSAGE_BYTES,
    retry: { retries: 3, restartOnFailure: async () => false },
  });
  let timer: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [stateTopic], fromBeginning: true });
    const read = new Promise<{ atPointer: Buffer | null; newest: { offset: string; value: Buffer } | null }>((resolve, reject) => {
      let atPointer: Buffer | null = null;
      let newest: { offset: string; value: Buffer } | null = null;
      const finish = (): void => resolve({ atPointer, newest });
      // Markers and aborted records take offsets too, and kafkajs skips batches of only those
      // without calling eachMessage: the end of every batch tells how far the reading got.
      let position = at;
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.partition !== pointer.partition) return;
        const next = BigInt(payload.lastOffset) + 1n;
        if (next > position) position = next;
        if ((atPointer || newest) && end !== null && position >= end) finish();
      });
      timer = setTimeout(
        () => reject(new Error(`checkpoint ${stateTopic}/${pointer.partition}@${pointer.offset} not found within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (partition !== pointer.partition || !message.value) return;
          const offset = BigInt(message.offset);
          if (offset === at) atPointer = message.value;
          else if (offset > at && message.key?.toString('utf8') === model) newest = { offset: message.offset, value: message.value };
          // Reading from the pointer, a newer record of the model first means compaction removed
          // the pointer's (only possible when a newer one exists): that newer one is the answer.
          if (!atPointer && !newest) return;
          // Done when nothing can follow (the usual case), at the partition's end (see above),
          // or once the tail stays quiet.
          if (!tailToRead) return finish();
          clearTimeout(idle);
          idle = setTimeout(finish, TAIL_IDLE_MS);
        },
      });
      consumer.seek({ topic: stateTopic, partition: pointer.partition, offset: pointer.offset });
    });
    const onStop = stopped.then((): never => {
      throw new Error('stopped while reading the checkpoint');
    });
    onStop.catch(() => undefined);
    const found = await Promise.race([read, onStop]);
    let newest: CheckpointsFromPointer['newest'] = null;
    let unreadable: string | null = null;
    if (found.newest) {
      try {
        newest = { pointer: { partition: pointer.partition, offset: found.newest.offset }, checkpoint: decodeCheckpoint(found.newest.value) };
      } catch (error) {
        unreadable = `${stateTopic}/${pointer.partition}@${found.newest.offset}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return { atPointer: found.atPointer ? decodeCheckpoint(found.atPointer) : null, newest, unreadable };
  } finally {
    clearTimeout(timer);
    clearTimeout(idle);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
