import { NotPositiveDefiniteError } from '../errors.js';
import type { CovarianceModel } from './covariance-model.js';

/** ‖P(x-μ)‖² = Σ_j ((x_j-μ_j)/σ_j)². */
const logJoint: CovarianceModel['logJoint'] = (f, constant, data, rows, nRows, out) => {
  const { k: K, dim: d, means, precisionDiagonal: p } = f;
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
};

/** Diagonal Σ: the observed block is diagonal, B = 0 and C = diag(σ²_m). */
const conditional: CovarianceModel['conditional'] = (cov, k, d, observed, missing, out) => {
  const { precisionCholesky, logDet, conditionalCovariance } = out;
  const p = observed.length;
  const q = missing.length;
  for (let c = 0; c < k; c++) {
    const base = c * d * d;
    let sum = 0;
    for (let a = 0; a < p; a++) {
      const v = cov[base + observed[a] * d + observed[a]];
      precisionCholesky[c * p * p + a * p + a] = 1 / Math.sqrt(v);
      sum += Math.log(v);
    }
    for (let a = 0; a < q; a++) conditionalCovariance[c * q * q + a * q + a] = cov[base + missing[a] * d + missing[a]];
    logDet[c] = sum;
  }
};

/**
 * M-step for a diagonal Σ_k = diag(v_kj + λ), v_kj from `variances` (unregularised, ≥ 0).
 * Returns the number of components that needed jitter.
 */
export function writeDiagonalCovariances(
  k: number,
  d: number,
  means: Float64Array,
  regCovar: number,
  covariances: Float64Array,
  variances: (c: number, out: Float64Array) => void,
): number {
  let jitterEvents = 0;
  const raw = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    variances(c, raw);
    let jittered = false;
    for (let j = 0; j < d; j++) {
      let v = raw[j] + regCovar;
      if (!(v > 0)) {
        // λ = 0 and a zero variance: a jitter just above the rounding of x - μ (~1e-16·|μ|).
        v = (1e-12 * Math.max(1, Math.abs(means[c * d + j]))) ** 2;
        jittered = true;
      }
      covariances[c * d * d + j * d + j] = v;
    }
    if (jittered) jitterEvents++;
  }
  return jitterEvents;
}

/**
 * What diag and spherical share: Σ_k is a diagonal matrix, so it factors by square
 * roots, marginalises by dropping coordinates and is split along a coordinate axis.
 */
export const DIAGONAL_MATRIX: Pick<CovarianceModel, 'precision' | 'logJoint' | 'conditional' | 'splitAxis'> = {
  precision(covariances, k, d, _choleskyFactors, out) {
    const dd = d * d;
    const { precisionCholesky, precisionDiagonal, logDet } = out;
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const v = covariances[c * dd + j * d + j];
        if (!(v > 0) || !Number.isFinite(v)) throw new NotPositiveDefiniteError(c);
        const p = 1 / Math.sqrt(v);
        precisionDiagonal[c * d + j] = p;
        precisionCholesky[c * dd + j * d + j] = p;
        sum += Math.log(v);
      }
      logDet[c] = sum;
    }
  },
  logJoint,
  conditional,
  splitAxis(cov, d) {
    const direction = new Float64Array(d);
    let best = 0;
    for (let j = 1; j < d; j++) if (cov[j * d + j] > cov[best * d + best]) best = j;
    direction[best] = 1;
    // A spherical component must stay spherical: split along one axis by the shared variance.
    return { direction, variance: cov[best * d + best] };
  },
};
