import type { Admin, ITopicConfig } from 'kafkajs';
import type { Logger } from '../log/logger.js';

export interface TopicNames {
  /** Points to fit. */
  readonly input: string;
  /** Published mixtures, keyed by model (compacted: the latest per model is kept). */
  readonly snapshot: string;
  /** Refused input with reasons. */
  readonly deadLetter: string;
  /** Checkpoints of the full model state, keyed by model (compacted). */
  readonly state: string;
  /** Per-point scores, a record per input message (run --scores-topic); absent: none. */
  readonly scores?: string;
}

/**
 * Checkpoints hold the warm-up buffer while warming up (up to 20,000 points of d float64),
 * snapshots of large models and dead letters of large messages can exceed the broker's 1 MiB default.
 */
export const STATE_TOPIC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * max.message.bytes of the dead-letter topic when online-em creates it: a dead letter carries
 * its input message (whose value may be up to --max-message-bytes, or more when it was refused
 * as oversized). dead-letter.ts bounds every dead letter to fit it.
 */
export const DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface TopicSettings {
  /** Partitions of the input topic when it has to be created. */
  readonly inputPartitions: number;
  /** Replication of created topics; null: min(3, brokers in the cluster). */
  readonly replicationFactor: number | null;
  /**
   * Partitions of the state topic when it has to be created: 1 for one model; keyed mode
   * asks for the input's, so a partition's keys are indexed by reading one state partition.
   */
  readonly statePartitions?: number;
}

/** Create whichever of the topics is missing; existing topics are left as they are. */
export async function ensureTopics(admin: Admin, names: TopicNames, settings: TopicSettings, logger: Logger): Promise<void> {
  const replicationFactor = await replicationFor(admin, settings.replicationFactor);
  const compacted = [{ name: 'cleanup.policy', value: 'compact' }];
  const wanted: ITopicConfig[] = [
    { topic: names.input, numPartitions: settings.inputPartitions, replicationFactor },
    // Large models (K·d² beyond ~40,000 with full covariances) make snapshots above the 1 MiB default.
    { topic: names.snapshot, numPartitions: 1, replicationFactor, configEntries: [...compacted, { name: 'max.message.bytes', value: String(STATE_TOPIC_MAX_MESSAGE_BYTES) }] },
    // A dead letter carries its input message (within DEAD_LETTER_BUDGET), and that can be larger
    // than the broker's default limit of 1 MiB (an input topic may allow more); refused by the
    // dead-letter topic, its commit would fail on every retry and the processor would never get past it.
    { topic: names.deadLetter, numPartitions: 1, replicationFactor, configEntries: [{ name: 'max.message.bytes', value: String(DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES) }] },
    {
      topic: names.state,
      numPartitions: settings.statePartitions ?? 1,
      replicationFactor,
      configEntries: [...compacted, { name: 'max.message.bytes', value: String(STATE_TOPIC_MAX_MESSAGE_BYTES) }],
    },
  ];
  // As many partitions as the input (consumers of scores scale with it); a scores record of a large message can pass 1 MiB.
  if (names.scores) wanted.push({ topic: names.scores, numPartitions: settings.inputPartitions, replicationFactor, configEntries: [{ name: 'max.message.bytes', value: String(STATE_TOPIC_MAX_MESSAGE_BYTES) }] });
  await createMissingTopics(admin, wanted, logger);
}

/** Create the topics of `wanted` that do not exist yet (by name; existing ones are left as they are). */
export async function createMissingTopics(
  admin: Admin,
  wanted: readonly ITopicConfig[],
  logger: Logger,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t, i) => !existing.has(t.topic) && wanted.findIndex((u) => u.topic === t.topic) === i);
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Another instance may have created them meanwhile; anything else is real.
    const now = new Set(await admin.listTopics());
    if (missing.some((t) => !now.has(t.topic))) throw error;
  }
  logger.info(`created topics ${missing.map((t) => t.topic).join(', ')}`, { replicationFactor: missing[0].replicationFactor });
}

/** The replication asked for, or min(3, brokers in the cluster). */
export async function replicationFor(admin: Admin, asked: number | null): Promise<number> {
  return asked ?? Math.min(3, (await admin.describeCluster()).brokers.length);
}
