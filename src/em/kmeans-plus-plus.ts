import type { SeededRandom } from './random.js';

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with 2 + ⌊ln k⌋ local
 * trials per centre as in scikit-learn): each new centre is drawn with probability
 * proportional to the squared distance to the nearest centre chosen so far.
 * `points` is n×d row-major and complete. Returns k×d centres.
 */
export function kmeansPlusPlus(points: Float64Array, n: number, d: number, k: number, rng: SeededRandom): Float64Array {
  const centers = new Float64Array(k * d);
  const closest = new Float64Array(n);
  const candidate = new Float64Array(n);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  centers.set(points.subarray(first * d, first * d + d), 0);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = squaredDistance(points, i * d, centers, 0, d);
    potential += closest[i];
  }
  for (let c = 1; c < k; c++) {
    let bestIndex = -1;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      const idx = potential > 0 ? sampleByWeight(closest, potential, rng) : rng.int(n);
      let pot = 0;
      for (let i = 0; i < n; i++) {
        const dist = Math.min(closest[i], squaredDistance(points, i * d, points, idx * d, d));
        pot += dist;
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestIndex = idx;
      }
    }
    centers.set(points.subarray(bestIndex * d, bestIndex * d + d), c * d);
    potential = 0;
    for (let i = 0; i < n; i++) {
      candidate[i] = Math.min(closest[i], squaredDistance(points, i * d, centers, c * d, d));
      potential += candidate[i];
    }
    closest.set(candidate);
  }
  return centers;
}

/**
 * A few Lloyd iterations from the given centres (updated in place); returns each
 * point's nearest-centre label. An emptied cluster keeps its centre.
 */
export function lloyd(points: Float64Array, n: number, d: number, centers: Float64Array, iterations: number): Int32Array {
  const k = centers.length / d;
  const labels = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let it = 0; it <= iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDist = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = squaredDistance(points, i * d, centers, c * d, d);
        if (dist < bestDist) {
          bestDist = dist;
          best = c;
        }
      }
      if (labels[i] !== best || it === 0) changed = true;
      labels[i] = best;
    }
    if (!changed || it === iterations) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += points[i * d + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < d; j++) centers[c * d + j] = sums[c * d + j] / counts[c];
    }
  }
  return labels;
}

function squaredDistance(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = a[ao + j] - b[bo + j];
    s += v * v;
  }
  return s;
}

function sampleByWeight(weights: Float64Array, total: number, rng: SeededRandom): number {
  let target = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return weights.length - 1;
}
