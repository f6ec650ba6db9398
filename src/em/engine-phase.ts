import type { ComponentFactors } from './component-factors.js';
import type { MinibatchAssembler } from './minibatch-assembler.js';
import type { MixtureParams, PointBatch, SufficientStats } from './types.js';

/** The polynomial-decay average of the statistics, when averaging. */
export interface Averaged {
  stats: SufficientStats;
  updates: number;
  /** θ̄(s̄), computed when first asked for after an update. */
  params: MixtureParams | null;
}

/** Before the first valid point: the dimension is not known yet. */
export interface AwaitingDimension {
  readonly kind: 'awaiting-dimension';
}

/** Buffering the warm-up window; no model yet. */
export interface WarmingUp {
  readonly kind: 'warming-up';
  readonly dim: number;
  readonly buffer: PointBatch[];
  count: number;
}

/** Initialised: every full minibatch is a stepwise update. */
export interface Fitting {
  readonly kind: 'fitting';
  readonly dim: number;
  readonly assembler: MinibatchAssembler;
  stats: SufficientStats;
  params: MixtureParams;
  factors: ComponentFactors;
  averaged: Averaged | null;
  /** Accepted points before the next minibatch's first one (see MinibatchUpdate.firstPoint). */
  pointsBeforePending: number;
  /**
   * The E-step of the first waiting points, as scorePendingTail computed it under `factors`
   * (null: none): the next update takes it instead of computing it again. Not state: a
   * restored engine computes it again, to the same bits.
   */
  pendingScores: PendingScores | null;
}

/** KnownScores of the waiting points [0, rows), and the factors they were computed under. */
export interface PendingScores {
  factors: ComponentFactors;
  rows: number;
  readonly resp: Float64Array;
  readonly logLik: Float64Array;
}

export type Phase = AwaitingDimension | WarmingUp | Fitting;
