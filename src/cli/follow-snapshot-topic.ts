import { KafkaSnapshotSource } from '../dashboard/kafka-snapshot-source.js';
import type { SnapshotStore } from '../dashboard/snapshot-store.js';
import type { ConnectionSettings } from '../kafka/connection/connection-settings.js';
import { createKafka } from '../kafka/kafka-client.js';
import { connectWithin } from '../kafka/tools/tool-connection.js';
import type { Logger } from '../log/logger.js';

/** Starts a source that follows the snapshot topic into the store (the exit code when it cannot connect). */
export async function followSnapshotTopic(
  connection: ConnectionSettings,
  topic: string,
  store: SnapshotStore,
  logger: Logger,
): Promise<{ ok: true; source: KafkaSnapshotSource } | { ok: false; exitCode: number }> {
  const kafka = createKafka({ connection: { ...connection, clientId: `${connection.clientId}-dashboard` }, logger });
  const source = new KafkaSnapshotSource(kafka, topic, store, logger);
  const connected = await connectWithin(connection, logger, () => source.start());
  if (!connected.ok) {
    await source.stop();
    return connected;
  }
  return { ok: true, source };
}
