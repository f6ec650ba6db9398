import { DashboardServer } from '../dashboard/dashboard-server.js';
import { SnapshotStore } from '../dashboard/snapshot-store.js';
import type { ConnectionSettings } from '../kafka/connection/connection-settings.js';
import { describeKafkaError } from '../kafka/kafka-client.js';
import type { Logger } from '../log/logger.js';
import { followSnapshotTopic } from './follow-snapshot-topic.js';

export interface DemoDashboard {
  close(): Promise<void>;
}

/**
 * The embedded default's dashboard, in the same process: follows the demo's snapshot topic
 * and serves on 127.0.0.1 (`port`, or any free one when it is taken), its URL logged. It is
 * a convenience: a failure is warned about, and the run goes on without it.
 */
export async function startDemoDashboard(connection: ConnectionSettings, topic: string, port: number, logger: Logger): Promise<DemoDashboard | null> {
  const store = new SnapshotStore();
  let server: DashboardServer;
  try {
    server = await DashboardServer.start(store, { host: '127.0.0.1', port }).catch(() => DashboardServer.start(store, { host: '127.0.0.1', port: 0 }));
  } catch (error) {
    logger.warn(`no dashboard: cannot listen on 127.0.0.1 (${(error as Error).message}); the run goes on without it`);
    return null;
  }
  const followed = await followSnapshotTopic(connection, topic, store, logger).catch((error: unknown) => {
    logger.warn(`no dashboard: cannot follow ${topic} (${describeKafkaError(error)}); the run goes on without it`);
    return null;
  });
  if (followed === null || !followed.ok) {
    await server.close();
    return null;
  }
  logger.info(`dashboard of the demo stream on ${server.url}/`);
  return {
    close: async () => {
      await server.close();
      await followed.source.stop();
    },
  };
}
