import type { Kafka, Producer } from 'kafkajs';

/**
 * The model's transactional producer. Initialising one fences every older producer of
 * the same transactional id, so it happens when, and only when, this member takes the
 * model over (`fresh`, before the restore): an owner that keeps the model through a
 * rebalance keeps its epoch, and a member the group did not choose never fences anyone.
 */
export class TransactionalProducer {
  private producer: Producer | null = null;
  private suspect = false;

  constructor(
    private readonly kafka: () => Kafka,
    private readonly transactionalId: string,
  ) {}

  /** The producer for the next session: the current one, or a new one after a failure. */
  async get(): Promise<Producer> {
    if (this.producer && !this.suspect) return this.producer;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
    const producer = this.kafka().producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // kafkajs waits 300 ms by default when a new transaction meets the last one's markers.
      retry: { initialRetryTime: 20, maxRetryTime: 2_000, retries: 10 },
    });
    await producer.connect();
    // Fence before anything is restored: kafkajs 2.2.4 runs the transactional InitProducerId
    // (which fences every older producer of this id and aborts its open transaction) only at
    // the first transaction(), not at connect(). An empty transaction runs it now; its abort
    // sends nothing (no partitions were added). So no older instance can commit after this
    // session has read the checkpoint it resumes from.
    await (await producer.transaction()).abort();
    this.producer = producer;
    this.suspect = false;
    return producer;
  }

  /** A producer of a new epoch, whatever the current one: taking the model over fences everyone before. */
  async fresh(): Promise<Producer> {
    this.suspect = true;
    return this.get();
  }

  /** A transaction failed: the next session starts with a new producer. */
  markSuspect(): void {
    this.suspect = true;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }
}
