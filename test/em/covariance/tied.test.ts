import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../../src/em/component-factors.js';
import { COVARIANCE_MODELS } from '../../../src/em/covariance/covariance-models.js';
import { reseedDeadComponents } from '../../../src/em/dead-components.js';
import { eStep } from '../../../src/em/e-step.js';
import { expectedStatistics } from '../../../src/em/expected-statistics.js';
import { decodeEngineState, encodeEngineState } from '../../../src/em/engine-state-codec.js';
import { mStep } from '../../../src/em/m-step.js';
import { OnlineEm } from '../../../src/em/online-em.js';
import { observedColumnMeans, pointBatch } from '../../../src/em/point-batch.js';
import { expectArrayClose } from '../../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch, toRows } from '../../helpers/fixtures.js';
import { naiveEStep } from '../../helpers/naive-gmm.js';

const REG = 1e-6;

describe('tied covariance', () => {
  it('the M-step writes one matrix into every component and factors it once', () => {
    const d = 4;
    const params = mixtureOfType(3, d, 'tied', 3100, 1.5);
    const batch = sampleBatch(params, 200, 3101);
    const stats = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, observedColumnMeans(batch), 'tied');
    const m = mStep(stats, REG);
    const dd = d * d;
    for (let c = 1; c < 3; c++) expect(Array.from(m.params.covariances.subarray(c * dd, (c + 1) * dd))).toEqual(Array.from(m.params.covariances.subarray(0, dd)));
    expect(m.choleskyFactors).toHaveLength(3);
    expect(m.choleskyFactors![1]).toBe(m.choleskyFactors![0]);
  });

  it('the pooled E-step kernel (Px once per point) agrees with the naive log-densities at an offset of 1e6', () => {
    const d = 5;
    const base = mixtureOfType(3, d, 'tied', 3200, 2);
    const means = base.means.map((v) => v + 1e6);
    const params = { ...base, means };
    const batch = sampleBatch(params, 60, 3201);
    const e = eStep(componentFactors(params), batch);
    const naive = naiveEStep(params, batch.data, batch.n);
    expectArrayClose(e.logLik, naive.logLik, { atol: 1e-7 }, 'log p(x)');
    expectArrayClose(e.resp, naive.resp.flat(), { atol: 1e-9 }, 'responsibilities');
  });

  it('one missing pattern gives every component the same conditional factors', () => {
    const d = 4;
    const params = mixtureOfType(3, d, 'tied', 3300, 1.5);
    const data = punchMissing(sampleBatch(params, 80, 3301).data, 80, d, 0.3, 3302);
    const e = eStep(componentFactors(params), pointBatch(data, d));
    expect(e.conditionals.length).toBeGreaterThan(0);
    for (const cf of e.conditionals) {
      const p = cf.observed.length;
      const q = cf.missing.length;
      for (let c = 1; c < 3; c++) {
        expect(Array.from(cf.regression.subarray(c * q * p, (c + 1) * q * p))).toEqual(Array.from(cf.regression.subarray(0, q * p)));
        expect(Array.from(cf.conditionalCovariance.subarray(c * q * q, (c + 1) * q * q))).toEqual(Array.from(cf.conditionalCovariance.subarray(0, q * q)));
        expect(cf.logNorm[c]).toBe(cf.logNorm[0]);
      }
    }
  });

  it('re-seeding a dead component keeps the pooled scatter Σ_k S2_k (the split moves mass, not second moments)', () => {
    const d = 3;
    const params = mixtureOfType(3, d, 'tied', 3400, 1.5);
    const batch = sampleBatch(params, 150, 3401);
    const stats = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, observedColumnMeans(batch), 'tied');
    stats.s0[2] = 0;
    stats.s1.fill(0, 2 * d, 3 * d);
    stats.s2.fill(0, 2 * d * d, 3 * d * d);
    const sum = (s: Float64Array): number[] => Array.from({ length: d * d }, (_, i) => s[i] + s[d * d + i] + s[2 * d * d + i]);
    const before = sum(stats.s2);
    expect(reseedDeadComponents(stats, 1e-3)).toBe(1);
    expectArrayClose(sum(stats.s2), before, { rtol: 1e-13, atol: 1e-15 }, 'Σ_k S2_k');
    expect(() => mStep(stats, REG)).not.toThrow();
  });

  it('BIC counts one shared covariance: d(d+1)/2 free parameters whatever K', () => {
    expect(COVARIANCE_MODELS.tied.parameterCount(1, 3)).toBe(6);
    expect(COVARIANCE_MODELS.tied.parameterCount(8, 3)).toBe(6);
    expect(COVARIANCE_MODELS.full.parameterCount(8, 3)).toBe(48);
  });

  it('a tied engine state goes through the JSON codec and restores; a state with too short an S2 is refused', () => {
    const options = { components: 3, covarianceType: 'tied' as const, batchSize: 40, warmup: 150, restarts: 2, seed: 5 };
    const engine = new OnlineEm(options);
    engine.ingestRows(toRows(sampleBatch(mixtureOfType(3, 2, 'tied', 3500, 3), 400, 3501).data, 2));
    const state = engine.exportState();
    expect(state.stats!.s2.length).toBe(3 * 4);
    const json = JSON.parse(JSON.stringify(encodeEngineState(state)));
    const restored = OnlineEm.restore(options, decodeEngineState(json));
    expect(restored.snapshot(new Date(0))).toEqual(engine.snapshot(new Date(0)));
    json.stats.s2 = json.stats.s2.slice(0, 6);
    expect(() => decodeEngineState(json)).toThrow(/stats\.s2 must hold 12 values, holds 6/);
  });
});
