import type { OnlineEmOptions } from '../em/options.js';
import type { AnomalyRule } from '../score/anomaly-threshold.js';
import type { ScoresCompression, ScoresFormat } from './scores/scores-record.js';
import type { ConnectionSettings } from './connection/connection-settings.js';
import type { TopicNames, TopicSettings } from './topics.js';

export interface ProcessorConfig {
  /** Brokers, client id, TLS and SASL. */
  readonly connection: ConnectionSettings;
  /** Name of the model: key of its snapshots and checkpoints. */
  readonly model: string;
  readonly group: string;
  readonly transactionalId: string;
  readonly topics: TopicNames;
  readonly topicSettings: TopicSettings;
  readonly engine: OnlineEmOptions;
  /** Publish after this many minibatches (null: by time only). */
  readonly snapshotEvery: number | null;
  /** Publish (and checkpoint) at least this often while input arrives. */
  readonly snapshotIntervalMs: number;
  readonly progressIntervalMs: number;
  readonly maxMessageBytes: number;
  /** Parse JSON messages on a thread of their own while the main thread fits (run --decode-thread; the one-model processor). */
  readonly decodeThread?: boolean;
  /** Where a group without committed offsets starts. */
  readonly startFrom: 'earliest' | 'latest';
  /** Consumer group session timeout: how soon a dead instance's partitions move on. */
  readonly sessionTimeoutMs: number;
  /** Delete the model's group (its committed offsets) at start, so the fit starts over. */
  readonly resetModel: boolean;
  /** A model per message key (run --keyed); null: one model for the whole input. */
  readonly keyed: KeyedConfig | null;
  /** A scores record per input message (run --scores-topic); null: none. */
  readonly scores?: ScoresConfig | null;
}

/** With --scores-topic (whose name is topics.scores). */
export interface ScoresConfig {
  readonly format: ScoresFormat;
  /** The scores topic's record batches: zstd (the default) or uncompressed. */
  readonly compression: ScoresCompression;
  /** How points are flagged as anomalies. */
  readonly anomaly: AnomalyRule;
  /** Each point's responsibilities in the records (--scores-responsibilities). */
  readonly responsibilities: boolean;
}

export interface KeyedConfig {
  /** Models kept in memory at most; the least recently used unchanged ones are evicted. */
  readonly maxKeys: number;
  /** Export each key's log-likelihood average as a metric (one series per key). */
  readonly keyMetrics: boolean;
  /** Directory of the local file where evicted models wait (a cache of the state topic). */
  readonly spillDir: string;
}

export type { PublishedSnapshot } from './published-snapshot.js';
