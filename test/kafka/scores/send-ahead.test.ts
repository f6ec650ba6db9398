import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { encodeCheckpoint, type Checkpoint } from '../../../src/kafka/checkpoint.js';
import { TransactionalProducer } from '../../../src/kafka/transactional-producer.js';
import { TransactionalPublisher } from '../../../src/kafka/transactional-publisher.js';
import { createTopic, testKafka, uniqueNames } from '../support/kafka-io.js';
import { readAllRecords } from '../support/reliability.js';

/**
 * Records sent ahead in a transaction (the scores of messages still being fitted) are
 * visible with its commit, all of them and in order, or never: a producer that dies before
 * the commit leaves them to the next producer's fence, which aborts them.
 */
const records = (from: number, n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`{"n":${from + i}}`) }));

function checkpointRecord(model: string): Message {
  const checkpoint = { version: 1, model, engine: null, counters: { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 1 }, offsets: [], createdAt: new Date(0).toISOString() };
  return { key: model, value: encodeCheckpoint(checkpoint as unknown as Checkpoint) };
}

describe('sending records ahead in the open transaction', () => {
  it('makes them visible with the commit, in order, or never when the producer dies before it', async () => {
    const names = uniqueNames('send-ahead');
    const scores = `scores-${names.id}`;
    await createTopic(scores);
    await createTopic(names.state);
    const owner = (): TransactionalProducer => new TransactionalProducer(testKafka, `tx-${names.id}`);
    const commitRecords = { outputs: [{ role: 'checkpoint' as const, topic: names.state, messages: [checkpointRecord(names.model)] }], offsets: [] };

    // Sent ahead in three sends (the last in chunks of 1 KiB), then committed: all 300, in order.
    const first = owner();
    const publisher = new TransactionalPublisher(await first.fresh(), names.group);
    publisher.sendAhead({ role: 'scores', topic: scores, messages: records(0, 100), chunked: true });
    publisher.sendAhead({ role: 'scores', topic: scores, messages: records(100, 100), chunked: true });
    publisher.sendAhead({ role: 'scores', topic: scores, messages: records(200, 100), chunked: true, chunkBytes: 1024 });
    await publisher.commit(commitRecords);

    // Sent ahead again, and the producer is gone before its commit (a crash): a successor's fence aborts them.
    publisher.sendAhead({ role: 'scores', topic: scores, messages: records(300, 50), chunked: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.close();
    const successor = owner();
    const next = new TransactionalPublisher(await successor.fresh(), names.group);
    next.sendAhead({ role: 'scores', topic: scores, messages: records(1000, 10), chunked: true });
    await next.commit(commitRecords);
    await successor.close();

    const committed = (await readAllRecords(scores)).map((r) => (JSON.parse(r.value!.toString()) as { n: number }).n);
    const all = await readAllRecords(scores, { readUncommitted: true });
    expect(committed).toEqual([...Array.from({ length: 300 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 1000 + i)]);
    // The 50 were written to the log, in the transaction that was aborted.
    expect(all.length).toBe(360);
  });
});
