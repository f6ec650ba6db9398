import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { STATE_TOPIC_MAX_MESSAGE_BYTES } from '../topics.js';

/** Reads closer than this many offsets apart are one sequential read (cheaper than a seek and a fetch). */
const CLUSTER_GAP = 4096;
/** A read that gets no further for this long fails (a large one may take longer in all). */
const READ_STALL_MS = 60_000;

interface RangeRead {
  readonly partition: number;
  readonly to: bigint;
  position: bigint;
  onRecord(message: KafkaMessage): void;
  resolve(): void;
  reject(error: unknown): void;
  /** The read moved on: its no-progress deadline starts again. */
  progressed(): void;
}

/**
 * Reads ranges of the state topic on demand (read_committed), for keyed mode: the index
 * scan of a partition taken over, and the checkpoints of evicted keys read back. One
 * long-lived consumer in a group of its own holds every partition, paused; a read seeks,
 * resumes its partition until the range is covered, and pauses it again. So a read costs a
 * seek and a fetch, not a group join. Reads run one at a time.
 */
export class StateTopicReader {
  private readonly consumer: Consumer;
  private readonly groupId = `online-em-state-reader-${randomUUID()}`;
  private current: RangeRead | null = null;
  private queue: Promise<void> = Promise.resolve();
  private started: Promise<void> | null = null;
  private crashed: unknown = null;
  private closed = false;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    readonly topic: string,
  ) {
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      // Paused, the consumer polls at this pace: it bounds the latency of a read's first fetch.
      maxWaitTimeInMs: 25,
      maxBytes: STATE_TOPIC_MAX_MESSAGE_BYTES,
      maxBytesPerPartition: 4 * 1024 * 1024,
      retry: { retries: 5, restartOnFailure: async () => false },
    });
  }

  /** Every record of `partition` from its start to its end now (the end of committed records). */
  async scan(partition: number, onRecord: (message: KafkaMessage) => void): Promise<void> {
    const offsets = (await this.admin.fetchTopicOffsets(this.topic)).find((p) => p.partition === partition);
    if (!offsets) throw new Error(`state topic ${this.topic} has no partition ${partition}`);
    await this.read(partition, BigInt(offsets.low), BigInt(offsets.high), onRecord);
  }

  /** The records at `offsets` of `partition` (those that exist), read in clusters. */
  async records(partition: number, offsets: readonly bigint[]): Promise<Map<string, KafkaMessage>> {
    const wanted = new Set(offsets.map(String));
    const found = new Map<string, KafkaMessage>();
    const sorted = [...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] - sorted[j] <= CLUSTER_GAP) j++;
      await this.read(partition, sorted[i], sorted[j] + 1n, (m) => {
        if (wanted.has(m.offset)) found.set(m.offset, m);
      });
      i = j + 1;
    }
    return found;
  }

  /** Records of [from, to) of one partition, in order. */
  read(partition: number, from: bigint, to: bigint, onRecord: (message: KafkaMessage) => void): Promise<void> {
    const run = this.queue.then(() => this.readNow(partition, from, to, onRecord));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current?.reject(new Error(`reading ${this.topic} stopped: the session ended`));
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
  }

  private async readNow(partition: number, from: bigint, to: bigint, onRecord: (message: KafkaMessage) => void): Promise<void> {
    if (from >= to) return;
    if (this.closed) throw new Error(`reading ${this.topic} stopped: the session ended`);
    await this.start();
    if (this.crashed) throw this.crashed;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const stalled = (): NodeJS.Timeout =>
          setTimeout(() => reject(new Error(`reading ${this.topic}/${partition} got no further than offset ${this.current?.position ?? from} (of ${from} to ${to}) in ${READ_STALL_MS} ms`)), READ_STALL_MS);
        const progressed = (): void => {
          clearTimeout(timer);
          timer = stalled();
        };
        this.current = { partition, to, position: from, onRecord, resolve, reject, progressed };
        timer = stalled();
        this.consumer.seek({ topic: this.topic, partition, offset: from.toString() });
        this.consumer.resume([{ topic: this.topic, partitions: [partition] }]);
      });
    } finally {
      clearTimeout(timer);
      this.current = null;
      if (!this.closed) this.consumer.pause([{ topic: this.topic, partitions: [partition] }]);
    }
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      const consumer = this.consumer;
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.crashed = payload.error;
        this.current?.reject(payload.error);
      });
      // Markers and aborted records take offsets too, and kafkajs skips batches of only those
      // without calling eachBatch: the end of every batch tells how far a read got.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const read = this.current;
        if (!read || payload.topic !== this.topic || payload.partition !== read.partition) return;
        const next = BigInt(payload.lastOffset) + 1n;
        if (next > read.position) {
          read.position = next;
          read.progressed();
        }
        if (read.position >= read.to) read.resolve();
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, pause }) => {
          const read = this.current;
          if (!read || batch.partition !== read.partition) return void pause();
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset >= read.position && offset < read.to) read.onRecord(message);
          }
        },
      });
      await joined;
      // Nothing is read until asked.
      const partitions = (await this.admin.fetchTopicOffsets(this.topic)).map((p) => p.partition);
      consumer.pause([{ topic: this.topic, partitions }]);
    })();
    return this.started;
  }
}
