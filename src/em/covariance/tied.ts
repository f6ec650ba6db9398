import { choleskyLower, factorWithJitter, invertLowerTriangular, logDetFromCholesky } from '../cholesky.js';
import { NotPositiveDefiniteError } from '../errors.js';
import type { CovarianceModel } from './covariance-model.js';
import { FULL } from './full.js';

/**
 * M-step of one shared covariance, pooled over the components:
 * Σ = (Σ_k S2_k - Σ_k S0_k m_k m_kᵀ)/Σ_k S0_k + λI, factored once and copied into every component.
 */
const estimateCovariances: CovarianceModel['estimateCovariances'] = (stats, centred, _means, regCovar, covariances) => {
  const { k: K, dim: d, s0, s2 } = stats;
  const dd = d * d;
  const pooled = new Float64Array(dd);
  let total = 0;
  for (let c = 0; c < K; c++) {
    const w = s0[c];
    total += w;
    const o = c * dd;
    const mo = c * d;
    for (let a = 0; a < d; a++) {
      const wa = w * centred[mo + a];
      for (let b = 0; b <= a; b++) pooled[a * d + b] += s2[o + a * d + b] - wa * centred[mo + b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) {
      const v = pooled[a * d + b] / total;
      pooled[a * d + b] = v;
      pooled[b * d + a] = v;
    }
    // Cancellation can leave a variance slightly negative before λ is added.
    pooled[a * d + a] = Math.max(pooled[a * d + a] / total, 0) + regCovar;
  }
  const factor = factorWithJitter(pooled, d);
  for (let c = 0; c < K; c++) covariances.set(pooled, c * dd);
  return { jitterEvents: factor.jitter > 0 ? 1 : 0, choleskyFactors: Array.from({ length: K }, () => factor.lower) };
};

/** P = L⁻¹ of the shared Σ = LLᵀ (component 0's: every component holds the same matrix), copied to all. */
const precision: CovarianceModel['precision'] = (covariances, k, d, choleskyFactors, out) => {
  const dd = d * d;
  const { precisionCholesky, precisionDiagonal, logDet } = out;
  const lower = choleskyFactors?.[0] ?? choleskyLower(covariances, d, 0);
  if (!lower) throw new NotPositiveDefiniteError(0);
  const p = invertLowerTriangular(lower, d);
  const ld = logDetFromCholesky(lower, d);
  for (let c = 0; c < k; c++) {
    precisionCholesky.set(p, c * dd);
    logDet[c] = ld;
    for (let j = 0; j < d; j++) precisionDiagonal[c * d + j] = p[j * d + j];
  }
};

/**
 * ‖P(x-μ_k)‖² = ‖y - ν_k‖² with y = P(x-s) and ν_k = P(μ_k-s), one shared P: the d² product is
 * paid once per point, not once per component. s, the mean of the means, keeps y and ν_k of the
 * size of the distances to the components, so their difference loses no digits to an offset.
 */
const logJoint: CovarianceModel['logJoint'] = (f, constant, data, rows, nRows, out) => {
  const { k: K, dim: d, means, precisionCholesky: P } = f;
  const shift = new Float64Array(d);
  for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) shift[j] += means[c * d + j] / K;
  const nu = new Float64Array(K * d);
  const diff = new Float64Array(d);
  for (let c = 0; c < K; c++) {
    for (let j = 0; j < d; j++) diff[j] = means[c * d + j] - shift[j];
    lowerTimes(P, diff, d, nu, c * d);
  }
  const y = new Float64Array(d);
  for (let r = 0; r < nRows; r++) {
    const i = rows ? rows[r] : r;
    const xo = i * d;
    for (let j = 0; j < d; j++) diff[j] = data[xo + j] - shift[j];
    lowerTimes(P, diff, d, y, 0);
    for (let c = 0; c < K; c++) {
      const no = c * d;
      let q = 0;
      for (let j = 0; j < d; j++) {
        const z = y[j] - nu[no + j];
        q += z * z;
      }
      out[i * K + c] = constant[c] - 0.5 * q;
    }
  }
};

/** out[o..o+d) = P v for the lower-triangular d×d P (the first block of the precision factors). */
function lowerTimes(P: Float64Array, v: Float64Array, d: number, out: Float64Array, o: number): void {
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let b = 0; b <= a; b++) s += P[a * d + b] * v[b];
    out[o + a] = s;
  }
}

/** One missing pattern conditions the shared Σ once; every component gets the same factors. */
const conditional: CovarianceModel['conditional'] = (cov, k, d, observed, missing, out) => {
  FULL.conditional(cov, 1, d, observed, missing, out);
  const p = observed.length;
  const q = missing.length;
  const { precisionCholesky, logDet, regression, conditionalCovariance } = out;
  for (let c = 1; c < k; c++) {
    precisionCholesky.copyWithin(c * p * p, 0, p * p);
    logDet[c] = logDet[0];
    regression.copyWithin(c * q * p, 0, q * p);
    conditionalCovariance.copyWithin(c * q * q, 0, q * q);
  }
};

/**
 * One covariance shared by all components (scikit-learn's 'tied'). Each component keeps its
 * full S2_k, so statistics, merging, missing data, re-seeding and checkpoints are those of
 * `full`; only the M-step pools them, and the E-step factors the one matrix once.
 */
export const TIED: CovarianceModel = {
  ...FULL,
  type: 'tied',
  parameterCount: (_k, d) => (d * (d + 1)) / 2,
  // Statistics as full (d(d+1)/2 per component); the E-step ~2d per component once Px is formed.
  iterationWork: (d) => (d * (d + 1)) / 2 + 2 * d,
  estimateCovariances,
  precision,
  logJoint,
  conditional,
};
