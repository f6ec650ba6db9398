import { factorsFromPrecision } from '../component-factors.js';
import { estimateFullCovariance, fullPrecision } from '../covariance/full-component.js';
import type { FactoredModel } from '../m-step-factors.js';
import { meanParameters } from '../m-step.js';
import type { SufficientStats } from '../types.js';

/** What a component's slot in `status` holds once its job is over. */
export const COMPONENT_STATUS = { failed: 0, factored: 1, jittered: 2 } as const;

/**
 * The M-step of full covariances, laid out in one Float64Array that every thread sees:
 * inputs  λ (1) | S0 (K) | m = S1/S0 (K×d) | S2 (K×d×d),
 * outputs Σ (K×d×d) | P = L⁻¹ (K×d×d) | diag P (K×d) | log|Σ| (K) | status (K);
 * and for an update fused into the E-step's job (fused-update.ts): η (1), the statistics
 * before it (`previous`: S0 | S1 | S2 as one chunk's slot lays them out) and the blended S1
 * (K×d), whose S0 and S2 are the inputs above.
 */
export interface MStepViews {
  readonly k: number;
  readonly dim: number;
  readonly regCovar: Float64Array;
  readonly s0: Float64Array;
  readonly centred: Float64Array;
  readonly s2: Float64Array;
  readonly covariances: Float64Array;
  readonly precisionCholesky: Float64Array;
  readonly precisionDiagonal: Float64Array;
  readonly logDet: Float64Array;
  readonly status: Float64Array;
  readonly eta: Float64Array;
  readonly previous: Float64Array;
  readonly s1: Float64Array;
}

export function mStepLength(k: number, d: number): number {
  return 2 + 4 * k + 4 * k * d + 4 * k * d * d;
}

export function mStepViews(buffer: Float64Array, k: number, d: number): MStepViews {
  let at = 0;
  const take = (length: number): Float64Array => buffer.subarray(at, (at += length));
  return {
    k,
    dim: d,
    regCovar: take(1),
    s0: take(k),
    centred: take(k * d),
    s2: take(k * d * d),
    covariances: take(k * d * d),
    precisionCholesky: take(k * d * d),
    precisionDiagonal: take(k * d),
    logDet: take(k),
    status: take(k),
    eta: take(1),
    previous: take(k + k * d + k * d * d),
    s1: take(k * d),
  };
}

/** The inputs of a job (the statistics' S0 and S2, m = S1/S0 as the M-step computed it, λ), every status `failed` until computed. */
export function writeMStepInputs(v: MStepViews, stats: SufficientStats, centred: Float64Array, regCovar: number): void {
  v.status.fill(COMPONENT_STATUS.failed);
  v.regCovar[0] = regCovar;
  v.s0.set(stats.s0);
  v.centred.set(centred);
  v.s2.set(stats.s2);
}

/**
 * One component of the job, on whichever thread claimed it: Σ_c, its factor (with jitter),
 * P_c, its diagonal and log|Σ_c|, exactly as the serial M-step and componentFactors compute
 * them. Its status stays `failed` if that throws (the error is the caller's to raise).
 */
export function computeComponent(v: MStepViews, c: number): void {
  const { lower, jitter } = estimateFullCovariance(v.s2, v.s0[c], v.centred, c, v.dim, v.regCovar[0], v.covariances);
  fullPrecision(lower, c, v.dim, v);
  v.status[c] = jitter > 0 ? COMPONENT_STATUS.jittered : COMPONENT_STATUS.factored;
}

/**
 * θ̄(stats) once every component of the job is computed (none `failed`): π and μ from the
 * statistics (O(Kd), as the serial M-step computes them), the rest copied out of the job's
 * memory, which the next job reuses.
 */
export function factoredModelOf(v: MStepViews, stats: SufficientStats): FactoredModel {
  const { k, dim, covarianceType } = stats;
  const { weights, means } = meanParameters(stats);
  let jitterEvents = 0;
  for (let c = 0; c < k; c++) if (v.status[c] === COMPONENT_STATUS.jittered) jitterEvents++;
  const params = { k, dim, covarianceType, weights, means, covariances: v.covariances.slice() };
  const precision = { precisionCholesky: v.precisionCholesky.slice(), precisionDiagonal: v.precisionDiagonal.slice(), logDet: v.logDet.slice() };
  return { params, jitterEvents, factors: factorsFromPrecision(params, precision) };
}
