import type { ComponentFactors } from '../component-factors.js';
import type { FactoredModel } from '../m-step-factors.js';
import type { PointBatch, SufficientStats } from '../types.js';
import type { BlendedUpdate, FollowingUpdate } from './fused-update.js';

/** What the E-step and the statistics of one minibatch give, chunk by chunk. */
export interface ChunkedStatistics {
  readonly n: number;
  readonly k: number;
  /** n×K responsibilities. */
  readonly resp: Float64Array;
  /** n: log p(x_i) over the observed coordinates. */
  readonly logLik: Float64Array;
  /** ŝ, the statistics per point about the reference: the chunks' sums in chunk order, over n. */
  readonly stats: SufficientStats;
  /** The `update` asked for, blended and factored in the same job; null where the executor computed none (the caller blends ŝ and runs `mStep`). */
  readonly blended: BlendedUpdate | null;
}

/**
 * The E-step of a minibatch's first `rows` points under the factors it is run with, computed
 * before (the engine scores the points waiting for their minibatch, issue 12's test-then-train
 * scores): an executor may take them instead of computing them again. A row's E-step depends
 * on the factors alone, so the bits are the same either way.
 */
export interface KnownScores {
  readonly rows: number;
  /** rows×K responsibilities, then room. */
  readonly resp: Float64Array;
  /** rows log-likelihoods, then room. */
  readonly logLik: Float64Array;
}

/**
 * Computes a minibatch's E-step and statistics in fixed chunks (chunk-size.ts) and reduces
 * them in chunk order, and the M-step that follows, on one thread or several: the results
 * have the same bits either way. The arrays of a `run` are the executor's own, valid until
 * its next `run` (copy to keep).
 */
export interface StatisticsExecutor {
  /** Threads that compute chunks, the calling thread included. */
  readonly threads: number;
  /**
   * `known`: the E-step of the batch's first rows, if computed before (taken where it saves work;
   * the same bits). `update`: the blend and M-step that will follow, which an executor may
   * compute in the same job (`blended`; the same bits).
   */
  run(f: ComponentFactors, batch: PointBatch, reference: Float64Array, known?: KnownScores | null, update?: FollowingUpdate | null): ChunkedStatistics;
  /** θ̄(s) and its E-step factors, with the bits (and the errors) of mStepFactors on any number of threads; the result is the caller's. */
  mStep(stats: SufficientStats, regCovar: number): FactoredModel;
}
