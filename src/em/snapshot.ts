import type { ComponentSelection } from './model-selection/component-selection.js';
import type { CovarianceType, MixtureParams } from './types.js';

/** Version of the snapshot schema; changes are additive within a major version. */
export const SNAPSHOT_SCHEMA = 'online-em.snapshot/1';

/** The published state of a fit: the mixture plus what it has seen. */
export interface MixtureSnapshot {
  readonly schema: string;
  readonly k: number;
  readonly dim: number;
  readonly covarianceType: CovarianceType;
  readonly weights: number[];
  readonly means: number[][];
  /** Always full d×d matrices, whatever the covariance type. */
  readonly covariances: number[][][];
  /** Valid points accepted: in the model, in the warm-up, or waiting for a full minibatch. */
  readonly pointsSeen: number;
  /** Of those, points waiting for a full minibatch. */
  readonly pointsPending: number;
  readonly batches: number;
  /** Points refused by validation. */
  readonly rejected: number;
  /** η of the last update. */
  readonly stepSize: number | null;
  /** Prequential log-likelihood, nats per point: each batch scored before it updates the model. */
  readonly logLikelihood: { readonly last: number | null; readonly average: number | null };
  readonly converged: boolean;
  /** Abrupt changes detected in the prequential log-likelihood (0 while detection is off). */
  readonly changes: number;
  /** pointsSeen at the last detected change; null when none. */
  readonly lastChangeAt: number | null;
  /** With `--components auto`: BIC and mean log-likelihood per K tried on the warm-up, and the K chosen. */
  readonly selection?: ComponentSelection;
  /** Dead components re-seeded, covariances jittered, updates skipped as non-finite. */
  readonly health: { readonly reseeds: number; readonly jitterEvents: number; readonly skippedBatches: number };
  readonly createdAt: string;
}

export function paramsToJson(params: MixtureParams): Pick<MixtureSnapshot, 'weights' | 'means' | 'covariances'> {
  const { k, dim: d } = params;
  const weights = Array.from(params.weights);
  const means: number[][] = [];
  const covariances: number[][][] = [];
  for (let c = 0; c < k; c++) {
    means.push(Array.from(params.means.subarray(c * d, c * d + d)));
    const rows: number[][] = [];
    for (let a = 0; a < d; a++) rows.push(Array.from(params.covariances.subarray(c * d * d + a * d, c * d * d + a * d + d)));
    covariances.push(rows);
  }
  return { weights, means, covariances };
}

/** Mixture parameters back from a snapshot's JSON (for scoring, comparing, merging). */
export function paramsFromSnapshot(s: Pick<MixtureSnapshot, 'k' | 'dim' | 'covarianceType' | 'weights' | 'means' | 'covariances'>): MixtureParams {
  const { k, dim: d } = s;
  return {
    k,
    dim: d,
    covarianceType: s.covarianceType,
    weights: Float64Array.from(s.weights),
    means: Float64Array.from(s.means.flat()),
    covariances: Float64Array.from(s.covariances.flat(2)),
  };
}
