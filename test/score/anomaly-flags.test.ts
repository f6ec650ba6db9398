/**
 * Issue 12's must-show for the anomaly flags, through the path the processor takes:
 * ItemScoring over a FittingSession, items of 100–500 rows, the default window.
 * Measured (seed 7 here; seeds 11–23 alike): stationary flagged fraction 0.00111 at
 * q = 0.001 (0.00083–0.00111 over six seeds) and 0.00987 at q = 0.01 (0.00986–0.01016);
 * outlier recall at q = 0.01 0.995 (0.986–0.995 over eight seeds), false-positive rate 3.4e-5.
 */
import { inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/em/random.js';
import type { MixtureParams } from '../../src/em/types.js';
import { defaultAnomalyWindow } from '../../src/score/anomaly-threshold.js';
import { FittingSession } from '../../src/stream/fitting-session.js';
import { ItemScoring } from '../../src/stream/item-scoring.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

const N = 200_000;
const D = 2;
const truth = randomMixture({ k: 3, dim: D, seed: 7, separation: 8 });

/** The flags of every point of `data` (n×2), fed as items of 100–500 rows. */
function flagsOf(data: Float64Array, quantile: number): Uint8Array {
  const session = new FittingSession({ components: 3, seed: 1 }, () => 0);
  const scoring = new ItemScoring({ kind: 'quantile', quantile, window: defaultAnomalyWindow(quantile) });
  const sizes = new SeededRandom(9);
  const flags = new Uint8Array(data.length / D);
  for (let at = 0; at < flags.length; ) {
    const m = Math.min(flags.length - at, 100 + sizes.int(401));
    const { scores } = scoring.ingest(session, { data: data.slice(at * D, (at + m) * D), dim: D });
    expect(scores.n).toBe(m);
    flags.set(scores.anomaly, at);
    at += m;
  }
  return flags;
}

/** Smallest Mahalanobis distance of (x, y) to a component of `params`. */
function nearestMahalanobis(params: MixtureParams, x: number, y: number): number {
  let best = Infinity;
  for (let c = 0; c < params.k; c++) {
    const inv = inverse(new Matrix([Array.from(params.covariances.subarray(c * 4, c * 4 + 2)), Array.from(params.covariances.subarray(c * 4 + 2, c * 4 + 4))]));
    const dx = x - params.means[c * 2];
    const dy = y - params.means[c * 2 + 1];
    best = Math.min(best, Math.sqrt(dx * (inv.get(0, 0) * dx + inv.get(0, 1) * dy) + dy * (inv.get(1, 0) * dx + inv.get(1, 1) * dy)));
  }
  return best;
}

/**
 * The stationary stream with one point in each run of 100 (at a random place in it)
 * replaced by a point uniform in [-100, 100]², at least 15σ (Mahalanobis) from every
 * component: 1% outliers exactly, so each window holds q·window of them.
 */
function withOutliers(seed: number, exactShare: boolean): { data: Float64Array; outlier: Uint8Array } {
  const data = sampleMixture(truth, N, 8).data;
  const outlier = new Uint8Array(N);
  const rng = new SeededRandom(seed);
  let slot = 0;
  for (let i = 0; i < N; i++) {
    if (i % 100 === 0) slot = rng.int(100);
    if (exactShare ? i % 100 !== slot : rng.uniform() >= 0.01) continue;
    let x: number;
    let y: number;
    do {
      x = -100 + 200 * rng.uniform();
      y = -100 + 200 * rng.uniform();
    } while (nearestMahalanobis(truth, x, y) < 15);
    data[i * D] = x;
    data[i * D + 1] = y;
    outlier[i] = 1;
  }
  return { data, outlier };
}

/** Flagged share of the points after the first window (the threshold's warm-up). */
function flaggedAfter(flags: Uint8Array, from: number, select: (i: number) => boolean = () => true): { share: number; points: number } {
  let flagged = 0;
  let points = 0;
  for (let i = from; i < flags.length; i++) {
    if (!select(i)) continue;
    points++;
    flagged += flags[i];
  }
  return { share: flagged / points, points };
}

describe('anomaly flags on a stationary stream (3 well-separated components in 2-d, 200k points)', () => {
  it.each([
    [0.001, '0.00111'],
    [0.01, '0.00987'],
  ])('at q = %s, the flagged fraction after the first window is within a factor of 2 of q (measured %s)', (q) => {
    const flags = flagsOf(sampleMixture(truth, N, 8).data, q);
    const window = defaultAnomalyWindow(q);
    const { share, points } = flaggedAfter(flags, window);
    expect(points).toBe(N - window);
    expect(share).toBeGreaterThan(q / 2);
    expect(share).toBeLessThan(2 * q);
    // Nothing is flagged before the first block of the window has set a threshold.
    expect(flags.subarray(0, window / 4).every((f) => f === 0)).toBe(true);
  });
});

describe('anomaly flags with 1% of the points from far outside (≥ 15σ, uniform in [-100, 100]²)', () => {
  it('at q = 0.01, after the first window, the flags recall ≥ 95% of the outliers (measured 0.995) and flag < 0.1% of the rest (measured 3.4e-5)', () => {
    const { data, outlier } = withOutliers(10, true);
    const flags = flagsOf(data, 0.01);
    const window = defaultAnomalyWindow(0.01);
    const recall = flaggedAfter(flags, window, (i) => outlier[i] === 1);
    expect(recall.points).toBe((N - window) / 100);
    expect(recall.share).toBeGreaterThanOrEqual(0.95);
    expect(flaggedAfter(flags, window, (i) => outlier[i] === 0).share).toBeLessThan(0.001);
  });

  /**
   * With each point an outlier with probability 1% (not exactly one in 100), a window holds
   * q·window ± √(q·window) of them, and the q-quantile then falls inside the outliers whenever
   * it holds more: recall ≈ E[min(1, q·window / X)] ≈ 97%, measured 0.939–0.982 over eight
   * seeds. The 95% at q equal to the outlier share is at the edge of this case.
   */
  it('at q = 0.01, with outliers drawn independently (1% each), recall stays ≥ 93% (measured 0.965 here)', () => {
    const { data, outlier } = withOutliers(10, false);
    const flags = flagsOf(data, 0.01);
    const window = defaultAnomalyWindow(0.01);
    expect(flaggedAfter(flags, window, (i) => outlier[i] === 1).share).toBeGreaterThanOrEqual(0.93);
  });
});
