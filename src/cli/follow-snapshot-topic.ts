import { KafkaScoresSource } from '../dashboard/kafka-scores-source.js';
import { KafkaSnapshotSource } from '../dashboard/kafka-snapshot-source.js';
import type { ScoreSummaries } from '../dashboard/score-summary.js';
import type { SnapshotStore } from '../dashboard/snapshot-store.js';
import type { ConnectionSettings } from '../kafka/connection/connection-settings.js';
import { createKafka } from '../kafka/kafka-client.js';
import { connectWithin } from '../kafka/tools/tool-connection.js';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';

interface TopicSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

type Followed<S> = { ok: true; source: S } | { ok: false; exitCode: number };

/** Starts a source that follows the snapshot topic into the store (the exit code when it cannot connect). */
export function followSnapshotTopic(connection: ConnectionSettings, topic: string, store: SnapshotStore, logger: Logger): Promise<Followed<KafkaSnapshotSource>> {
  return follow(connection, logger, (kafka) => new KafkaSnapshotSource(kafka, topic, store, logger));
}

/** Starts a source that follows the scores topic, from its end, into the summaries (the exit code when it cannot connect). */
export function followScoresTopic(connection: ConnectionSettings, topic: string, summaries: ScoreSummaries, logger: Logger): Promise<Followed<KafkaScoresSource>> {
  return follow(connection, logger, (kafka) => new KafkaScoresSource(kafka, topic, summaries, logger));
}

/**
 * The dashboard's topics: the snapshot topic, and the scores topic into `summaries` when
 * both are given. One source stops them all; a failure stops those already started.
 */
export async function followDashboardTopics(
  connection: ConnectionSettings,
  topics: { readonly snapshot: string; readonly scores: string | null },
  store: SnapshotStore,
  summaries: ScoreSummaries | undefined,
  logger: Logger,
): Promise<Followed<{ stop(): Promise<void> }>> {
  const snapshots = await followSnapshotTopic(connection, topics.snapshot, store, logger);
  if (!snapshots.ok || topics.scores === null || summaries === undefined) return snapshots;
  const scores = await followScoresTopic(connection, topics.scores, summaries, logger).catch(async (error: unknown) => {
    await snapshots.source.stop();
    throw error;
  });
  if (!scores.ok) {
    await snapshots.source.stop();
    return scores;
  }
  const stop = async (): Promise<void> => {
    await snapshots.source.stop();
    await scores.source.stop();
  };
  return { ok: true, source: { stop } };
}

async function follow<S extends TopicSource>(connection: ConnectionSettings, logger: Logger, create: (kafka: Kafka) => S): Promise<Followed<S>> {
  const kafka = createKafka({ connection: { ...connection, clientId: `${connection.clientId}-dashboard` }, logger });
  const source = create(kafka);
  const connected = await connectWithin(connection, logger, () => source.start());
  if (!connected.ok) {
    await source.stop();
    return connected;
  }
  return { ok: true, source };
}
