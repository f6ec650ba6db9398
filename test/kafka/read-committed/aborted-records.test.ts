import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTopic, testKafka, uniqueNames } from '../support/kafka-io.js';

/**
 * Against the broker: two transactional producers interleave aborted transactions on one
 * partition, a third commits one, and a read_committed consumer starts at the second aborted
 * transaction's first record, so that its first fetch begins after both aborted transactions
 * did. kafkajs 2.2.4 alone hands it that record (it opens one aborted transaction per record);
 * with src/kafka/read-committed/aborted-records.ts installed (every client made by createKafka,
 * and this project's test clients: test/kafka/support/read-committed.ts) it gets the committed
 * records only.
 */
describe('read_committed with interleaved aborted transactions', () => {
  it('a fetch that starts inside two aborted transactions gives none of their records', async () => {
    const topic = uniqueNames('aborted').input;
    await createTopic(topic, 1);
    const kafka = testKafka();
    const producer = (name: string) => kafka.producer({ transactionalId: `${topic}-${name}`, idempotent: true, maxInFlightRequests: 1 });
    const [p1, p2, p3] = [producer('one'), producer('two'), producer('three')];
    await Promise.all([p1.connect(), p2.connect(), p3.connect()]);
    try {
      const t1 = await p1.transaction();
      const t2 = await p2.transaction();
      await t1.send({ topic, messages: [{ value: 'one-a' }] }); // offset 0
      await t2.send({ topic, messages: [{ value: 'two-a' }] }); // offset 1: where the consumer starts
      await t1.send({ topic, messages: [{ value: 'one-b' }] });
      await t2.send({ topic, messages: [{ value: 'two-b' }] });
      await t1.abort();
      await t2.abort();
      const t3 = await p3.transaction();
      await t3.send({ topic, messages: [{ value: 'three-a' }, { value: 'three-b' }] });
      await t3.commit();
    } finally {
      await Promise.all([p1.disconnect(), p2.disconnect(), p3.disconnect()]);
    }

    const consumer = kafka.consumer({ groupId: `aborted-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.includes('three-b')) resolve();
          },
        });
      });
      consumer.seek({ topic, partition: 0, offset: '1' });
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(['three-a', 'three-b']);
  });
});
