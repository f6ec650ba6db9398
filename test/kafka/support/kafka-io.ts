import { randomUUID } from 'node:crypto';
import { registerZstdCodec } from '../../../src/kafka/compression/zstd-codec.js';
import { Kafka, logLevel, type IHeaders, type KafkaMessage, type Message } from 'kafkajs';

/** The broker the global setup started; tests that need it fail without it. */
export function testBrokers(): string[] {
  const brokers = process.env.ONLINE_EM_TEST_BROKERS;
  if (!brokers) throw new Error('no test broker: run the Kafka tests with `npm test` (its global setup starts the broker)');
  return brokers.split(',');
}

export function testKafka(): Kafka {
  // The processor compresses the scores topic with zstd (kafkajs has no codec of its own).
  registerZstdCodec();
  return new Kafka({ clientId: 'online-em-test', brokers: testBrokers(), logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/** Fresh topic, group and model names, so tests never see each other's data. */
export function uniqueNames(prefix: string) {
  const id = `${prefix}-${randomUUID().slice(0, 8)}`;
  return {
    id,
    model: id,
    group: `group-${id}`,
    input: `points-${id}`,
    snapshot: `snapshots-${id}`,
    deadLetter: `dead-letters-${id}`,
    state: `state-${id}`,
  };
}

/** A topic of `partitions` partitions, with topic settings `config` (e.g. `{ 'max.message.bytes': '33554432' }`). */
export async function createTopic(topic: string, partitions = 1, config: Record<string, string> = {}): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Send messages in order, in requests of at most ~512 KiB (the broker takes 1 MiB batches). */
export async function produce(topic: string, messages: readonly Message[]): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    let batch: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = (m.value?.length ?? 0) + 64;
      if (batch.length > 0 && bytes + size > 512 * 1024) {
        await producer.send({ topic, messages: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(m);
      bytes += size;
    }
    if (batch.length > 0) await producer.send({ topic, messages: batch });
  } finally {
    await producer.disconnect();
  }
}

export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Every committed message of a topic, read from the beginning (read_committed) until
 * `count` messages were seen (when given) or nothing new arrived for `idleMs`.
 */
export async function readTopic(topic: string, options: { count?: number; idleMs?: number; timeoutMs?: number } = {}): Promise<ReadMessage[]> {
  const kafka = testKafka();
  const groupId = `reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 64 * 1024 * 1024 });
  const out: ReadMessage[] = [];
  const idleMs = options.idleMs ?? 1500;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push(toRead(partition, message));
        last = Date.now();
      },
    });
    while (Date.now() < deadline) {
      if (options.count !== undefined ? out.length >= options.count : Date.now() - last > idleMs && out.length > 0) break;
      if (options.count === undefined && out.length === 0 && Date.now() - last > idleMs * 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return out;
}

function toRead(partition: number, message: KafkaMessage): ReadMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? ({} as IHeaders))) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return { partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value, headers };
}

/** The committed offsets of a group on a topic, by partition. */
export async function committedOffsets(group: string, topic: string): Promise<Map<number, string>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Move a group's committed offset on partition 0 back to `offset`, keeping its metadata (the
 * checkpoint pointer) unless `metadata` is given: the states a broker crash can leave, with
 * offsets older than the checkpoint. The group must have no members.
 */
export async function rewindCommittedOffset(group: string, topic: string, offset: string, newMetadata?: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  let metadata: string | null;
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    metadata = newMetadata ?? t?.partitions.find((p) => p.partition === 0)?.metadata ?? null;
  } finally {
    await admin.disconnect();
  }
  const producer = testKafka().producer({ transactionalId: `online-em-test-rewind-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    // kafkajs passes `metadata` through to the broker, though its types leave it out.
    const partitions: { partition: number; offset: string }[] = [Object.assign({ partition: 0, offset }, { metadata })];
    await transaction.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions }] });
    await transaction.commit();
  } finally {
    await producer.disconnect();
  }
}
