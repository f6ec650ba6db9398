import { SeededRandom } from '../em/random.js';
import type { MixtureParams } from '../em/types.js';

/** The same mixture with every mean moved by `distance` in its own random direction (a regime change). */
export function shiftedMixture(mixture: MixtureParams, distance: number, seed: number): MixtureParams {
  const rng = new SeededRandom(seed);
  const means = mixture.means.slice();
  for (let c = 0; c < mixture.k; c++) {
    const direction = Array.from({ length: mixture.dim }, () => rng.normal());
    const norm = Math.hypot(...direction);
    for (let j = 0; j < mixture.dim; j++) means[c * mixture.dim + j] += (distance * direction[j]) / norm;
  }
  return { ...mixture, means };
}

export interface MaskedPoints {
  /** A copy with the hidden coordinates set to NaN. */
  readonly masked: Float64Array;
  /** Coordinates hidden in all. */
  readonly hidden: number;
  /** 0-based indices of the rows that lost every coordinate. */
  readonly allMissingRows: readonly number[];
}

/** Missing completely at random: each coordinate of n×dim rows hidden with probability p. */
export function maskCompletelyAtRandom(data: Float64Array, dim: number, p: number, seed: number): MaskedPoints {
  const rng = new SeededRandom(seed);
  const masked = data.slice();
  const allMissingRows: number[] = [];
  let hidden = 0;
  for (let i = 0; i < data.length / dim; i++) {
    let missing = 0;
    for (let j = 0; j < dim; j++) {
      if (rng.uniform() < p) {
        masked[i * dim + j] = NaN;
        missing++;
      }
    }
    hidden += missing;
    if (missing === dim) allMissingRows.push(i);
  }
  return { masked, hidden, allMissingRows };
}
