import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { CovarianceType, SufficientStats } from './types.js';

/** Entries of S2 for K components: K×d×d (full, tied), K×d (diag), K (spherical). */
export function s2Length(k: number, dim: number, covarianceType: CovarianceType): number {
  return k * COVARIANCE_MODELS[covarianceType].statisticLength(dim);
}

export function zeroStats(
  k: number,
  dim: number,
  covarianceType: CovarianceType,
  reference: Float64Array,
): SufficientStats {
  return {
    k,
    dim,
    covarianceType,
    reference,
    s0: new Float64Array(k),
    s1: new Float64Array(k * dim),
    s2: new Float64Array(s2Length(k, dim, covarianceType)),
  };
}

export function cloneStats(s: SufficientStats): SufficientStats {
  return { ...s, reference: s.reference.slice(), s0: s.s0.slice(), s1: s.s1.slice(), s2: s.s2.slice() };
}

/** Stepwise blend in place: s ← (1-η)·s + η·ŝ. Both must share the reference point. */
export function blendStats(s: SufficientStats, batchStats: SufficientStats, eta: number): void {
  blendInto(s, s, batchStats, eta);
}

/** (1-η)·s + η·ŝ as new statistics, s unchanged: cloneStats then blendStats, bit for bit, in one pass. */
export function blendedStats(s: SufficientStats, batchStats: SufficientStats, eta: number): SufficientStats {
  const out = zeroStats(s.k, s.dim, s.covarianceType, s.reference.slice());
  blendInto(out, s, batchStats, eta);
  return out;
}

/** out ← (1-η)·s + η·ŝ, entry by entry (out may be s). */
function blendInto(out: SufficientStats, s: SufficientStats, batchStats: SufficientStats, eta: number): void {
  assertCompatible(s, batchStats);
  for (const [o, a, b] of [
    [out.s0, s.s0, batchStats.s0],
    [out.s1, s.s1, batchStats.s1],
    [out.s2, s.s2, batchStats.s2],
  ] as const) {
    blendRange(o, 0, a, 0, b, 0, a.length, eta);
  }
}

/**
 * The stepwise blend of `length` entries: out[o+i] ← (1-η)·a[ao+i] + η·b[bo+i]. Every blend of
 * statistics goes through it (here, and a component at a time in the parallel update), so they
 * all have the same bits.
 */
export function blendRange(out: Float64Array, o: number, a: Float64Array, ao: number, b: Float64Array, bo: number, length: number, eta: number): void {
  const keep = 1 - eta;
  for (let i = 0; i < length; i++) out[o + i] = keep * a[ao + i] + eta * b[bo + i];
}

/**
 * Merge two workers' statistics by mass-weighted averaging (the statistics are additive):
 * s = (m_a·s_a + m_b·s_b) / (m_a + m_b), with masses in points.
 */
export function mergeStats(a: SufficientStats, massA: number, b: SufficientStats, massB: number): SufficientStats {
  const out = zeroStats(a.k, a.dim, a.covarianceType, a.reference.slice());
  blendStats(out, a, 1);
  blendStats(out, b, massB / (massA + massB));
  return out;
}

export function statsAreFinite(s: SufficientStats): boolean {
  for (const arr of [s.s0, s.s1, s.s2]) for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) return false;
  return true;
}

/** Throws unless a and b are statistics of one model shape about one reference point. */
export function assertCompatible(a: SufficientStats, b: SufficientStats): void {
  if (a.k !== b.k || a.dim !== b.dim || a.covarianceType !== b.covarianceType) {
    throw new Error('cannot combine statistics of different model shapes');
  }
  for (let j = 0; j < a.dim; j++) {
    if (a.reference[j] !== b.reference[j]) throw new Error('cannot combine statistics about different reference points');
  }
}
