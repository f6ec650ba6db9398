/**
 * Per-point scores computed directly from the definitions, for checking scorePoints:
 * for each component the observed sub-vector of the mean and sub-block of the
 * covariance, its explicit inverse and determinant (ml-matrix, not src/em's Cholesky),
 * log N = -½(p log 2π + log|Σ_oo| + (x_o-μ_o)ᵀ Σ_oo⁻¹ (x_o-μ_o)), and log-sum-exp by hand.
 */
import { determinant, inverse, Matrix } from 'ml-matrix';
import type { MixtureParams } from '../../src/em/types.js';

export interface DirectScores {
  readonly logLikelihood: number[];
  readonly responsibilities: number[][];
  readonly component: number[];
}

/** Scores of each row (NaN marks a missing coordinate; every row has one observed). */
export function directScores(params: MixtureParams, rows: readonly (readonly number[])[]): DirectScores {
  const { k: K, dim: d } = params;
  const logLikelihood: number[] = [];
  const responsibilities: number[][] = [];
  const component: number[] = [];
  for (const row of rows) {
    const observed = row.map((_, j) => j).filter((j) => !Number.isNaN(row[j]));
    const p = observed.length;
    const logJoint: number[] = [];
    for (let c = 0; c < K; c++) {
      const mean = (j: number): number => params.means[c * d + j];
      const cov = (a: number, b: number): number => params.covariances[c * d * d + a * d + b];
      const block = new Matrix(observed.map((a) => observed.map((b) => cov(a, b))));
      const inv = inverse(block);
      const det = determinant(block);
      const diff = observed.map((j) => row[j] - mean(j));
      let quad = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) quad += diff[a] * inv.get(a, b) * diff[b];
      logJoint.push(Math.log(params.weights[c]) - 0.5 * (p * Math.log(2 * Math.PI) + Math.log(det) + quad));
    }
    const max = Math.max(...logJoint);
    const ll = max + Math.log(logJoint.reduce((s, v) => s + Math.exp(v - max), 0));
    const resp = logJoint.map((v) => Math.exp(v - ll));
    logLikelihood.push(ll);
    responsibilities.push(resp);
    component.push(resp.indexOf(Math.max(...resp)));
  }
  return { logLikelihood, responsibilities, component };
}
