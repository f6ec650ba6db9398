import type { KafkaMessage } from 'kafkajs';
import { decodePartitionRecord, describeStateRecord, type PartitionRecord } from './keyed-records.js';
import { spillId } from './partition-keys.js';
import type { SpillStore } from './spill-store.js';
import type { StateTopicReader } from './state-topic-reader.js';

/** What a takeover knows of a partition's keys before it consumes. */
export interface PartitionIndex {
  /** Key → offset in the state partition of its newest checkpoint. */
  readonly index: Map<string, string>;
  readonly record: PartitionRecord | null;
}

/**
 * Index an input partition's keys with one scan of its state partition, writing each key's
 * newest checkpoint to the spill file. A commit writes its key checkpoints first and the
 * partition's record last, in one transaction. The scan reads to the last stable offset,
 * which another producer's open transaction on the same state partition can hold back into
 * the middle of this partition's last commit: so a commit's keys count only once its record
 * has been read, and those of a commit whose record lies beyond the scan are dropped (the
 * partition resumes from the record before them, and refits them exactly).
 */
export async function indexPartition(
  reader: StateTopicReader,
  spill: SpillStore,
  model: string,
  partition: number,
  statePartition: number,
  cancelled: () => boolean,
): Promise<PartitionIndex> {
  const index = new Map<string, string>();
  let record: PartitionRecord | null = null;
  let pending: { key: string; offset: string; value: Buffer }[] = [];
  await reader.scan(statePartition, (message: KafkaMessage) => {
    if (cancelled()) return;
    const what = describeStateRecord(message.headers, model, partition);
    if (!what || !message.value) return;
    if (what.kind === 'key') {
      pending.push({ key: what.key, offset: message.offset, value: message.value });
      return;
    }
    for (const p of pending) {
      index.set(p.key, p.offset);
      // The newest version wins; the older ones become dead bytes of the file.
      spill.put(spillId(partition, p.key), p.value);
    }
    pending = [];
    record = decodePartitionRecord(message.value);
  });
  return { index, record };
}
