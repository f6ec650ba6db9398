import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { mStep } from '../../src/em/m-step.js';
import { observedColumnMeans, pointBatch, sliceBatch } from '../../src/em/point-batch.js';
import { describeSchedule, stepSize, type StepSizeSchedule } from '../../src/em/step-size.js';
import { blendStats, zeroStats } from '../../src/em/sufficient-stats.js';
import { COVARIANCE_TYPES } from '../../src/em/types.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveBatchMStep, naiveEStep, naiveStats } from '../helpers/naive-gmm.js';

const RUNNING_AVERAGE: StepSizeSchedule = { kind: 'decaying', alpha: 1, t0: 0, etaMin: 0 };

describe('stepSize', () => {
  it('decaying, full batches: η_t = (t + t0)^(-α)', () => {
    const schedule: StepSizeSchedule = { kind: 'decaying', alpha: 0.6, t0: 2, etaMin: 0 };
    const B = 100;
    for (let t = 1; t <= 50; t++) {
      expectClose(stepSize(schedule, B, B, t * B), Math.pow(t + 2, -0.6), { rtol: 1e-14 }, `η_${t}`);
    }
  });

  it('decaying is capped at 1 (t + t0 < 1)', () => {
    expect(stepSize({ kind: 'decaying', alpha: 0.7, t0: 0, etaMin: 0 }, 100, 100, 50)).toBe(1);
    expect(stepSize({ kind: 'decaying', alpha: 0.7, t0: 0, etaMin: 0.9 }, 100, 100, 1e6)).toBe(0.9);
  });

  it('a partial first batch takes η = fraction^(1-α) (α = 1: it replaces the statistics)', () => {
    expectClose(stepSize({ kind: 'decaying', alpha: 0.7, t0: 0, etaMin: 0 }, 10, 100, 10), Math.pow(0.1, 0.3), { rtol: 1e-14 });
    expect(stepSize(RUNNING_AVERAGE, 10, 100, 10)).toBe(1);
  });

  it('α = 1, t0 = 0 gives η = m / (points so far): the exact running average, partial batches included', () => {
    const B = 8;
    let seen = 0;
    for (const m of [8, 8, 3, 8, 1, 8, 5]) {
      seen += m;
      expectClose(stepSize(RUNNING_AVERAGE, m, B, seen), m / seen, { rtol: 1e-15 }, `η after ${seen}`);
    }
  });

  it('a partial batch takes a proportionally shorter step', () => {
    const schedule: StepSizeSchedule = { kind: 'decaying', alpha: 0.8, t0: 1, etaMin: 0 };
    const full = stepSize(schedule, 50, 50, 500);
    expectClose(stepSize(schedule, 20, 50, 500), (20 / 50) * full, { rtol: 1e-14 });
  });

  it('the floor η_min (scaled by the batch fraction) holds once the decay falls below it', () => {
    const schedule: StepSizeSchedule = { kind: 'decaying', alpha: 1, t0: 0, etaMin: 0.05 };
    const B = 10;
    expectClose(stepSize(schedule, B, B, 5 * B), 0.2, { rtol: 1e-15 }, 'above the floor');
    expect(stepSize(schedule, B, B, 1000 * B)).toBe(0.05);
    expectClose(stepSize(schedule, 4, B, 1000 * B + 4), 0.4 * 0.05, { rtol: 1e-15 }, 'floored partial batch');
  });

  it('forgetting: η = 1 - 2^(-m/h), constant in time; old statistics halve every h points', () => {
    const h = 300;
    const schedule: StepSizeSchedule = { kind: 'forgetting', halfLife: h };
    expectClose(stepSize(schedule, 300, 100, 1e6), 0.5, { rtol: 1e-15 }, 'm = h');
    expectClose(stepSize(schedule, 600, 100, 1e6), 0.75, { rtol: 1e-15 }, 'm = 2h');
    expect(stepSize(schedule, 100, 100, 100)).toBe(stepSize(schedule, 100, 100, 1e7));
    // Batches of 100, 100, 70, 30 points: the weight left on the old statistics is 2^(-300/h) = ½.
    let keep = 1;
    for (const m of [100, 100, 70, 30]) keep *= 1 - stepSize(schedule, m, 100, 0);
    expectClose(keep, 0.5, { rtol: 1e-14 }, 'kept after h points');
  });

  it('describeSchedule', () => {
    expect(describeSchedule({ kind: 'forgetting', halfLife: 500 })).toBe('forgetting, half-life 500 points');
    expect(describeSchedule({ kind: 'decaying', alpha: 0.6, t0: 2, etaMin: 0 })).toBe('decaying, alpha 0.6, t0 2');
    expect(describeSchedule({ kind: 'decaying', alpha: 0.6, t0: 2, etaMin: 0.01 })).toBe('decaying, alpha 0.6, t0 2, floor 0.01');
  });
});

describe('running average (α = 1, t0 = 0) over minibatches under fixed parameters = whole-data statistics', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const withMissing of [false, true]) {
      it(`${covarianceType}${withMissing ? ', with missing coordinates' : ''}`, () => {
        const d = 3;
        const params = mixtureOfType(3, d, covarianceType, 900, 1.5);
        const n = 47;
        const B = 10; // 10, 10, 10, 10, 7: a partial last batch
        let data = sampleBatch(params, n, 901).data;
        if (withMissing) data = punchMissing(data, n, d, 0.3, 902);
        const all = pointBatch(data, d);
        const reference = observedColumnMeans(all);
        const f = componentFactors(params);
        const s = zeroStats(3, d, covarianceType, reference);
        let seen = 0;
        for (let start = 0; start < n; start += B) {
          const mb = sliceBatch(all, start, Math.min(n, start + B));
          seen += mb.n;
          const sHat = expectedStatistics(mb, eStep(f, mb), params.means, reference, covarianceType);
          blendStats(s, sHat, stepSize(RUNNING_AVERAGE, mb.n, B, seen));
        }
        const naive = naiveStats(params, data, n, reference, covarianceType);
        expectArrayClose(s.s0, naive.s0, { atol: 1e-13 }, 'S0');
        expectArrayClose(s.s1, naive.s1, { atol: 1e-12, rtol: 1e-11 }, 'S1');
        expectArrayClose(s.s2, naive.s2, { atol: 1e-12, rtol: 1e-11 }, 'S2');
        if (!withMissing) {
          // Hence batch EM's M-step on the same responsibilities.
          const m = mStep(s, 1e-6);
          const batchEm = naiveBatchMStep(data, n, d, naiveEStep(params, data, n).resp, covarianceType, 1e-6);
          expectArrayClose(m.params.weights, batchEm.weights, { atol: 1e-12 }, 'π');
          expectArrayClose(m.params.means, batchEm.means, { atol: 1e-11 }, 'μ');
          expectArrayClose(m.params.covariances, batchEm.covariances, { atol: 1e-10 }, 'Σ');
        }
      });
    }
  }

  it('α < 1 does not reproduce the whole-data statistics (the test can tell)', () => {
    const d = 2;
    const params = mixtureOfType(2, d, 'full', 903, 1.5);
    const n = 40;
    const all = sampleBatch(params, n, 904);
    const reference = observedColumnMeans(all);
    const f = componentFactors(params);
    const s = zeroStats(2, d, 'full', reference);
    let seen = 0;
    for (let start = 0; start < n; start += 10) {
      const mb = sliceBatch(all, start, start + 10);
      seen += 10;
      blendStats(s, expectedStatistics(mb, eStep(f, mb), params.means, reference, 'full'), stepSize({ kind: 'decaying', alpha: 0.6, t0: 0, etaMin: 0 }, 10, 10, seen));
    }
    const naive = naiveStats(params, all.data, n, reference, 'full');
    let worst = 0;
    for (let i = 0; i < naive.s1.length; i++) worst = Math.max(worst, Math.abs(s.s1[i] - naive.s1[i]));
    expect(worst).toBeGreaterThan(1e-3);
  });
});
