import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { testKafka } from './kafka-io.js';

/** One transaction of a test producer: its messages, by topic, and whether it commits or aborts. */
export interface TestTransaction {
  readonly topic: string;
  readonly messages: readonly Message[];
  readonly outcome: 'commit' | 'abort';
}

/** Send the transactions in order, one transactional producer for all, each committed or aborted as it says. */
export async function sendTransactions(transactions: readonly TestTransaction[]): Promise<void> {
  const producer = testKafka().producer({ transactionalId: `test-tx-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const t of transactions) {
      const tx = await producer.transaction();
      try {
        await tx.send({ topic: t.topic, messages: [...t.messages] });
      } catch (error) {
        await tx.abort();
        throw error;
      }
      if (t.outcome === 'commit') await tx.commit();
      else await tx.abort();
    }
  } finally {
    await producer.disconnect();
  }
}
