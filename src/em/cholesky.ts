/** A pivot L_ii² below this fraction of A_ii counts as numerically singular (κ ≳ 1e13). */
const MIN_RELATIVE_PIVOT = 1e-13;
/** Jitter attempts before giving up: each multiplies the jitter by 10. */
const MAX_JITTER_ATTEMPTS = 40;

/**
 * Lower Cholesky factor L (d×d row-major, zeros above the diagonal) of the
 * symmetric part of `a`, or null when it is not numerically positive definite.
 * On the typed array itself, in ml-matrix's (JAMA's) order of operations, so the bits are
 * those of its CholeskyDecomposition (tested), without its per-call matrices: the M-step
 * factors K of these per minibatch, on the thread that the parallel E-step waits for.
 */
export function choleskyLower(a: Float64Array, d: number, offset = 0): Float64Array | null {
  const out = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const jo = j * d;
    let squares = 0;
    for (let k = 0; k < j; k++) {
      const ko = k * d;
      const ajk = 0.5 * (a[offset + jo + k] + a[offset + ko + j]);
      if (!Number.isFinite(ajk)) return null;
      let s = 0;
      for (let i = 0; i < k; i++) s += out[ko + i] * out[jo + i];
      s = (ajk - s) / out[ko + k];
      out[jo + k] = s;
      squares = squares + s * s;
    }
    const ajj = 0.5 * (a[offset + jo + j] + a[offset + jo + j]);
    if (!Number.isFinite(ajj)) return null;
    const pivot = ajj - squares;
    if (!(pivot > 0)) return null;
    const ljj = Math.sqrt(pivot);
    if (!(ljj * ljj > MIN_RELATIVE_PIVOT * ajj)) return null;
    out[jo + j] = ljj;
  }
  return out;
}

/** P = L⁻¹ for lower-triangular L (forward substitution on the identity); P is lower-triangular. */
export function invertLowerTriangular(l: Float64Array, d: number): Float64Array {
  const p = new Float64Array(d * d);
  invertLowerTriangularInto(l, d, p, 0);
  return p;
}

/** As invertLowerTriangular, into the d×d block of `out` at `offset` (the zeros above the diagonal written too, so `out` may be reused). */
export function invertLowerTriangularInto(l: Float64Array, d: number, out: Float64Array, offset: number): void {
  for (let col = 0; col < d; col++) {
    for (let i = 0; i < col; i++) out[offset + i * d + col] = 0;
    for (let i = col; i < d; i++) {
      let s = i === col ? 1 : 0;
      for (let j = col; j < i; j++) s -= l[i * d + j] * out[offset + j * d + col];
      out[offset + i * d + col] = s / l[i * d + i];
    }
  }
}

/** log|A| = 2 Σ log L_ii from A's Cholesky factor. */
export function logDetFromCholesky(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]);
  return 2 * s;
}

export interface RepairedFactor {
  /** Cholesky factor of the (possibly jittered) matrix. */
  readonly lower: Float64Array;
  /** Total amount added to the diagonal (0 when the matrix was fine). */
  readonly jitter: number;
}

/**
 * Factor the symmetric d×d block of `a` at `offset`, adding growing jitter to its
 * diagonal in place until it is positive definite. Jitter starts at 1e-12 of the
 * mean diagonal, so it stays negligible at any scale of the data.
 */
export function factorWithJitter(a: Float64Array, d: number, offset = 0): RepairedFactor {
  symmetriseInPlace(a, d, offset);
  const first = choleskyLower(a, d, offset);
  if (first) return { lower: first, jitter: 0 };
  let meanDiag = 0;
  for (let i = 0; i < d; i++) {
    const v = a[offset + i * d + i];
    if (!Number.isFinite(v)) throw new Error('cannot factor a covariance with non-finite entries');
    meanDiag += Math.abs(v) / d;
  }
  let jitter = meanDiag > 0 ? meanDiag * 1e-12 : 1e-12;
  let added = 0;
  for (let attempt = 0; attempt < MAX_JITTER_ATTEMPTS; attempt++, jitter *= 10) {
    for (let i = 0; i < d; i++) a[offset + i * d + i] += jitter - added;
    added = jitter;
    const lower = choleskyLower(a, d, offset);
    if (lower) return { lower, jitter };
  }
  throw new Error('covariance could not be made positive definite by jitter');
}

export function symmetriseInPlace(a: Float64Array, d: number, offset = 0): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (a[offset + i * d + j] + a[offset + j * d + i]);
      a[offset + i * d + j] = v;
      a[offset + j * d + i] = v;
    }
  }
}
