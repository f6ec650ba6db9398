import kafkajs, { type Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeCheckpoint, type Checkpoint } from '../../../src/kafka/checkpoint.js';
import { scoresCompressionType } from '../../../src/kafka/scores/scores-record.js';
import { TransactionalProducer } from '../../../src/kafka/transactional-producer.js';
import { TransactionalPublisher } from '../../../src/kafka/transactional-publisher.js';
import { createTopic, testKafka, uniqueNames } from '../support/kafka-io.js';
import { readAllRecords } from '../support/reliability.js';

/**
 * The scores topic's compression is what reaches the broker: the batches of a zstd output
 * come back through the zstd codec (counted here), those of `none` never do, and both
 * read back as the same records.
 */
const records = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.from(JSON.stringify({ n: i, responsibilities: [1, 0, 0, 0] })) }));

function checkpointRecord(model: string): Message {
  const checkpoint = { version: 1, model, engine: null, counters: { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 1 }, offsets: [], createdAt: new Date(0).toISOString() };
  return { key: model, value: encodeCheckpoint(checkpoint as unknown as Checkpoint) };
}

/** Batches the zstd codec decompresses while `read` runs. */
async function zstdBatchesRead<T>(read: () => Promise<T>): Promise<{ result: T; batches: number }> {
  testKafka(); // registers the codec
  const codecs = kafkajs.CompressionCodecs;
  const registered = codecs[kafkajs.CompressionTypes.ZSTD];
  let batches = 0;
  codecs[kafkajs.CompressionTypes.ZSTD] = () => {
    const codec = registered();
    return { compress: codec.compress, decompress: async (buffer: Buffer) => (batches++, codec.decompress(buffer)) };
  };
  try {
    return { result: await read(), batches };
  } finally {
    codecs[kafkajs.CompressionTypes.ZSTD] = registered;
  }
}

describe('the scores topic compression', () => {
  it('writes zstd batches with zstd and plain ones with none, which read back as the same records', async () => {
    const names = uniqueNames('scores-compression');
    await createTopic(names.state);
    const producer = new TransactionalProducer(testKafka, `tx-${names.id}`);
    const publisher = new TransactionalPublisher(await producer.fresh(), names.group);
    const topics = { zstd: `scores-zstd-${names.id}`, none: `scores-none-${names.id}` } as const;
    for (const [compression, topic] of Object.entries(topics) as [keyof typeof topics, string][]) {
      await createTopic(topic);
      publisher.sendAhead({ role: 'scores', topic, messages: records(200), chunked: true, chunkBytes: 4096, compression: scoresCompressionType(compression) });
    }
    await publisher.commit({ outputs: [{ role: 'checkpoint', topic: names.state, messages: [checkpointRecord(names.model)] }], offsets: [] });
    await producer.close();

    const zstd = await zstdBatchesRead(() => readAllRecords(topics.zstd));
    const none = await zstdBatchesRead(() => readAllRecords(topics.none));
    const values = (rs: typeof zstd.result): string[] => rs.map((r) => r.value!.toString());
    expect(values(zstd.result)).toEqual(records(200).map((m) => String(m.value)));
    expect(values(none.result)).toEqual(values(zstd.result));
    // 200 records of ~60 bytes in batches of 4 KiB: a few batches, every one of them zstd.
    expect(zstd.batches).toBeGreaterThanOrEqual(2);
    expect(none.batches).toBe(0);
  });
});
