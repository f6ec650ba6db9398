import { describe, expect, it } from 'vitest';
import { LOG_2PI } from '../../../src/em/component-factors.js';
import { meanParameters } from '../../../src/em/m-step.js';
import { mStepFactors } from '../../../src/em/m-step-factors.js';
import { COMPONENT_STATUS, computeComponent, mStepLength, mStepViews, writeMStepInputs } from '../../../src/em/parallel/shared-m-step.js';
import { labelledFullStats, mixtureWithFlatComponent } from '../../helpers/fixtures.js';

const K = 5;
const D = 6;

describe('computeComponent (one component of the parallel M-step)', () => {
  it.each([
    ['reg_covar 1e-6', 1e-6, 0],
    ['reg_covar 0, a flat component that needs jitter', 0, 1],
  ])('%s: component by component, in any order, over a reused buffer, the bits of the serial M-step', (_name, regCovar, jitterEvents) => {
    const { data, labels } = mixtureWithFlatComponent(K, D, 500, 9);
    const stats = labelledFullStats(data, labels, K, D);
    const serial = mStepFactors(stats, regCovar);
    expect(serial.jitterEvents).toBe(jitterEvents);
    // A buffer full of another job's values.
    const v = mStepViews(new Float64Array(mStepLength(K, D)).fill(3), K, D);
    writeMStepInputs(v, stats, meanParameters(stats).centred, regCovar);
    for (const c of [2, 4, 0, 3, 1]) computeComponent(v, c);
    expect(v.covariances).toStrictEqual(serial.params.covariances);
    expect(v.precisionCholesky).toStrictEqual(serial.factors.precisionCholesky);
    expect(v.precisionDiagonal).toStrictEqual(serial.factors.precisionDiagonal);
    v.logDet.forEach((logDet, c) => expect(-0.5 * (D * LOG_2PI + logDet)).toBe(serial.factors.logNorm[c]));
    const jittered = Array.from(v.status, (s) => s === COMPONENT_STATUS.jittered);
    expect(jittered.filter(Boolean).length).toBe(jitterEvents);
    expect(v.status.every((s) => s !== COMPONENT_STATUS.failed)).toBe(true);
  });

  it('leaves a component whose covariance cannot be factored `failed`, and throws what the serial M-step throws', () => {
    const { data, labels } = mixtureWithFlatComponent(K, D, 500, 9);
    const stats = labelledFullStats(data, labels, K, D);
    stats.s2[2 * D * D + D + 1] = NaN;
    const v = mStepViews(new Float64Array(mStepLength(K, D)), K, D);
    writeMStepInputs(v, stats, meanParameters(stats).centred, 1e-6);
    expect(() => computeComponent(v, 2)).toThrow('cannot factor a covariance with non-finite entries');
    expect(() => mStepFactors(stats, 1e-6)).toThrow('cannot factor a covariance with non-finite entries');
    expect(v.status[2]).toBe(COMPONENT_STATUS.failed);
  });
});
