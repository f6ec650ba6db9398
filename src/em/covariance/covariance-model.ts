import type { ComponentFactors } from '../component-factors.js';
import type { CovarianceType, SufficientStats } from '../types.js';

/**
 * Everything that depends on the covariance type, one implementation per type
 * (full.ts, diag.ts, spherical.ts, tied.ts), chosen from COVARIANCE_MODELS once per call,
 * never per point. Covariances are always stored as full K×d×d matrices; what
 * differs is the statistic S2, how Σ is estimated from it, and how Σ is factored.
 */
export interface CovarianceModel {
  readonly type: CovarianceType;

  /** Entries of S2 per component: d² (full, tied), d (diag), 1 (spherical). */
  statisticLength(d: number): number;
  /** Free parameters of the K covariances together (tied: one shared), for the warm-up size and BIC. */
  parameterCount(k: number, d: number): number;
  /** Multiply-adds per point and component of one EM iteration, for the warm-up work budget. */
  iterationWork(d: number): number;

  /** s2_c += γ·(x-c)(x-c)ᵀ of a complete row (full: the upper triangle only); sq = ‖x-c‖². */
  accumulatePoint(s2: Float64Array, c: number, d: number, g: number, xc: Float64Array, sq: number): void;
  /**
   * s2_c += γ·E[(x-c)(x-c)ᵀ] = γ·((x̂-c)(x̂-c)ᵀ + C) of a row with missing coordinates,
   * C (q×q at `co` in `conditionalCovariance`) on the missing block.
   */
  accumulateConditional(
    s2: Float64Array,
    c: number,
    d: number,
    g: number,
    xc: Float64Array,
    missing: Int32Array,
    conditionalCovariance: Float64Array,
    co: number,
  ): void;
  /** Complete accumulated sums (full: mirror the upper triangle). */
  symmetrise(s2: Float64Array, k: number, d: number): void;
  /**
   * The entries of S2 (K components) that accumulating writes, as [start, end) pairs in
   * order (full: each row's upper part): all that a sum must zero and add before symmetrise.
   */
  accumulatedRanges(k: number, d: number): Int32Array;

  /**
   * M-step Σ_k = S2_k/S0_k - m_k m_kᵀ + λI into `covariances` (K×d×d, zeroed), with
   * m_k = S1_k/S0_k in `centred` (K×d) and μ_k = c + m_k in `means`.
   */
  estimateCovariances(
    stats: SufficientStats,
    centred: Float64Array,
    means: Float64Array,
    regCovar: number,
    covariances: Float64Array,
  ): CovarianceEstimate;

  /** E-step factors of Σ_k = L_k L_kᵀ: P_k = L_k⁻¹, its diagonal and log|Σ_k|; throws NotPositiveDefiniteError. */
  precision(covariances: Float64Array, k: number, d: number, choleskyFactors: readonly Float64Array[] | null | undefined, out: PrecisionFactors): void;
  /** out[i,k] = log π_k + log N(x_i; μ_k, Σ_k) for the given rows (all rows when `rows` is null); constant_k = log π_k + logNorm_k. */
  logJoint(f: ComponentFactors, constant: Float64Array, data: Float64Array, rows: Int32Array | null, nRows: number, out: Float64Array): void;
  /** Per component, the factors of one missing pattern (o observed, m missing); see ConditionalFactors. */
  conditional(covariances: Float64Array, k: number, d: number, observed: Int32Array, missing: Int32Array, out: ConditionalFactorsOut): void;

  /** Σ = S2/S0 - m mᵀ of component c as a full d×d matrix, unregularised (mean m = S1/S0). */
  covarianceFromStatistic(s2: Float64Array, c: number, d: number, w: number, mean: Float64Array): Float64Array;
  /** The axis a dead component's donor is split along, and the variance along it; the split keeps the type's shape. */
  splitAxis(cov: Float64Array, d: number): { direction: Float64Array; variance: number };
  /** S2 of a component with mass w, mean m (about c) and covariance Σ: w·(Σ + m mᵀ). */
  writeStatistic(s2: Float64Array, c: number, d: number, w: number, mean: Float64Array, cov: Float64Array): void;
}

export interface CovarianceEstimate {
  /** Components whose covariance needed jitter beyond reg_covar to stay positive definite. */
  readonly jitterEvents: number;
  /** The Cholesky factor of each covariance when estimating computed it anyway; reused by the E-step. */
  readonly choleskyFactors: readonly Float64Array[] | null;
}

/** Outputs of `precision`: K×d×d lower-triangular P_k, K×d its diagonal, K log|Σ_k|. */
export interface PrecisionFactors {
  readonly precisionCholesky: Float64Array;
  readonly precisionDiagonal: Float64Array;
  readonly logDet: Float64Array;
}

/** Outputs of `conditional`: K×p×p precision Cholesky of Σ_oo, K log|Σ_oo|, K×q×p B, K×q×q C. */
export interface ConditionalFactorsOut {
  readonly precisionCholesky: Float64Array;
  readonly logDet: Float64Array;
  readonly regression: Float64Array;
  readonly conditionalCovariance: Float64Array;
}
