import type { ComponentFactors } from '../component-factors.js';
import type { CovarianceType } from '../types.js';

/**
 * ComponentFactors (and the reference point) laid out in one Float64Array, so the main
 * thread can hand each minibatch's model to the workers by copying into shared memory:
 * log π (K) | logNorm (K) | μ (K×d) | diag P (K×d) | P (K×d×d) | reference (d) | Σ (K×d×d).
 */
export function factorsLength(k: number, d: number): number {
  return 2 * k + 2 * k * d + 2 * k * d * d + d;
}

/** Copy `f` and `reference` in; Σ, needed only to condition on observed coordinates, when `withCovariances`. */
export function writeFactors(out: Float64Array, f: ComponentFactors, reference: Float64Array, withCovariances: boolean): void {
  const { k, dim: d } = f;
  let at = 0;
  for (const part of [f.logWeights, f.logNorm, f.means, f.precisionDiagonal, f.precisionCholesky, reference]) {
    out.set(part, at);
    at += part.length;
  }
  if (withCovariances) out.set(f.covariances.subarray(0, k * d * d), at);
}

/** Views of the factors written by writeFactors. */
export function readFactors(buffer: Float64Array, k: number, d: number, covarianceType: CovarianceType): { factors: ComponentFactors; reference: Float64Array } {
  let at = 0;
  const take = (length: number): Float64Array => buffer.subarray(at, (at += length));
  const logWeights = take(k);
  const logNorm = take(k);
  const means = take(k * d);
  const precisionDiagonal = take(k * d);
  const precisionCholesky = take(k * d * d);
  const reference = take(d);
  const covariances = take(k * d * d);
  return { factors: { k, dim: d, covarianceType, logWeights, logNorm, means, precisionDiagonal, precisionCholesky, covariances }, reference };
}
