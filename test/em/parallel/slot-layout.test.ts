import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../../src/em/component-factors.js';
import { COVARIANCE_MODELS } from '../../../src/em/covariance/covariance-models.js';
import { eStep } from '../../../src/em/e-step.js';
import { chunkStatistics } from '../../../src/em/parallel/chunk-statistics.js';
import { groupComponents, reduceChunks, reduceComponents } from '../../../src/em/parallel/chunk-reduction.js';
import { slotLayout } from '../../../src/em/parallel/slot-layout.js';
import { accumulateRows, accumulateRowsUnmirrored } from '../../../src/em/partial-statistics.js';
import { observedColumnMeans, pointBatch } from '../../../src/em/point-batch.js';
import { zeroStats } from '../../../src/em/sufficient-stats.js';
import { COVARIANCE_TYPES } from '../../../src/em/types.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../../helpers/fixtures.js';

const D = 6;
const K = 3;
const N = 120;
const SENTINEL = 12345.5;

function fixture(covarianceType: (typeof COVARIANCE_TYPES)[number]) {
  const params = mixtureOfType(K, D, covarianceType, 41);
  // A quarter missing: the conditional covariances are accumulated too.
  const batch = pointBatch(punchMissing(sampleBatch(params, N, 42).data, N, D, 0.25, 43), D);
  const factors = componentFactors(params);
  return { batch, factors, reference: observedColumnMeans(batch), e: eStep(factors, batch) };
}

function insideRanges(ranges: Int32Array, i: number): boolean {
  for (let r = 0; r < ranges.length; r += 2) if (i >= ranges[r] && i < ranges[r + 1]) return true;
  return false;
}

describe('the slot layout of chunked statistics', () => {
  it.each(COVARIANCE_TYPES)('%s: accumulating writes inside the ranges only, and into each of them', (covarianceType) => {
    const { batch, factors, reference, e } = fixture(covarianceType);
    const stats = zeroStats(K, D, covarianceType, reference);
    const ranges = COVARIANCE_MODELS[covarianceType].accumulatedRanges(K, D);
    stats.s2.fill(SENTINEL);
    for (let r = 0; r < ranges.length; r += 2) stats.s2.fill(0, ranges[r], ranges[r + 1]);
    accumulateRowsUnmirrored(stats, batch, e, factors.means, 0, N);
    stats.s2.forEach((v, i) => {
      if (insideRanges(ranges, i)) expect(v).not.toBe(0);
      else expect(v).toBe(SENTINEL);
    });
    // Mirroring the unmirrored sum gives accumulateRows exactly.
    const mirrored = zeroStats(K, D, covarianceType, reference);
    accumulateRows(mirrored, batch, e, factors.means, 0, N);
    for (let i = 0; i < stats.s2.length; i++) if (!insideRanges(ranges, i)) stats.s2[i] = 0;
    COVARIANCE_MODELS[covarianceType].symmetrise(stats.s2, K, D);
    expect(stats.s2).toStrictEqual(mirrored.s2);
  });

  it.each(COVARIANCE_TYPES)('%s: the reduced chunks equal mirrored whole slots added in chunk order, bit for bit', (covarianceType) => {
    const { batch, factors, reference } = fixture(covarianceType);
    const layout = slotLayout(K, D, covarianceType);
    const size = 32;
    const count = Math.ceil(N / size);
    const partials = new Float64Array(count * layout.length).fill(SENTINEL);
    const resp = new Float64Array(N * K);
    const logLik = new Float64Array(N);
    for (let c = 0; c < count; c++) {
      const slot = partials.subarray(c * layout.length, (c + 1) * layout.length);
      chunkStatistics(factors, reference, batch.data, c * size, Math.min(N, (c + 1) * size), true, resp, logLik, slot);
    }
    const reduced = new Float64Array(layout.length);
    reduceChunks(partials, count, layout, N, reduced);

    // Direct: each chunk's mirrored statistics (accumulateRows over its rows), added in chunk order, scaled.
    const e = eStep(factors, batch);
    const expected = new Float64Array(layout.length);
    for (let c = 0; c < count; c++) {
      const part = zeroStats(K, D, covarianceType, reference);
      const start = c * size;
      const rows = pointBatch(batch.data.subarray(start * D, Math.min(N, start + size) * D), D);
      accumulateRows(part, rows, eStep(factors, rows), factors.means, 0, rows.n);
      const whole = [...part.s0, ...part.s1, ...part.s2];
      whole.forEach((v, i) => (expected[i] += v));
    }
    for (let i = 0; i < expected.length; i++) expected[i] *= 1 / N;
    expect(reduced).toStrictEqual(expected);
    expect(resp).toStrictEqual(e.resp);
  });

  it.each(COVARIANCE_TYPES)('%s: components reduced in groups, in any order, give the whole reduction bit for bit', (covarianceType) => {
    const { batch, factors, reference } = fixture(covarianceType);
    const layout = slotLayout(K, D, covarianceType);
    const size = 32;
    const count = Math.ceil(N / size);
    const partials = new Float64Array(count * layout.length);
    const resp = new Float64Array(N * K);
    const logLik = new Float64Array(N);
    for (let c = 0; c < count; c++) {
      chunkStatistics(factors, reference, batch.data, c * size, Math.min(N, (c + 1) * size), true, resp, logLik, partials.subarray(c * layout.length, (c + 1) * layout.length));
    }
    const whole = new Float64Array(layout.length);
    reduceChunks(partials, count, layout, N, whole);
    for (const groups of [1, 2, 3]) {
      // Stale values where no group writes would show: every entry must be written.
      const grouped = new Float64Array(layout.length).fill(SENTINEL);
      for (let g = groups - 1; g >= 0; g--) reduceComponents(partials, count, layout, N, grouped, ...groupComponents(g, groups, K));
      expect(grouped).toStrictEqual(whole);
    }
  });

  it('cuts the components into contiguous groups that cover each once', () => {
    for (const [k, groups] of [[3, 2], [8, 4], [5, 5], [16, 3]]) {
      const covered = Array.from({ length: groups }, (_, g) => groupComponents(g, groups, k)).flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i));
      expect(covered).toEqual(Array.from({ length: k }, (_, c) => c));
    }
  });

  it("lays out each component: s0[c], s1's row c, then its upper triangle of full S2", () => {
    const layout = slotLayout(2, 3, 'full');
    expect(layout.length).toBe(2 * (1 + 3 + 9));
    expect(slotLayout(2, 3, 'full')).toBe(layout);
    // By component: s0[c], s1's row c, c's upper triangle; diag's one S2 range split at the components.
    expect(layout.componentRanges.map((r) => [...r])).toEqual([
      [0, 1, 2, 5, 8, 11, 12, 14, 16, 17],
      [1, 2, 5, 8, 17, 20, 21, 23, 25, 26],
    ]);
    expect(slotLayout(2, 3, 'diag').componentRanges.map((r) => [...r])).toEqual([
      [0, 1, 2, 5, 8, 11],
      [1, 2, 5, 8, 11, 14],
    ]);
  });
});
