import type { ChangeState } from './change/change-recovery.js';
import type { ComponentSelection } from './model-selection/component-selection.js';
import type { MonitorState } from './prequential-monitor.js';
import type { CovarianceType, SufficientStats } from './types.js';

/** What the engine counts; checkpointed with it. */
export interface EngineCounters {
  pointsSeen: number;
  batches: number;
  rejected: number;
  reseeds: number;
  jitterEvents: number;
  skippedBatches: number;
}

/** Everything needed to resume a fit exactly: restoring it reproduces the run bit for bit. */
export interface EngineState {
  readonly version: 1;
  readonly k: number;
  readonly covarianceType: CovarianceType;
  readonly dim: number | null;
  readonly warmupPoints: Float64Array;
  readonly pendingPoints: Float64Array;
  readonly stats: Pick<SufficientStats, 'reference' | 's0' | 's1' | 's2'> | null;
  /** The averaged statistics s̄ (same reference) and how many updates they average. */
  readonly averaged: Pick<SufficientStats, 's0' | 's1' | 's2'> | null;
  readonly averagedUpdates: number;
  readonly pointsInStats: number;
  readonly counters: EngineCounters;
  readonly lastStepSize: number | null;
  readonly monitor: MonitorState;
  /** Change detection and recovery (absent when off, and in checkpoints from before it existed). */
  readonly change?: ChangeState;
  /** What `--components auto` tried and chose (absent for a fixed K, and before the warm-up fit). */
  readonly selection?: ComponentSelection;
}

/**
 * What one stepwise update computed for its points, under the parameters before the
 * update (test-then-train): the seam that per-point scores plug into. `firstPoint` is
 * the index of the minibatch's first point among all accepted points of the stream
 * (0-based, in arrival order), so the rows are points firstPoint … firstPoint + n - 1.
 * The arrays are valid only during the callback.
 */
export interface MinibatchUpdate {
  readonly firstPoint: number;
  readonly n: number;
  readonly k: number;
  /** n: log p(x_i) over the observed coordinates. */
  readonly logLik: Float64Array;
  /** n×K responsibilities. */
  readonly resp: Float64Array;
  /** True when the update was discarded (not finite): the model did not move. */
  readonly skipped: boolean;
  /** Wall time of the update, E-step to M-step (for metrics: the engine's own cost, without decoding or I/O). */
  readonly durationMs: number;
}

/**
 * Hears each update of an ingest call. A listener that throws ends that call with its
 * error part-way (the rest of the item's points are not buffered): treat the engine as
 * failed then, as the Kafka processor does with its session.
 */
export type UpdateListener = (update: MinibatchUpdate) => void;
