import { describe, expect, it } from 'vitest';
import { COVARIANCE_MODELS } from '../../../src/em/covariance/covariance-models.js';
import { COVARIANCE_TYPES } from '../../../src/em/types.js';

describe('COVARIANCE_MODELS', () => {
  it('has one model per covariance type, under its own name', () => {
    expect(Object.keys(COVARIANCE_MODELS).sort()).toEqual([...COVARIANCE_TYPES].sort());
    for (const type of COVARIANCE_TYPES) expect(COVARIANCE_MODELS[type].type).toBe(type);
  });

  it('S2 layout and parameter counts: d² / d / 1 / d² entries, K·d(d+1)/2 / K·d / K / d(d+1)/2 free parameters (d = 4, K = 3)', () => {
    const d = 4;
    expect(COVARIANCE_TYPES).toEqual(['full', 'diag', 'spherical', 'tied']);
    expect(COVARIANCE_TYPES.map((t) => COVARIANCE_MODELS[t].statisticLength(d))).toEqual([16, 4, 1, 16]);
    expect(COVARIANCE_TYPES.map((t) => COVARIANCE_MODELS[t].parameterCount(3, d))).toEqual([30, 12, 3, 10]);
    expect(COVARIANCE_TYPES.map((t) => COVARIANCE_MODELS[t].iterationWork(d))).toEqual([20, 8, 8, 18]);
  });

  it('a statistic written from (w, m, Σ) reads back as Σ (the re-seed round trip)', () => {
    const d = 3;
    const w = 2.5;
    const mean = Float64Array.from([0.5, -1, 2]);
    const full = Float64Array.from([2, 0.3, -0.1, 0.3, 1.5, 0.2, -0.1, 0.2, 1]);
    const diagonal = Float64Array.from([2, 0, 0, 0, 1.5, 0, 0, 0, 1]);
    const spherical = Float64Array.from([1.5, 0, 0, 0, 1.5, 0, 0, 0, 1.5]);
    for (const [type, cov] of [['full', full], ['diag', diagonal], ['spherical', spherical], ['tied', full]] as const) {
      const model = COVARIANCE_MODELS[type];
      const s2 = new Float64Array(2 * model.statisticLength(d));
      model.writeStatistic(s2, 1, d, w, mean, cov);
      const back = model.covarianceFromStatistic(s2, 1, d, w, mean);
      for (let i = 0; i < d * d; i++) expect(back[i]).toBeCloseTo(cov[i], 12);
    }
  });
});
