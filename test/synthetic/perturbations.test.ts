import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { maskCompletelyAtRandom, shiftedMixture } from '../../src/synthetic/perturbations.js';

describe('shiftedMixture', () => {
  it('moves every mean by exactly the distance and keeps weights and covariances', () => {
    const m = randomMixture({ k: 4, dim: 3, seed: 1 });
    const s = shiftedMixture(m, 2.5, 7);
    for (let c = 0; c < 4; c++) {
      const moved = Math.hypot(...[0, 1, 2].map((j) => s.means[c * 3 + j] - m.means[c * 3 + j]));
      expect(moved).toBeCloseTo(2.5, 12);
    }
    expect(s.weights).toEqual(m.weights);
    expect(s.covariances).toEqual(m.covariances);
    expect(shiftedMixture(m, 2.5, 7).means).toEqual(s.means);
  });
});

describe('maskCompletelyAtRandom', () => {
  it('hides each coordinate with probability p, reproducibly, and lists the rows left with nothing', () => {
    const data = sampleMixture(randomMixture({ k: 2, dim: 2, seed: 3 }), 20_000, 4).data;
    const { masked, hidden, allMissingRows } = maskCompletelyAtRandom(data, 2, 0.3, 9);
    expect(Math.abs(hidden / data.length - 0.3)).toBeLessThan(0.01);
    expect(masked.filter(Number.isNaN).length).toBe(hidden);
    // Both coordinates hidden: probability 0.09.
    expect(Math.abs(allMissingRows.length / 20_000 - 0.09)).toBeLessThan(0.01);
    for (const i of allMissingRows) expect(Number.isNaN(masked[2 * i]) && Number.isNaN(masked[2 * i + 1])).toBe(true);
    masked.forEach((v, i) => {
      if (!Number.isNaN(v)) expect(v).toBe(data[i]);
    });
    expect(maskCompletelyAtRandom(data, 2, 0.3, 9).masked).toEqual(masked);
  });
});
