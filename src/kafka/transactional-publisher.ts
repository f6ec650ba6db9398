import type { CompressionTypes, Message, Producer, TopicMessages, Transaction } from 'kafkajs';
import { encodePointer, type CheckpointPointer, type PartitionOffset } from './checkpoint.js';
import { RecordTooLargeError, tooLargeType } from './record-too-large.js';

/**
 * Most bytes of dead letters sent in one produce request. kafkajs writes all the
 * messages of one send to a partition as ONE record batch, and the broker refuses a
 * batch above the topic's max.message.bytes (1 MiB by default) with MESSAGE_TOO_LARGE,
 * a failure that no retry cures: a commit holding ~1 MiB of dead letters failed every
 * time, and the processor restarted from the same checkpoint forever (found by
 * test/kafka/reliability/fuzz.test.ts). The processor also commits once this much is
 * buffered, so a commit needs few sends.
 */
export const DEAD_LETTER_BATCH_BYTES = 512 * 1024;

/** Approximate size of a record: key, value, header names and values, plus overhead. */
export function recordBytes(message: Message): number {
  let bytes = 64 + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) bytes += 16 + Buffer.byteLength(name) + byteLength(v);
  }
  return bytes;
}

function byteLength(v: Buffer | string | null | undefined): number {
  return v === null || v === undefined ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v);
}

/**
 * Records of one kind for one topic in a commit. `role` names what they are; the
 * `checkpoint` output's first record is where the offsets' metadata points. Dead
 * letters are sent in record batches of at most DEAD_LETTER_BATCH_BYTES (`chunked`).
 * A later output kind (scores, say) is one more entry, not a new field.
 */
export interface CommitOutput {
  readonly role: 'dead-letter' | 'scores' | 'snapshot' | 'checkpoint';
  readonly topic: string;
  readonly messages: readonly Message[];
  readonly chunked?: boolean;
  /** Bytes per record batch of a chunked output (default DEAD_LETTER_BATCH_BYTES). */
  readonly chunkBytes?: number;
  /** Compression of a chunked output's record batches (default none). */
  readonly compression?: CompressionTypes;
}

/** What one commit makes visible at once, or not at all. */
export interface CommitRecords {
  /** In order of sending: the chunked outputs first, then the rest in one request. */
  readonly outputs: readonly CommitOutput[];
  /** Next offset per input partition consumed so far. */
  readonly offsets: readonly PartitionOffset[];
}

/**
 * Publishes a commit's outputs (dead letters, snapshots, checkpoints) and commits the
 * input offsets in one Kafka transaction. The offsets carry a pointer to the checkpoint
 * record in their metadata, so a restart finds exactly the state they belong to.
 */
export class TransactionalPublisher {
  /** The transaction that records were sent ahead in, and those sends in order; null when none is open. */
  private open: { readonly transaction: Promise<Transaction>; sent: Promise<void> } | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly groupId: string,
  ) {}

  /**
   * Send records of the next commit now, in its transaction (opened here if need be), while
   * the caller goes on fitting: large outputs (scores) then overlap with the work instead of
   * all waiting for the commit. They become visible with the commit, or never (a failed send
   * fails the commit; a session that ends without committing leaves the transaction to be
   * aborted by the next producer's fence). Chunked like a commit's chunked outputs.
   */
  sendAhead(output: CommitOutput): void {
    if (output.messages.length === 0) return;
    const open = (this.open ??= { transaction: this.producer.transaction(), sent: Promise.resolve() });
    const sending = open.sent.then(async () => {
      const transaction = await open.transaction;
      for (const chunk of chunksByBytes(output.messages, output.chunkBytes ?? DEAD_LETTER_BATCH_BYTES)) {
        await transaction.send({ topic: output.topic, messages: chunk, compression: output.compression }).catch((error: unknown) => {
          throw sizeRefusal(error, [{ topic: output.topic, messages: chunk }]);
        });
      }
    });
    // The commit awaits it and sees its error; until then a rejection is not unhandled.
    sending.catch(() => undefined);
    open.sent = sending;
  }

  async commit(records: CommitRecords): Promise<CheckpointPointer> {
    const checkpoint = records.outputs.find((o) => o.role === 'checkpoint' && o.messages.length > 0);
    if (!checkpoint) throw new Error('a commit needs a checkpoint record: the offsets must point at one');
    const open = this.open;
    this.open = null;
    const transaction = open ? await open.transaction : await this.producer.transaction();
    try {
      if (open) await open.sent;
      // Chunked outputs (dead letters) first, in record batches of at most DEAD_LETTER_BATCH_BYTES
      // (a larger one alone): still one transaction, so all or none become visible with the rest.
      for (const output of records.outputs) {
        if (!output.chunked) continue;
        for (const chunk of chunksByBytes(output.messages, output.chunkBytes ?? DEAD_LETTER_BATCH_BYTES)) {
          await transaction.send({ topic: output.topic, messages: chunk, compression: output.compression }).catch((error: unknown) => {
            throw sizeRefusal(error, [{ topic: output.topic, messages: chunk }]);
          });
        }
      }
      const topicMessages: TopicMessages[] = records.outputs
        .filter((o) => !o.chunked && o.messages.length > 0)
        .map((o) => ({ topic: o.topic, messages: [...o.messages] }));
      const written = await transaction.sendBatch({ topicMessages }).catch((error: unknown) => {
        throw sizeRefusal(error, topicMessages);
      });
      const state = written.find((r) => r.topicName === checkpoint.topic);
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

/**
 * A size refusal of the broker's as a RecordTooLargeError naming the topic of the largest record
 * sent (kafkajs does not say which topic refused); any other error as it is.
 */
export function sizeRefusal(error: unknown, sent: readonly TopicMessages[]): unknown {
  const type = tooLargeType(error);
  if (!type) return error;
  let largest = { topic: sent[0]?.topic ?? 'unknown', bytes: 0 };
  for (const { topic, messages } of sent) {
    for (const m of messages) {
      const bytes = recordBytes(m);
      if (bytes > largest.bytes) largest = { topic, bytes };
    }
  }
  return new RecordTooLargeError(largest.topic, largest.bytes, type, { cause: error });
}

/** Consecutive runs of messages of at most `maxBytes` each (a larger message is a run of its own). */
export function chunksByBytes(messages: readonly Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let chunk: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = recordBytes(m);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function groupByTopic(offsets: readonly PartitionOffset[]): [string, PartitionOffset[]][] {
  const byTopic = new Map<string, PartitionOffset[]>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  return [...byTopic.entries()];
}
