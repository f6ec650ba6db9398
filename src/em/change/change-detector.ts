/**
 * Detects an abrupt drop of the prequential log-likelihood: a one-sided CUSUM over the
 * points' log-likelihoods under the model before each update (test-then-train).
 *
 * Each point i adds min(μ - ℓ_i - δ, cσ) nats to the statistic g (never below 0):
 * - μ is the reference level, an average of the batch means, moved only while g stays
 *   below h/5 (so it does not chase a drop it is testing);
 * - δ = DRIFT_NATS = 0.25 nats/point is the drop the test ignores: slow drift, and the
 *   noise of a forgetting fit, stay below it;
 * - σ² is the per-point variance of ℓ, and the clip cσ (c = CLIP_SIGMAS) keeps a few
 *   outliers from making an alarm on their own.
 * An alarm is raised when g exceeds h = THRESHOLD_FACTOR·σ²/δ nats: under no change the
 * increments have mean ≤ -δ and variance ≤ σ², so a random walk crosses h by chance about
 * once in exp(2δh/σ²) = e^30 points, while a drop of Δ nats/point is found after about
 * h/(Δ-δ) points (120 points for Δ = 2 at σ = 1). After an alarm the reference is learnt
 * again over BURN_IN_BATCHES batches. Pure and deterministic; its state is checkpointed.
 */
export const DRIFT_NATS = 0.25;
export const THRESHOLD_FACTOR = 15;
export const CLIP_SIGMAS = 5;
export const BURN_IN_BATCHES = 10;
/** The reference follows the batch means with this weight per batch (about 50 batches' memory). */
export const REFERENCE_RATE = 0.02;

export interface ChangeDetectorState {
  /** Batches since the start or the last alarm (the reference is learnt over the first BURN_IN_BATCHES). */
  readonly batches: number;
  readonly reference: number;
  readonly variance: number;
  /** The CUSUM statistic g, in nats. */
  readonly statistic: number;
  readonly changes: number;
  /** pointsSeen at the last alarm. */
  readonly lastChangeAt: number | null;
}

export const INITIAL_DETECTOR_STATE: ChangeDetectorState = { batches: 0, reference: 0, variance: 0, statistic: 0, changes: 0, lastChangeAt: null };

export class ChangeDetector {
  private s: { -readonly [K in keyof ChangeDetectorState]: ChangeDetectorState[K] };

  constructor(state: ChangeDetectorState = INITIAL_DETECTOR_STATE) {
    this.s = { ...state };
  }

  get changes(): number {
    return this.s.changes;
  }

  get lastChangeAt(): number | null {
    return this.s.lastChangeAt;
  }

  /** The alarm threshold h in nats (NaN while learning the reference). */
  get threshold(): number {
    return this.s.batches < BURN_IN_BATCHES ? NaN : (THRESHOLD_FACTOR * Math.max(this.s.variance, MIN_VARIANCE)) / DRIFT_NATS;
  }

  state(): ChangeDetectorState {
    return { ...this.s };
  }

  /** Learn the reference again (after the model was replaced), keeping the count of changes. */
  relearn(): void {
    Object.assign(this.s, { batches: 0, reference: 0, variance: 0, statistic: 0 });
  }

  /**
   * One minibatch's per-point log-likelihoods (`n` of them); `pointsSeen` is the stream's
   * count after it. Returns true on an alarm.
   */
  observe(logLik: Float64Array, n: number, pointsSeen: number): boolean {
    if (n === 0) return false;
    const s = this.s;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += logLik[i];
    const batchMean = sum / n;
    if (s.batches < BURN_IN_BATCHES) {
      // Learning the level and the spread: running means over the burn-in, of the points
      // winsorised at BURN_IN_CLIP robust deviations from the batch median (one extreme
      // point must not inflate σ² and blind the test for thousands of batches).
      const { mean, variance } = winsorisedMoments(logLik, n);
      s.batches++;
      s.reference += (mean - s.reference) / s.batches;
      s.variance += (variance - s.variance) / s.batches;
      return false;
    }
    const sigma = Math.sqrt(Math.max(s.variance, MIN_VARIANCE));
    const clip = CLIP_SIGMAS * sigma;
    let g = s.statistic;
    let ss = 0;
    let clipped = 0;
    for (let i = 0; i < n; i++) {
      const shortfall = s.reference - logLik[i];
      g = Math.max(0, g + Math.min(shortfall - DRIFT_NATS, clip));
      const dev = Math.min(Math.abs(logLik[i] - batchMean), clip);
      ss += dev * dev;
      clipped += Math.min(Math.max(logLik[i], s.reference - clip), s.reference + clip);
    }
    s.batches++;
    const h = (THRESHOLD_FACTOR * sigma * sigma) / DRIFT_NATS;
    if (g > h) {
      s.changes++;
      s.lastChangeAt = pointsSeen;
      s.batches = 0;
      s.reference = 0;
      s.variance = 0;
      s.statistic = 0;
      return true;
    }
    s.statistic = g;
    if (g < h / 5) {
      s.reference += REFERENCE_RATE * (clipped / n - s.reference);
      s.variance += REFERENCE_RATE * (ss / n - s.variance);
    }
    return false;
  }
}

/** Burn-in points beyond this many robust standard deviations (1.4826·MAD) of the batch median are clipped. */
const BURN_IN_CLIP = 10;

/** Mean and variance of the n values, each clipped to median ± BURN_IN_CLIP·1.4826·MAD. */
function winsorisedMoments(values: Float64Array, n: number): { mean: number; variance: number } {
  const clipped = Float64Array.from(values.subarray(0, n));
  const sorted = clipped.slice().sort();
  const median = quantileOfSorted(sorted);
  const spread = BURN_IN_CLIP * 1.4826 * quantileOfSorted(sorted.map((v) => Math.abs(v - median)).sort());
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (spread > 0) clipped[i] = Math.min(Math.max(clipped[i], median - spread), median + spread);
    sum += clipped[i];
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (clipped[i] - mean) * (clipped[i] - mean);
  return { mean, variance: ss / n };
}

function quantileOfSorted(sorted: Float64Array): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** A floor on σ² so that a perfectly fitted degenerate stream still has a finite threshold. */
const MIN_VARIANCE = 1e-6;
