import { choleskyLower } from '../em/cholesky.js';
import { SeededRandom } from '../em/random.js';
import type { MixtureParams } from '../em/types.js';

export interface RandomMixtureOptions {
  readonly k: number;
  readonly dim: number;
  readonly seed: number;
  /** Spread of the component means relative to the components' own scale. */
  readonly separation?: number;
}

/**
 * A random full-covariance mixture: means ~ N(0, separation² I), covariances
 * A Aᵀ/d + 0.2 I with A standard normal (random orientations, condition ≲ 30),
 * weights from a Dirichlet(2) draw so no component is vanishingly small.
 */
export function randomMixture(options: RandomMixtureOptions): MixtureParams {
  const { k, dim: d, seed } = options;
  const separation = options.separation ?? 3;
  const rng = new SeededRandom(seed);
  const weights = new Float64Array(k);
  let total = 0;
  for (let c = 0; c < k; c++) {
    // Gamma(2, 1) as the sum of two exponentials.
    weights[c] = -Math.log(1 - rng.uniform()) - Math.log(1 - rng.uniform());
    total += weights[c];
  }
  for (let c = 0; c < k; c++) weights[c] /= total;
  const means = new Float64Array(k * d);
  for (let i = 0; i < means.length; i++) means[i] = separation * rng.normal();
  const covariances = new Float64Array(k * d * d);
  const a = new Float64Array(d * d);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let r = 0; r < d; r++) s += a[i * d + r] * a[j * d + r];
        covariances[c * d * d + i * d + j] = s / d + (i === j ? 0.2 : 0);
      }
    }
  }
  return { k, dim: d, covarianceType: 'full', weights, means, covariances };
}

export interface MixtureSample {
  /** n×d row-major points. */
  readonly data: Float64Array;
  /** The component each point came from. */
  readonly labels: Int32Array;
}

/** n independent draws from the mixture, in random component order. */
export function sampleMixture(params: MixtureParams, n: number, seed: number): MixtureSample {
  const { k, dim: d } = params;
  const rng = new SeededRandom(seed);
  const factors: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const lower = choleskyLower(params.covariances, d, c * d * d);
    if (!lower) throw new Error(`component ${c} of the generating mixture is not positive definite`);
    factors.push(lower);
  }
  const cumulative = new Float64Array(k);
  let acc = 0;
  for (let c = 0; c < k; c++) cumulative[c] = acc += params.weights[c];
  const data = new Float64Array(n * d);
  const labels = new Int32Array(n);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform() * acc;
    let c = 0;
    while (c < k - 1 && u >= cumulative[c]) c++;
    labels[i] = c;
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    const l = factors[c];
    for (let a = 0; a < d; a++) {
      let s = params.means[c * d + a];
      for (let b = 0; b <= a; b++) s += l[a * d + b] * z[b];
      data[i * d + a] = s;
    }
  }
  return { data, labels };
}
