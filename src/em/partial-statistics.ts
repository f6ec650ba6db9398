import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { CovarianceModel } from './covariance/covariance-model.js';
import type { EStepResult } from './e-step.js';
import type { ConditionalFactors, MissingPattern } from './missing-patterns.js';
import { NEGLIGIBLE_RESPONSIBILITY } from './negligible.js';
import { assertCompatible, zeroStats } from './sufficient-stats.js';
import type { CovarianceType, PointBatch, SufficientStats } from './types.js';

/**
 * Unnormalised, mergeable statistics of some rows of a batch, about the reference c:
 * s0 = Σγ_k, s1 = Σγ_k (x-c), s2 = Σγ_k (x-c)(x-c)ᵀ (in the type's layout), the number
 * of rows n and Σ log p(x). Sums of disjoint row ranges add; dividing by n gives ŝ.
 */
export interface PartialStatistics extends SufficientStats {
  readonly n: number;
  readonly logLikSum: number;
}

/**
 * Σ over the rows [start, end) of the E-step's batch: complete rows first, then each
 * missing pattern, each in row order. Rows with missing coordinates contribute their
 * conditional expectations: x̂ = (x_o, μ_m + B(x_o - μ_o)) and E[xxᵀ] = x̂x̂ᵀ + C on the missing block.
 */
export function partialStatistics(
  batch: PointBatch,
  e: EStepResult,
  means: Float64Array,
  reference: Float64Array,
  covarianceType: CovarianceType,
  start = 0,
  end = batch.n,
): PartialStatistics {
  const stats = zeroStats(e.k, batch.dim, covarianceType, reference);
  accumulateRows(stats, batch, e, means, start, end);
  let logLikSum = 0;
  for (let i = start; i < end; i++) logLikSum += e.logLik[i];
  return { ...stats, n: end - start, logLikSum };
}

/**
 * Add the rows [start, end) into `stats` (zeroed, about its reference): complete rows
 * first, then each missing pattern, each in row order; s2 mirrored at the end.
 */
export function accumulateRows(stats: SufficientStats, batch: PointBatch, e: EStepResult, means: Float64Array, start: number, end: number): void {
  accumulateRowsUnmirrored(stats, batch, e, means, start, end);
  COVARIANCE_MODELS[stats.covarianceType].symmetrise(stats.s2, stats.k, stats.dim);
}

/**
 * accumulateRows without the mirroring: only the type's accumulated entries of s2 are
 * written (accumulatedRanges), for sums that are added up before they are mirrored once.
 */
export function accumulateRowsUnmirrored(stats: SufficientStats, batch: PointBatch, e: EStepResult, means: Float64Array, start: number, end: number): void {
  const model = COVARIANCE_MODELS[stats.covarianceType];
  const reference = stats.reference;
  const rows = e.partition.completeRows;
  if (rows) accumulateComplete(batch, e, reference, stats, model, rows, lowerBound(rows, start), lowerBound(rows, end));
  else accumulateComplete(batch, e, reference, stats, model, null, start, end);
  const patterns = e.partition.patterns;
  for (let idx = 0; idx < patterns.length; idx++) {
    const pattern = patterns[idx];
    const from = lowerBound(pattern.rows, start);
    const to = lowerBound(pattern.rows, end);
    if (to > from) accumulateMissing(batch, e, means, pattern, e.conditionals[idx], reference, stats, model, from, to);
  }
}

/** The sum of partial statistics (of disjoint rows, about one reference), added in the order given. */
export function addPartialStatistics(parts: readonly PartialStatistics[]): PartialStatistics {
  if (parts.length === 0) throw new Error('no partial statistics to add');
  const first = parts[0];
  const sum = zeroStats(first.k, first.dim, first.covarianceType, first.reference);
  let n = 0;
  let logLikSum = 0;
  for (const part of parts) {
    assertCompatible(sum, part);
    for (const [a, b] of [
      [sum.s0, part.s0],
      [sum.s1, part.s1],
      [sum.s2, part.s2],
    ] as const) {
      for (let i = 0; i < a.length; i++) a[i] += b[i];
    }
    n += part.n;
    logLikSum += part.logLikSum;
  }
  return { ...sum, n, logLikSum };
}

/** ŝ = (1/n)·Σ, the statistics per point (zero when n = 0). */
export function normaliseStatistics(p: PartialStatistics): SufficientStats {
  const inv = p.n > 0 ? 1 / p.n : 0;
  // A plain loop: TypedArray.prototype.map with a callback costs more than the sums of a small batch.
  const scaled = (a: Float64Array): Float64Array => {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] * inv;
    return out;
  };
  return { k: p.k, dim: p.dim, covarianceType: p.covarianceType, reference: p.reference, s0: scaled(p.s0), s1: scaled(p.s1), s2: scaled(p.s2) };
}

/** First index r with sorted[r] ≥ value. */
function lowerBound(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  const negligible = NEGLIGIBLE_RESPONSIBILITY;
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
      if (g < negligible) continue;
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
  const negligible = NEGLIGIBLE_RESPONSIBILITY;
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
      if (g < negligible) continue;
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
