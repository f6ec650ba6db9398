import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../log/logger.js';
import { classifyConnectionFailure, EXIT_CONNECTION_REFUSED, EXIT_UNREACHABLE } from '../connection/connection-failure.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { describeKafkaError } from '../kafka-client.js';
import { createMissingTopics, replicationFor } from '../topics.js';

/**
 * How long a one-shot tool tries to reach the cluster, create its topic and connect its
 * producer before it gives up. The client's own retries of a refused connection end within
 * a few seconds; this bounds a listener that takes the connection and never answers.
 */
export const CONNECT_DEADLINE_MS = 15_000;

/**
 * Create `topic` when missing (with `partitions` partitions) and connect `producer`,
 * within the deadline. On failure, logs one line (what went wrong and what to check) and
 * returns the exit code: 3 when retrying cannot help (credentials, certificates), else 5.
 */
export async function connectProducer(
  kafka: Kafka,
  producer: Producer,
  connection: ConnectionSettings,
  topic: { readonly name: string; readonly partitions: number },
  logger: Logger,
): Promise<{ readonly ok: true } | { readonly ok: false; readonly exitCode: number }> {
  try {
    await withDeadline(
      (async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await createMissingTopics(admin, [{ topic: topic.name, numPartitions: topic.partitions, replicationFactor: await replicationFor(admin, null) }], logger);
        } finally {
          await admin.disconnect();
        }
        await producer.connect();
      })(),
      CONNECT_DEADLINE_MS,
    );
    return { ok: true };
  } catch (error) {
    const failure = await classifyConnectionFailure(error, connection, false);
    if (failure.kind !== 'transient') {
      logger.error(`cannot connect, and retrying will not help: ${failure.line}`);
      return { ok: false, exitCode: EXIT_CONNECTION_REFUSED };
    }
    logger.error(`cannot reach Kafka, giving up: ${describeKafkaError(error)} (brokers ${connection.brokers.join(',')}: check --brokers / KAFKA_BROKERS and that the cluster is up)`);
    return { ok: false, exitCode: EXIT_UNREACHABLE };
  }
}

/** `work`, or a rejection once `ms` have passed without it settling. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
