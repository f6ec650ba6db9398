/** Shape of each component's covariance. Snapshots always carry full matrices. */
export type CovarianceType = 'full' | 'diag' | 'spherical' | 'tied';

export const COVARIANCE_TYPES: readonly CovarianceType[] = ['full', 'diag', 'spherical', 'tied'];

/**
 * n validated points of dimension `dim`, row-major in one contiguous array.
 * NaN marks a missing coordinate; every other value is finite and no row is all NaN.
 */
export interface PointBatch {
  readonly n: number;
  readonly dim: number;
  readonly data: Float64Array;
  /** Number of rows with at least one missing coordinate (0 selects the fast kernels). */
  readonly rowsWithMissing: number;
}

/**
 * Mixture parameters θ = (π, μ, Σ). Covariances are stored as full K×d×d
 * row-major matrices whatever the covariance type (diag/spherical have zero
 * off-diagonals; tied repeats one matrix K times), so every consumer reads one layout.
 */
export interface MixtureParams {
  readonly k: number;
  readonly dim: number;
  readonly covarianceType: CovarianceType;
  readonly weights: Float64Array;
  readonly means: Float64Array;
  readonly covariances: Float64Array;
}

/**
 * Expected sufficient statistics per point, about a fixed reference point c:
 * S0_k = E[γ_k], S1_k = E[γ_k (x-c)], S2_k = E[γ_k (x-c)(x-c)ᵀ].
 * s2 holds K×d×d (full and tied), K×d (diag: the diagonal) or K (spherical: ‖x-c‖²).
 */
export interface SufficientStats {
  readonly k: number;
  readonly dim: number;
  readonly covarianceType: CovarianceType;
  readonly reference: Float64Array;
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
}
