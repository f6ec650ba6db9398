import { DashboardServer } from '../dashboard/dashboard-server.js';
import { ScoreSummaries } from '../dashboard/score-summary.js';
import { SnapshotStore } from '../dashboard/snapshot-store.js';
import type { ConnectionSettings } from '../kafka/connection/connection-settings.js';
import { describeKafkaError } from '../kafka/kafka-client.js';
import type { TopicNames } from '../kafka/topics.js';
import type { Logger } from '../log/logger.js';
import { followDashboardTopics } from './follow-snapshot-topic.js';

export interface DemoDashboard {
  close(): Promise<void>;
}

/**
 * The embedded default's dashboard, in the same process: follows the demo's snapshot topic
 * (and its scores topic, when it has one) and serves on 127.0.0.1 (`port`, or any free one
 * when it is taken), its URL logged. It is a convenience: a failure is warned about, and
 * the run goes on without it.
 */
export async function startDemoDashboard(connection: ConnectionSettings, topics: TopicNames, port: number, logger: Logger): Promise<DemoDashboard | null> {
  const store = new SnapshotStore();
  const scores = topics.scores === undefined ? undefined : new ScoreSummaries();
  let server: DashboardServer;
  try {
    const options = { host: '127.0.0.1', ...(scores ? { scores } : {}) };
    server = await DashboardServer.start(store, { ...options, port }).catch(() => DashboardServer.start(store, { ...options, port: 0 }));
  } catch (error) {
    logger.warn(`no dashboard: cannot listen on 127.0.0.1 (${(error as Error).message}); the run goes on without it`);
    return null;
  }
  const followed = await followDashboardTopics(connection, { snapshot: topics.snapshot, scores: topics.scores ?? null }, store, scores, logger).catch((error: unknown) => {
    logger.warn(`no dashboard: cannot follow its topics (${describeKafkaError(error)}); the run goes on without it`);
    return null;
  });
  if (followed === null || !followed.ok) {
    await server.close();
    return null;
  }
  const close = async (): Promise<void> => {
    await server.close();
    await followed.source.stop();
  };
  logger.info(`dashboard of the demo stream on ${server.url}/`);
  return { close };
}
