import { describe, expect, it } from 'vitest';
import { fitBatchEm } from '../../../src/em/batch-em.js';
import { componentFactors } from '../../../src/em/component-factors.js';
import { eStep } from '../../../src/em/e-step.js';
import { selectComponents } from '../../../src/em/model-selection/component-selection.js';
import { grownStarts } from '../../../src/em/model-selection/grown-starts.js';
import { resolveOptions } from '../../../src/em/options.js';
import { pointBatch } from '../../../src/em/point-batch.js';
import type { CovarianceType } from '../../../src/em/types.js';
import { warmStartFit } from '../../../src/em/warm-start-fit.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { expectClose } from '../../helpers/assertions.js';
import { mixtureOfType, sampleBatch } from '../../helpers/fixtures.js';

const sum = (a: Float64Array, from = 0, to = a.length) => a.subarray(from, to).reduce((x, y) => x + y, 0);

describe('grownStarts', () => {
  for (const covarianceType of ['full', 'diag', 'spherical', 'tied'] as CovarianceType[]) {
    it(`${covarianceType}: K splits that keep each parent's mass and mean, and new components at the worst-explained points`, () => {
      const batch = sampleBatch(mixtureOfType(3, 3, covarianceType, 71), 1500, 72);
      const fit = fitBatchEm(batch, { k: 3, covarianceType, regCovar: 1e-6, restarts: 2, maxIter: 100, tol: 1e-8, seed: 1, minWeight: 1e-4 });
      const s = fit.stats;
      const starts = grownStarts(fit, batch);
      expect(starts.length).toBeGreaterThanOrEqual(4);
      expect(starts.length).toBeLessThanOrEqual(5);
      for (const start of starts) {
        expect(start.k).toBe(4);
        expect(start.reference).toEqual(s.reference);
        expectClose(sum(start.s0), sum(s.s0), { rtol: 1e-12 }, 'total mass');
      }
      for (let c = 0; c < 3; c++) {
        const split = starts[c];
        // The pair (c, new) carries the parent's mass and first moment; the others are untouched.
        expectClose(split.s0[c] + split.s0[3], s.s0[c], { rtol: 1e-12 }, 'pair mass');
        for (let j = 0; j < 3; j++) expectClose(split.s1[c * 3 + j] + split.s1[9 + j], s.s1[c * 3 + j], { atol: 1e-12 }, 'pair first moment');
        for (let o = 0; o < 3; o++) if (o !== c) expect(split.s0[o]).toBe(s.s0[o]);
      }
      // The first added start sits at the row the fit explains worst, with 5% of the mass.
      const e = eStep(componentFactors(fit.params), batch);
      let worst = 0;
      for (let i = 1; i < batch.n; i++) if (e.logLik[i] < e.logLik[worst]) worst = i;
      const added = starts[3];
      expectClose(added.s0[3], 0.05 * sum(s.s0), { rtol: 1e-12 }, 'new mass');
      for (let c = 0; c < 3; c++) expectClose(added.s0[c], 0.95 * s.s0[c], { rtol: 1e-12 }, 'scaled mass');
      for (let j = 0; j < 3; j++) expectClose(added.s1[9 + j] / added.s0[3], batch.data[worst * 3 + j] - s.reference[j], { atol: 1e-9 }, 'new mean');
    });
  }

  it('skips rows with a missing coordinate when it looks for the worst-explained point', () => {
    const batch = sampleBatch(mixtureOfType(2, 2, 'full', 81), 600, 82);
    const data = batch.data.slice();
    data[0] = 1e3; // far out, but its other coordinate is missing
    data[1] = NaN;
    const withMissing = pointBatch(data, 2);
    const fit = fitBatchEm(withMissing, { k: 2, covarianceType: 'full', regCovar: 1e-6, restarts: 2, maxIter: 50, tol: 1e-8, seed: 1, minWeight: 1e-4 });
    for (const start of grownStarts(fit, withMissing).slice(2)) {
      for (let j = 0; j < 2; j++) expect(Number.isFinite(start.s1[4 + j])).toBe(true);
      expect(start.s1[4] / start.s0[2] + start.reference[0]).not.toBeCloseTo(1e3, 0);
    }
  });
});

describe('selection with grown starts', () => {
  // d = 2, K = 4 with one component of weight 0.007 (about 28 of 4,000 points; bench:select's case d=2 K=4 sep 4 seed 1).
  const truth = randomMixture({ k: 4, dim: 2, seed: 104, separation: 4 });
  const buffer = pointBatch(sampleMixture(truth, 4000, 8).data, 2);
  const o = resolveOptions({ components: 'auto:5' });

  it('finds the small component that the k-means++ restarts alone miss, and BIC then chooses the true K', () => {
    expect(Math.min(...truth.weights)).toBeLessThan(0.01);
    const three = warmStartFit(buffer, { ...o, components: 3 }, o.seed);
    const restartsOnly = warmStartFit(buffer, { ...o, components: 4 }, o.seed);
    const grown = warmStartFit(buffer, { ...o, components: 4 }, o.seed, undefined, grownStarts(three, buffer));
    expect(grown.logLik).toBeGreaterThan(restartsOnly.logLik + 0.005);
    const { selection } = selectComponents(buffer, o, 5, o.seed);
    expect(selection.chosen).toBe(4);
  });
});
