import type { MixtureSnapshot } from '../em/snapshot.js';
import type { AnomalySummary } from '../score/anomaly-threshold.js';
import type { PartitionOffset } from './checkpoint.js';

/**
 * The value of a record on the snapshot topic: the engine's snapshot plus where it stands
 * in the input (schemas/snapshot.schema.json). `fit` writes the plain MixtureSnapshot.
 */
export interface PublishedSnapshot extends MixtureSnapshot {
  readonly model: string;
  /** With --keyed: the key whose model this is (the record's key is `model/key`). */
  readonly key?: string;
  /** Next offset per input partition: the snapshot reflects every message before them. */
  readonly offsets: readonly PartitionOffset[];
  readonly input: { readonly messages: number; readonly deadLettered: number };
  /** True for the shutdown snapshot. */
  readonly final: boolean;
  /** With --scores-topic: the anomaly threshold in force and the recent anomaly rate. */
  readonly anomaly?: AnomalySummary;
}
