import type { ComponentFactors } from './component-factors.js';
import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import {
  conditionalFactors,
  partitionByMissingPattern,
  type ConditionalFactors,
  type RowPartition,
} from './missing-patterns.js';
import { NEGLIGIBLE_LOG_RATIO } from './negligible.js';
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

/** What scoring a batch gives per point, wherever it was computed (e-step, or the chunked statistics of parallel/). */
export type BatchScores = Pick<EStepResult, 'n' | 'k' | 'resp' | 'logLik'>;

/** E-step through precision Cholesky factors and log-sum-exp. */
export function eStep(f: ComponentFactors, batch: PointBatch): EStepResult {
  return eStepInto(f, batch, new Float64Array(batch.n * f.k), new Float64Array(batch.n));
}

/** eStep writing into the caller's n×K `resp` and n `logLik` (the parallel chunks write into shared memory). */
export function eStepInto(f: ComponentFactors, batch: PointBatch, resp: Float64Array, logLik: Float64Array): EStepResult {
  const { n } = batch;
  const partition = partitionByMissingPattern(batch);
  const rows = partition.completeRows;
  const nComplete = rows ? rows.length : n;
  COVARIANCE_MODELS[f.covarianceType].logJoint(f, componentConstants(f), batch.data, rows, nComplete, resp);
  const conditionals = partition.patterns.map((pattern) => {
    const cf = conditionalFactors(f, pattern);
    logJointMarginal(f, cf, batch.data, pattern.rows, resp);
    return cf;
  });
  normaliseRows(resp, logLik, n, f.k);
  return { n, k: f.k, resp, logLik, partition, conditionals };
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

/** log π_k + logNorm_k, the part of log π_k N(x; μ_k, Σ_k) that does not depend on x. */
function componentConstants(f: ComponentFactors): Float64Array {
  const out = new Float64Array(f.k);
  for (let c = 0; c < f.k; c++) out[c] = f.logWeights[c] + f.logNorm[c];
  return out;
}

/** Turn each row of log joint densities into responsibilities, by log-sum-exp. */
function normaliseRows(resp: Float64Array, logLik: Float64Array, n: number, K: number): void {
  // A local copy: an imported binding is re-read (and checked) at every use in the loop.
  const negligible = -NEGLIGIBLE_LOG_RATIO;
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let max = -Infinity;
    for (let c = 0; c < K; c++) if (resp[o + c] > max) max = resp[o + c];
    let sum = 0;
    for (let c = 0; c < K; c++) {
      const z = resp[o + c] - max;
      const e = z < negligible ? 0 : Math.exp(z);
      resp[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < K; c++) resp[o + c] *= inv;
    logLik[i] = max + Math.log(sum);
  }
}
