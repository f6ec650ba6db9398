import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import {
  addPartialStatistics,
  normaliseStatistics,
  partialStatistics,
  type PartialStatistics,
} from '../../src/em/partial-statistics.js';
import { observedColumnMeans, pointBatch } from '../../src/em/point-batch.js';
import { COVARIANCE_TYPES, type CovarianceType } from '../../src/em/types.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveStats } from '../helpers/naive-gmm.js';

const K = 3;
const D = 4;
const N = 90;

/** A batch with about a third of its rows missing some coordinates, and its E-step. */
function fixture(covarianceType: CovarianceType, seed: number) {
  const params = mixtureOfType(K, D, covarianceType, seed, 1.5);
  const data = punchMissing(sampleBatch(params, N, seed + 1).data, N, D, 0.12, seed + 2);
  const batch = pointBatch(data, D);
  const e = eStep(componentFactors(params), batch);
  const reference = observedColumnMeans(batch);
  const partial = (start: number, end: number) => partialStatistics(batch, e, params.means, reference, covarianceType, start, end);
  return { params, data, batch, e, reference, partial };
}

function expectSameBits(a: PartialStatistics, b: PartialStatistics): void {
  expect([a.n, a.logLikSum]).toEqual([b.n, b.logLikSum]);
  for (const key of ['s0', 's1', 's2'] as const) {
    expect(a[key].length).toBe(b[key].length);
    for (let i = 0; i < a[key].length; i++) expect(Object.is(a[key][i], b[key][i]), `${key}[${i}]`).toBe(true);
  }
}

function expectCloseStats(a: PartialStatistics, b: PartialStatistics): void {
  expect(a.n).toBe(b.n);
  expectClose(a.logLikSum, b.logLikSum, { atol: 1e-10, rtol: 1e-12 }, 'Σ log p');
  for (const key of ['s0', 's1', 's2'] as const) expectArrayClose(a[key], b[key], { atol: 1e-12, rtol: 1e-12 }, key);
}

describe('partialStatistics: unnormalised sums of a row range', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: the rows [a, b) give n·ŝ of those rows, against the naive sums`, () => {
      const { params, data, e, reference, batch, partial } = fixture(covarianceType, 800);
      expect(batch.rowsWithMissing).toBeGreaterThan(10);
      const [a, b] = [17, 71];
      const p = partial(a, b);
      const m = b - a;
      const resp = Array.from({ length: m }, (_, r) => Array.from(e.resp.subarray((a + r) * K, (a + r + 1) * K)));
      const naive = naiveStats(params, data.subarray(a * D, b * D), m, reference, covarianceType, resp);
      const times = (x: Float64Array) => x.map((v) => v * m);
      expect(p.n).toBe(m);
      expectArrayClose(p.s0, times(naive.s0), { atol: 1e-12 }, 'S0');
      expectArrayClose(p.s1, times(naive.s1), { atol: 1e-11, rtol: 1e-11 }, 'S1');
      expectArrayClose(p.s2, times(naive.s2), { atol: 1e-11, rtol: 1e-11 }, 'S2');
      let logLik = 0;
      for (let i = a; i < b; i++) logLik += e.logLik[i];
      expect(p.logLikSum).toBe(logLik);
    });

    it(`${covarianceType}: [0, a) + [a, n) equals the whole within 1e-12, for every split`, () => {
      const { partial } = fixture(covarianceType, 810);
      const whole = partial(0, N);
      for (const a of [0, 1, 30, 45, N - 1, N]) expectCloseStats(addPartialStatistics([partial(0, a), partial(a, N)]), whole);
    });

    it(`${covarianceType}: chunks added in one fixed order give the same bits every time, and add entrywise`, () => {
      const { partial } = fixture(covarianceType, 820);
      const chunks = (bounds: number[]) => bounds.slice(1).map((end, i) => partial(bounds[i], end));
      const bounds = [0, 23, 46, 69, N];
      const merged = addPartialStatistics(chunks(bounds));
      expectSameBits(addPartialStatistics(chunks(bounds)), merged);
      const parts = chunks(bounds);
      for (const key of ['s0', 's1', 's2'] as const) {
        for (let i = 0; i < merged[key].length; i++) {
          expect(Object.is(merged[key][i], parts.reduce((s, p) => s + p[key][i], 0))).toBe(true);
        }
      }
      expect(merged.n).toBe(N);
      expectCloseStats(merged, partial(0, N));
    });

    it(`${covarianceType}: expectedStatistics is exactly the normalised partial of all rows`, () => {
      const { params, batch, e, reference, partial } = fixture(covarianceType, 830);
      const whole = partial(0, N);
      expectSameBits(addPartialStatistics([whole]), whole);
      const direct = expectedStatistics(batch, e, params.means, reference, covarianceType);
      const normalised = normaliseStatistics(whole);
      for (const key of ['s0', 's1', 's2'] as const) {
        for (let i = 0; i < direct[key].length; i++) expect(Object.is(direct[key][i], normalised[key][i])).toBe(true);
      }
    });
  }

  it('full S2 sums are symmetric in every partial', () => {
    const { partial } = fixture('full', 840);
    const p = partial(10, 50);
    for (let c = 0; c < K; c++) {
      for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) expect(p.s2[c * D * D + a * D + b]).toBe(p.s2[c * D * D + b * D + a]);
    }
  });

  it('an empty range sums to zero and normalises to zero', () => {
    const { partial } = fixture('diag', 850);
    const p = partial(40, 40);
    expect([p.n, p.logLikSum]).toEqual([0, 0]);
    const s = normaliseStatistics(p);
    for (const arr of [p.s0, p.s1, p.s2, s.s0, s.s1, s.s2]) expect(Array.from(arr).every((v) => v === 0)).toBe(true);
  });

  it('refuses to add nothing, or statistics about different reference points', () => {
    const { partial } = fixture('spherical', 860);
    expect(() => addPartialStatistics([])).toThrow(/no partial statistics/);
    const p = partial(0, 10);
    expect(() => addPartialStatistics([p, { ...p, reference: p.reference.map((v) => v + 1) }])).toThrow(/reference/);
  });
});
