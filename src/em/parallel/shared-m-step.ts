import { estimateFullCovariance, fullPrecision } from '../covariance/full-component.js';
import type { SufficientStats } from '../types.js';

/** What a component's slot in `status` holds once its job is over. */
export const COMPONENT_STATUS = { failed: 0, factored: 1, jittered: 2 } as const;

/**
 * The M-step of full covariances, laid out in one Float64Array that every thread sees:
 * inputs  λ (1) | S0 (K) | m = S1/S0 (K×d) | S2 (K×d×d),
 * outputs Σ (K×d×d) | P = L⁻¹ (K×d×d) | diag P (K×d) | log|Σ| (K) | status (K).
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
}

export function mStepLength(k: number, d: number): number {
  return 1 + 3 * k + 2 * k * d + 3 * k * d * d;
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
