import { choleskyLower } from '../em/cholesky.js';
import { SeededRandom } from '../em/random.js';
import type { MixtureParams } from '../em/types.js';
import { randomMixture } from './mixture-generator.js';

export interface DriftingMixtureOptions {
  readonly k: number;
  readonly dim: number;
  readonly seed: number;
  /** Points per full turn of the means about the origin (in the first two coordinates); 0: no drift. */
  readonly period: number;
  readonly separation?: number;
}

/**
 * A stream of points from a mixture whose means turn slowly about the origin in the
 * plane of the first two coordinates: a stationary shape with drifting location, the
 * kind of stream a forgetting schedule is for.
 */
export class DriftingMixture {
  readonly base: MixtureParams;
  private readonly rng: SeededRandom;
  private readonly factors: Float64Array[];
  private emitted = 0;

  constructor(private readonly options: DriftingMixtureOptions) {
    this.base = randomMixture({ k: options.k, dim: options.dim, seed: options.seed, separation: options.separation ?? 4 });
    this.rng = new SeededRandom(options.seed + 1);
    const d = options.dim;
    this.factors = Array.from({ length: options.k }, (_, c) => choleskyLower(this.base.covariances, d, c * d * d)!);
  }

  get pointsEmitted(): number {
    return this.emitted;
  }

  /** The mixture's means after `points` points, as K×d. */
  meansAt(points: number): Float64Array {
    const { k, dim: d } = this.base;
    const means = this.base.means.slice();
    if (this.options.period <= 0 || d < 2) return means;
    const angle = (2 * Math.PI * points) / this.options.period;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    for (let c = 0; c < k; c++) {
      const x = means[c * d];
      const y = means[c * d + 1];
      means[c * d] = cos * x - sin * y;
      means[c * d + 1] = sin * x + cos * y;
    }
    return means;
  }

  /** The next n points, n×d row-major. */
  next(n: number): Float64Array {
    const { k, dim: d, weights } = this.base;
    const means = this.meansAt(this.emitted);
    const out = new Float64Array(n * d);
    const z = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let u = this.rng.uniform();
      let c = 0;
      while (c < k - 1 && u >= weights[c]) u -= weights[c++];
      for (let j = 0; j < d; j++) z[j] = this.rng.normal();
      const l = this.factors[c];
      for (let a = 0; a < d; a++) {
        let s = means[c * d + a];
        for (let b = 0; b <= a; b++) s += l[a * d + b] * z[b];
        out[i * d + a] = s;
      }
    }
    this.emitted += n;
    return out;
  }
}
