import type { FactoredModel } from '../m-step-factors.js';
import { blendRange } from '../sufficient-stats.js';
import type { CovarianceType, SufficientStats } from '../types.js';
import { COMPONENT_STATUS, computeComponent, factoredModelOf, type MStepViews } from './shared-m-step.js';
import type { SlotLayout } from './slot-layout.js';

/**
 * The update that follows a minibatch's E-step, when it is known before the E-step runs (the
 * engine knows η then unless change recovery may change it): s ← (1-η)s + ηŝ, then θ̄(s) with λ.
 */
export interface FollowingUpdate {
  readonly stats: SufficientStats;
  readonly eta: number;
  readonly regCovar: number;
}

/** The blended statistics and their M-step, computed in the E-step's job. */
export interface BlendedUpdate {
  /** (1-η)s + ηŝ, the caller's copy: the bits of blendedStats. */
  readonly stats: SufficientStats;
  /**
   * θ̄(stats) and its factors, the bits of `mStep(stats)`, or null when a component could not
   * be computed (that M-step raises the error). Only while `stats` are unchanged (a re-seed
   * changes them) and before the executor's next job.
   */
  model(): FactoredModel | null;
}

/**
 * Whether the pool fuses the update into the E-step's job: for full covariances, whose M-step is
 * O(K·d³) and would otherwise run on the main thread alone between two jobs (or, split, in a
 * second hand-off); the others' is O(K·d), not worth the copies.
 */
export function fusesUpdate(covarianceType: CovarianceType): boolean {
  return covarianceType === 'full';
}

/** The job's inputs: λ, η, the statistics before the update (laid out as a chunk's slot), every component `failed` until computed. */
export function writeUpdateInputs(v: MStepViews, update: FollowingUpdate): void {
  const { s0, s1, s2 } = update.stats;
  v.status.fill(COMPONENT_STATUS.failed);
  v.regCovar[0] = update.regCovar;
  v.eta[0] = update.eta;
  v.previous.set(s0, 0);
  v.previous.set(s1, s0.length);
  v.previous.set(s2, s0.length + s1.length);
}

/**
 * Components [from, to) of the update, once ŝ (`sum`, reduced and mirrored) has them: each
 * blended, s_c ← (1-η)s_c + ηŝ_c (blendRange, as blendedStats), then m_c = S1_c/S0_c and its
 * M-step (computeComponent), entry for entry the arithmetic of meanParameters and mStepFactors,
 * so the bits are theirs. A component that cannot be computed (no mass, not finite, not factorable) stays
 * `failed`: the main thread decides (a re-seed, or the serial M-step's error).
 */
export function blendAndFactor(v: MStepViews, sum: Float64Array, layout: SlotLayout, from: number, to: number): void {
  const { k: K, dim: d } = v;
  const dd = d * d;
  const { previous, s0, s1, s2, centred } = v;
  const { s2Offset } = layout;
  const eta = v.eta[0];
  for (let c = from; c < to; c++) {
    blendRange(s0, c, previous, c, sum, c, 1, eta);
    blendRange(s1, c * d, previous, K + c * d, sum, K + c * d, d, eta);
    blendRange(s2, c * dd, previous, s2Offset + c * dd, sum, s2Offset + c * dd, dd, eta);
    const w = s0[c];
    for (let j = c * d; j < (c + 1) * d; j++) centred[j] = s1[j] / w;
    try {
      computeComponent(v, c);
    } catch {
      // Left `failed`: the serial M-step, run again on the main thread, raises the error.
    }
  }
}

/** The caller's side of a fused job: a copy of the blended statistics, and their M-step from the components' results. */
export function blendedUpdate(v: MStepViews, before: SufficientStats): BlendedUpdate {
  const { k, dim, covarianceType, reference } = before;
  const stats: SufficientStats = { k, dim, covarianceType, reference: reference.slice(), s0: v.s0.slice(), s1: v.s1.slice(), s2: v.s2.slice() };
  return {
    stats,
    model: () => (v.status.some((s) => s === COMPONENT_STATUS.failed) ? null : factoredModelOf(v, stats)),
  };
}
