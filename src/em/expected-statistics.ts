import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { CovarianceModel } from './covariance/covariance-model.js';
import type { EStepResult } from './e-step.js';
import type { ConditionalFactors, MissingPattern } from './missing-patterns.js';
import { NEGLIGIBLE_RESPONSIBILITY } from './negligible.js';
import { zeroStats } from './sufficient-stats.js';
import type { CovarianceType, PointBatch, SufficientStats } from './types.js';

/**
 * ŝ = (1/|B|) Σ_{x∈B} (γ_k, γ_k (x-c), γ_k (x-c)(x-c)ᵀ) about the reference c.
 * Rows with missing coordinates contribute their conditional expectations:
 * x̂ = (x_o, μ_m + B(x_o - μ_o)) and E[xxᵀ] = x̂x̂ᵀ + C on the missing block.
 */
export function expectedStatistics(
  batch: PointBatch,
  e: EStepResult,
  means: Float64Array,
  reference: Float64Array,
  covarianceType: CovarianceType,
): SufficientStats {
  const stats = zeroStats(e.k, batch.dim, covarianceType, reference);
  const model = COVARIANCE_MODELS[covarianceType];
  const rows = e.partition.completeRows;
  accumulateComplete(batch, e, reference, stats, model, rows, 0, rows ? rows.length : batch.n);
  e.partition.patterns.forEach((pattern, idx) =>
    accumulateMissing(batch, e, means, pattern, e.conditionals[idx], reference, stats, model, 0, pattern.rows.length),
  );
  model.symmetrise(stats.s2, stats.k, stats.dim);
  const inv = batch.n > 0 ? 1 / batch.n : 0;
  for (const arr of [stats.s0, stats.s1, stats.s2]) for (let i = 0; i < arr.length; i++) arr[i] *= inv;
  return stats;
}

/** Complete rows rows[from..to) (or rows from..to when `rows` is null). */
function accumulateComplete(
  batch: PointBatch,
  e: EStepResult,
  ref: Float64Array,
  stats: SufficientStats,
  model: CovarianceModel,
  rows: Int32Array | null,
  from: number,
  to: number,
): void {
  const { dim: d, data } = batch;
  const { k: K, resp } = e;
  const { s0, s1, s2 } = stats;
  const accumulate = model.accumulatePoint;
  const xc = new Float64Array(d);
  for (let r = from; r < to; r++) {
    const i = rows ? rows[r] : r;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j] - ref[j];
      xc[j] = v;
      sq += v * v;
    }
    for (let c = 0; c < K; c++) {
      const g = resp[i * K + c];
      if (g < NEGLIGIBLE_RESPONSIBILITY) continue;
      s0[c] += g;
      const o1 = c * d;
      for (let j = 0; j < d; j++) s1[o1 + j] += g * xc[j];
      accumulate(s2, c, d, g, xc, sq);
    }
  }
}

/** Rows pattern.rows[from..to) of one missing pattern. */
function accumulateMissing(
  batch: PointBatch,
  e: EStepResult,
  means: Float64Array,
  pattern: MissingPattern,
  cf: ConditionalFactors,
  ref: Float64Array,
  stats: SufficientStats,
  model: CovarianceModel,
  from: number,
  to: number,
): void {
  const { dim: d, data } = batch;
  const { k: K, resp } = e;
  const { observed, missing, regression: B, conditionalCovariance: C } = cf;
  const p = observed.length;
  const q = missing.length;
  const { s0, s1, s2 } = stats;
  const accumulate = model.accumulateConditional;
  const xc = new Float64Array(d);
  const obsDiff = new Float64Array(p);
  for (let r = from; r < to; r++) {
    const i = pattern.rows[r];
    // The observed coordinates about the reference are the same for every component.
    for (let a = 0; a < p; a++) {
      const j = observed[a];
      xc[j] = data[i * d + j] - ref[j];
    }
    for (let c = 0; c < K; c++) {
      const g = resp[i * K + c];
      if (g < NEGLIGIBLE_RESPONSIBILITY) continue;
      const mo = c * d;
      for (let a = 0; a < p; a++) {
        const j = observed[a];
        obsDiff[a] = data[i * d + j] - means[mo + j];
      }
      const bo = c * q * p;
      for (let a = 0; a < q; a++) {
        let s = means[mo + missing[a]];
        for (let b = 0; b < p; b++) s += B[bo + a * p + b] * obsDiff[b];
        xc[missing[a]] = s - ref[missing[a]];
      }
      s0[c] += g;
      for (let j = 0; j < d; j++) s1[mo + j] += g * xc[j];
      accumulate(s2, c, d, g, xc, missing, C, c * q * q);
    }
  }
}
