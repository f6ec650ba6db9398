import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

/** A read that gets no further for this long fails rather than hang. */
export const READ_STALL_MS = 30_000;

/** The committed end of each partition of a topic with records, and where they start. */
export interface PartitionRange {
  readonly partition: number;
  readonly low: bigint;
  /** The last stable offset: the end of what a read_committed consumer can read now. */
  readonly end: bigint;
}

/** The partitions of `topic` that hold committed records now (admin offsets are read_committed: the last stable offset). */
export async function committedRanges(admin: Admin, topic: string): Promise<PartitionRange[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.map((p) => ({ partition: p.partition, low: BigInt(p.low), end: BigInt(p.high) })).filter((p) => p.end > p.low);
}

/**
 * Reads every committed record of the given partitions of `topic` (read_committed), from
 * the start to `end`, calling `onRecord` in offset order per partition; resolves once each
 * partition's position reached its end. Its consumer is in a group of its own that commits
 * nothing and is deleted afterwards. Transaction markers and aborted records take offsets
 * too, and kafkajs skips batches of only those without calling eachBatch: the end of every
 * batch (END_BATCH_PROCESS) tells how far a partition got.
 */
export async function readToEnd(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  ranges: readonly PartitionRange[],
  onRecord: (partition: number, message: KafkaMessage) => void,
): Promise<void> {
  if (ranges.length === 0) return;
  const groupId = `online-em-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, retry: { retries: 5, restartOnFailure: async () => false } });
  const ends = new Map(ranges.map((r) => [r.partition, r.end]));
  const position = new Map(ranges.map((r) => [r.partition, r.low]));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const stalled = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const behind = [...ends].filter(([p, end]) => position.get(p)! < end).map(([p, end]) => `${p} at ${position.get(p)} of ${end}`);
          reject(new Error(`reading ${topic} got no further in ${READ_STALL_MS / 1000} s (partitions ${behind.join(', ')})`));
        }, READ_STALL_MS);
      };
      const finished = (): boolean => [...ends].every(([p, end]) => position.get(p)! >= end);
      stalled();
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (payload.topic !== topic || end === undefined) return;
        const next = BigInt(payload.lastOffset) + 1n;
        if (next > position.get(payload.partition)!) {
          position.set(payload.partition, next);
          stalled();
        }
        if (finished()) resolve();
      });
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition);
            if (end === undefined) return;
            for (const message of batch.messages) if (BigInt(message.offset) < end) onRecord(batch.partition, message);
          },
        });
      })().catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
