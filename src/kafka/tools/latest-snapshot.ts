import type { Admin, Kafka } from 'kafkajs';
import { committedRanges, readToEnd } from './topic-end-reader.js';

/**
 * The record key of a model's snapshots: the model's name (`run --model`), or `MODEL/KEY`
 * for the model of one message key of a `--keyed` processor.
 */
export function snapshotRecordKey(model: string, key: string | null): string {
  return key === null ? model : `${model}/${key}`;
}

/** The last committed record of a key, where it was found. */
export interface LatestRecord {
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly value: Buffer;
}

/**
 * The last committed record of `recordKey` in `topic`: every partition read (read_committed)
 * to its last stable offset as of the call, the last record with that key kept (a key's
 * records share a partition; should a repartitioned topic hold it in several, the newest by
 * timestamp wins). Null when there is none, or when its last record is a tombstone. An empty
 * topic is answered without reading.
 */
export async function latestRecord(kafka: Kafka, admin: Admin, topic: string, recordKey: string): Promise<LatestRecord | null> {
  const ranges = await committedRanges(admin, topic);
  const last = new Map<number, LatestRecord | null>();
  const wanted = Buffer.from(recordKey, 'utf8');
  await readToEnd(kafka, admin, topic, ranges, (partition, message) => {
    if (message.key === null || !wanted.equals(message.key)) return;
    last.set(partition, message.value === null ? null : { partition, offset: message.offset, timestamp: message.timestamp, value: message.value });
  });
  let newest: LatestRecord | null = null;
  for (const record of last.values()) if (record !== null && (newest === null || Number(record.timestamp) > Number(newest.timestamp))) newest = record;
  return newest;
}
