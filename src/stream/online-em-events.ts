import type { EngineCounters, EngineState } from '../em/online-em.js';
import type { IndexedRejection } from '../em/point-validation.js';
import type { MixtureSnapshot } from '../em/snapshot.js';

/** A snapshot of the model, on the cadence and once more when the source completes. */
export interface SnapshotEvent<P> {
  readonly type: 'snapshot';
  readonly snapshot: MixtureSnapshot;
  /** Position of the last input item the snapshot reflects (undefined if items carry none). */
  readonly position: P | undefined;
  /** True for the one emitted when the source completes. */
  readonly final: boolean;
  /** The full engine state at this point, when the operator was asked for it (checkpoints). */
  readonly state?: EngineState;
}

/**
 * The full engine state, on request (`checkpointRequests`) and, when state is asked
 * for, once more on completion if no model exists yet (still warming up).
 */
export interface CheckpointEvent<P> {
  readonly type: 'checkpoint';
  readonly state: EngineState;
  /** The current model, or null while warming up. */
  readonly snapshot: MixtureSnapshot | null;
  readonly position: P | undefined;
  readonly final: boolean;
}

/** Points of one input item that were refused, with reasons; they never reach the model. */
export interface RejectedEvent<P> {
  readonly type: 'rejected';
  readonly rejections: readonly IndexedRejection[];
  readonly position: P | undefined;
}

/** Throughput and fit quality, on the progress interval. */
export interface ProgressEvent {
  readonly type: 'progress';
  readonly counters: Readonly<EngineCounters>;
  readonly pointsPerSecond: number;
  readonly logLikelihood: { readonly last: number | null; readonly average: number | null };
  readonly warmingUp: boolean;
}

export type OnlineEmEvent<P = unknown> = SnapshotEvent<P> | CheckpointEvent<P> | RejectedEvent<P> | ProgressEvent;
