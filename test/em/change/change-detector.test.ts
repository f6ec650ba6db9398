import { describe, expect, it } from 'vitest';
import { BURN_IN_BATCHES, ChangeDetector, DRIFT_NATS, THRESHOLD_FACTOR } from '../../../src/em/change/change-detector.js';
import { SeededRandom } from '../../../src/em/random.js';

/** Burn-in on batches of 20 points alternating 0 and -2: reference -1 nats/point, variance 1 nats². */
function burnedIn(): { detector: ChangeDetector; seen: number } {
  const detector = new ChangeDetector();
  const batch = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0 : -2));
  let seen = 0;
  for (let b = 0; b < BURN_IN_BATCHES; b++) expect(detector.observe(batch, 20, (seen += 20))).toBe(false);
  return { detector, seen };
}

describe('ChangeDetector', () => {
  it('learns the reference and the spread over the burn-in: h = 15·σ²/δ = 60 nats', () => {
    const { detector } = burnedIn();
    expect(detector.state()).toMatchObject({ batches: BURN_IN_BATCHES, reference: -1, variance: 1, statistic: 0, changes: 0 });
    expect(detector.threshold).toBe((THRESHOLD_FACTOR * 1) / DRIFT_NATS);
    expect(detector.threshold).toBe(60);
  });

  it('alarms on a drop of 1 nat/point at the batch where the shortfall beyond δ passes h (hand-computed: 0.75 per point, 81st point)', () => {
    const { detector, seen } = burnedIn();
    const dropped = new Float64Array(20).fill(-2);
    // After 4 batches g = 80 × 0.75 = 60, not above h; the 5th batch passes it.
    for (let b = 1; b <= 4; b++) {
      expect(detector.observe(dropped, 20, seen + 20 * b)).toBe(false);
      expect(detector.state().statistic).toBeCloseTo(15 * b, 12);
    }
    expect(detector.observe(dropped, 20, seen + 100)).toBe(true);
    expect(detector.changes).toBe(1);
    expect(detector.lastChangeAt).toBe(seen + 100);
    // The reference is learnt again after an alarm.
    expect(detector.state()).toMatchObject({ batches: 0, statistic: 0 });
    expect(Number.isNaN(detector.threshold)).toBe(true);
  });

  it('ignores drops within δ, and clips outliers to 5σ each (one wild point is no change)', () => {
    const { detector, seen } = burnedIn();
    const slight = new Float64Array(20).fill(-1 - 0.9 * DRIFT_NATS);
    for (let b = 1; b <= 200; b++) expect(detector.observe(slight, 20, seen + 20 * b)).toBe(false);
    expect(detector.state().statistic).toBe(0);
    const fresh = burnedIn();
    const wild = new Float64Array(20).fill(-1);
    wild[7] = -1e6;
    expect(fresh.detector.observe(wild, 20, fresh.seen + 20)).toBe(false);
    // The outlier adds at most cσ = 5 nats; the 12 points after it (shortfall 0) take δ off each.
    expect(fresh.detector.state().statistic).toBeCloseTo(5 - 12 * DRIFT_NATS, 12);
  });

  it('is not blinded by an extreme point in the burn-in: it is clipped at 10 robust deviations of the batch median', () => {
    const detector = new ChangeDetector();
    const batch = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0 : -2));
    const wild = batch.slice();
    wild[3] = -1e6;
    let seen = 0;
    for (let b = 0; b < BURN_IN_BATCHES; b++) detector.observe(b === 4 ? wild : batch, 20, (seen += 20));
    // Without the clip σ² would be about 5e9 and h about 3e11 nats: no alarm for thousands of batches.
    expect(detector.state().variance).toBeLessThan(3);
    const dropped = new Float64Array(20).fill(-3);
    let alarmed = false;
    for (let b = 0; b < 10 && !alarmed; b++) alarmed = detector.observe(dropped, 20, (seen += 20));
    expect(alarmed).toBe(true);
  });

  it('raises no alarm on a million stationary points of a skewed log-likelihood, and one at once after a shift of 2 nats/point', () => {
    const rng = new SeededRandom(5);
    const detector = new ChangeDetector();
    // ℓ = -½χ²₃-like: skewed to the left, as a Gaussian's log-density is.
    const sample = (shift: number): number => {
      let q = 0;
      for (let j = 0; j < 3; j++) q += rng.normal() ** 2;
      return -2 - 0.5 * q - shift;
    };
    const batch = new Float64Array(200);
    let seen = 0;
    for (let b = 0; b < 5000; b++) {
      for (let i = 0; i < 200; i++) batch[i] = sample(0);
      expect(detector.observe(batch, 200, (seen += 200))).toBe(false);
    }
    let alarmedAfter = -1;
    for (let b = 0; b < 10 && alarmedAfter < 0; b++) {
      for (let i = 0; i < 200; i++) batch[i] = sample(2);
      if (detector.observe(batch, 200, (seen += 200))) alarmedAfter = b + 1;
    }
    expect(alarmedAfter).toBe(1);
    expect(detector.changes).toBe(1);
  });

  it('resumes from its state bit for bit', () => {
    const rng = new SeededRandom(9);
    const batches = Array.from({ length: 60 }, (_, b) => Float64Array.from({ length: 50 }, () => rng.normal() - (b >= 40 ? 3 : 0)));
    const straight = new ChangeDetector();
    const alarms = batches.map((x, b) => straight.observe(x, 50, 50 * (b + 1)));
    const first = new ChangeDetector();
    batches.slice(0, 25).forEach((x, b) => first.observe(x, 50, 50 * (b + 1)));
    const resumed = new ChangeDetector(JSON.parse(JSON.stringify(first.state())));
    const later = batches.slice(25).map((x, b) => resumed.observe(x, 50, 50 * (b + 26)));
    expect(later).toEqual(alarms.slice(25));
    expect(resumed.state()).toEqual(straight.state());
    expect(straight.changes).toBe(1);
  });
});
