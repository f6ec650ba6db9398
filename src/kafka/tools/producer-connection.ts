import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../log/logger.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { createMissingTopics, replicationFor } from '../topics.js';
import { connectWithin, type ToolConnection } from './tool-connection.js';

export { CONNECT_DEADLINE_MS } from './tool-connection.js';

/**
 * Create `topic` when missing (with `partitions` partitions) and connect `producer`,
 * within the deadline. On failure, logs one line (what went wrong and what to check) and
 * returns the exit code: 3 when retrying cannot help (credentials, certificates), else 5.
 */
export function connectProducer(
  kafka: Kafka,
  producer: Producer,
  connection: ConnectionSettings,
  topic: { readonly name: string; readonly partitions: number },
  logger: Logger,
): Promise<ToolConnection<void>> {
  return connectWithin(connection, logger, async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createMissingTopics(admin, [{ topic: topic.name, numPartitions: topic.partitions, replicationFactor: await replicationFor(admin, null) }], logger);
    } finally {
      await admin.disconnect();
    }
    await producer.connect();
  });
}
