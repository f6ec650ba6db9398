import type { Consumer, EachBatchPayload } from 'kafkajs';
import { Observable } from 'rxjs';

/**
 * One fetched batch of one partition. kafkajs waits for `done` before it hands out the
 * next batch, so however large the backlog only one fetch is held in memory: the
 * consumer reads as fast as the pipeline processes.
 */
export interface ConsumedBatch {
  readonly payload: EachBatchPayload;
  /** Call when the batch is handled; an error makes the consumer crash (and be restarted). */
  done(error?: unknown): void;
}

export interface ConsumeOptions {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
}

/**
 * A kafkajs consumer as an Observable of batches with backpressure. Subscribing
 * subscribes and runs the consumer (offsets are never auto-committed: commits belong
 * to the transactions); unsubscribing stops it. Crashes are errors of the Observable.
 */
export function consumedBatches(consumer: Consumer, options: ConsumeOptions): Observable<ConsumedBatch> {
  return new Observable<ConsumedBatch>((subscriber) => {
    const removeCrashListener = consumer.on(consumer.events.CRASH, (event) => subscriber.error(event.payload.error));
    (async () => {
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) =>
          new Promise<void>((resolve, reject) => {
            if (subscriber.closed) return resolve();
            subscriber.next({ payload, done: (error?: unknown) => (error === undefined ? resolve() : reject(error)) });
          }),
      });
    })().catch((error: unknown) => subscriber.error(error));
    return () => {
      removeCrashListener();
      void consumer.stop().catch(() => undefined);
    };
  });
}
