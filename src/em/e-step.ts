import type { ComponentFactors } from './component-factors.js';
import {
  conditionalFactors,
  partitionByMissingPattern,
  type ConditionalFactors,
  type RowPartition,
} from './missing-patterns.js';
import type { PointBatch } from './types.js';

/** Responsibilities and per-point log-likelihood of one batch under fixed parameters. */
export interface EStepResult {
  readonly n: number;
  readonly k: number;
  /** n×K: γ_ik = exp(log π_k + log N_k(x_i) - log p(x_i)); each row sums to 1. */
  readonly resp: Float64Array;
  /** n: log p(x_i), over the observed coordinates of x_i. */
  readonly logLik: Float64Array;
  readonly partition: RowPartition;
  /** One entry per missing pattern of `partition`, factored once for the whole batch. */
  readonly conditionals: readonly ConditionalFactors[];
}

/**
 * A component whose joint density is below e^-40 (4e-18) of the best one's gets
 * responsibility 0: far under what the statistics keep (1e-14), and it saves most of
 * the work (the rest of its quadratic form, its exp) when components are apart.
 */
const NEGLIGIBLE_LOG_RATIO = 40;

/** E-step through precision Cholesky factors and log-sum-exp. */
export function eStep(f: ComponentFactors, batch: PointBatch): EStepResult {
  const { n } = batch;
  const resp = new Float64Array(n * f.k);
  const logLik = new Float64Array(n);
  const partition = partitionByMissingPattern(batch);
  const rows = partition.completeRows;
  const nComplete = rows ? rows.length : n;
  if (f.covarianceType === 'full') logJointFull(f, batch.data, rows, nComplete, resp);
  else logJointDiagonal(f, batch.data, rows, nComplete, resp);
  const conditionals = partition.patterns.map((pattern) => {
    const cf = conditionalFactors(f, pattern);
    logJointMarginal(f, cf, batch.data, pattern.rows, resp);
    return cf;
  });
  normaliseRows(resp, logLik, n, f.k);
  return { n, k: f.k, resp, logLik, partition, conditionals };
}

/** out[i,k] = log π_k + log N(x_i; μ_k, Σ_k) for full covariances. */
function logJointFull(
  f: ComponentFactors,
  data: Float64Array,
  rows: Int32Array | null,
  nRows: number,
  out: Float64Array,
): void {
  const { k: K, dim: d, means, precisionCholesky: P } = f;
  const dd = d * d;
  const constant = componentConstants(f);
  const diff = new Float64Array(d);
  for (let r = 0; r < nRows; r++) {
    const i = rows ? rows[r] : r;
    const xo = i * d;
    let best = -Infinity;
    for (let c = 0; c < K; c++) {
      const mo = c * d;
      const po = c * dd;
      for (let j = 0; j < d; j++) diff[j] = data[xo + j] - means[mo + j];
      // ‖P(x-μ)‖² only grows row by row: stop once the component is negligible.
      const cutoff = 2 * (constant[c] - best + NEGLIGIBLE_LOG_RATIO);
      let q = 0;
      for (let a = 0; a < d && q <= cutoff; a++) {
        const ro = po + a * d;
        let s = 0;
        for (let b = 0; b <= a; b++) s += P[ro + b] * diff[b];
        q += s * s;
      }
      const value = q <= cutoff ? constant[c] - 0.5 * q : -Infinity;
      out[i * K + c] = value;
      if (value > best) best = value;
    }
  }
}

/** Same for diagonal and spherical covariances: ‖P(x-μ)‖² = Σ_j ((x_j-μ_j)/σ_j)². */
function logJointDiagonal(
  f: ComponentFactors,
  data: Float64Array,
  rows: Int32Array | null,
  nRows: number,
  out: Float64Array,
): void {
  const { k: K, dim: d, means, precisionDiagonal: p } = f;
  const constant = componentConstants(f);
  for (let r = 0; r < nRows; r++) {
    const i = rows ? rows[r] : r;
    const xo = i * d;
    for (let c = 0; c < K; c++) {
      const mo = c * d;
      let q = 0;
      for (let j = 0; j < d; j++) {
        const z = (data[xo + j] - means[mo + j]) * p[mo + j];
        q += z * z;
      }
      out[i * K + c] = constant[c] - 0.5 * q;
    }
  }
}

/** Marginal log-density over the observed coordinates of one missing pattern. */
function logJointMarginal(
  f: ComponentFactors,
  cf: ConditionalFactors,
  data: Float64Array,
  rows: Int32Array,
  out: Float64Array,
): void {
  const { k: K, dim: d, means } = f;
  const { observed, precisionCholesky: P, logNorm } = cf;
  const p = observed.length;
  const diff = new Float64Array(p);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    for (let c = 0; c < K; c++) {
      for (let a = 0; a < p; a++) diff[a] = data[i * d + observed[a]] - means[c * d + observed[a]];
      const po = c * p * p;
      let q = 0;
      for (let a = 0; a < p; a++) {
        let s = 0;
        for (let b = 0; b <= a; b++) s += P[po + a * p + b] * diff[b];
        q += s * s;
      }
      out[i * K + c] = f.logWeights[c] + logNorm[c] - 0.5 * q;
    }
  }
}

function componentConstants(f: ComponentFactors): Float64Array {
  const out = new Float64Array(f.k);
  for (let c = 0; c < f.k; c++) out[c] = f.logWeights[c] + f.logNorm[c];
  return out;
}

/** Turn each row of log joint densities into responsibilities, by log-sum-exp. */
function normaliseRows(resp: Float64Array, logLik: Float64Array, n: number, K: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let max = -Infinity;
    for (let c = 0; c < K; c++) if (resp[o + c] > max) max = resp[o + c];
    let sum = 0;
    for (let c = 0; c < K; c++) {
      const z = resp[o + c] - max;
      const e = z < -NEGLIGIBLE_LOG_RATIO ? 0 : Math.exp(z);
      resp[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < K; c++) resp[o + c] *= inv;
    logLik[i] = max + Math.log(sum);
  }
}
