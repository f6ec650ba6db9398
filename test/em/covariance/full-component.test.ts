import { describe, expect, it } from 'vitest';
import { factorWithJitter, invertLowerTriangular, logDetFromCholesky } from '../../../src/em/cholesky.js';
import { estimateFullCovariance, fullPrecision } from '../../../src/em/covariance/full-component.js';
import { meanParameters } from '../../../src/em/m-step.js';
import { mStepFactors } from '../../../src/em/m-step-factors.js';
import type { SufficientStats } from '../../../src/em/types.js';
import { labelledFullStats, mixtureWithFlatComponent } from '../../helpers/fixtures.js';

const K = 4;
const D = 7;
const LOG_2PI = Math.log(2 * Math.PI);

function stats(): SufficientStats {
  const { data, labels } = mixtureWithFlatComponent(K, D, 400, 5);
  return labelledFullStats(data, labels, K, D);
}

/** The full-covariance M-step and componentFactors as they were written before the per-component functions (full.ts at 72d22c7). */
function formerSerial(s: SufficientStats, regCovar: number) {
  const { centred } = meanParameters(s);
  const dd = D * D;
  const covariances = new Float64Array(K * dd);
  const precisionCholesky = new Float64Array(K * dd);
  const logDet = new Float64Array(K);
  let jitterEvents = 0;
  for (let c = 0; c < K; c++) {
    const w = s.s0[c];
    const o = c * dd;
    for (let a = 0; a < D; a++) {
      for (let b = 0; b <= a; b++) {
        const v = s.s2[o + a * D + b] / w - centred[c * D + a] * centred[c * D + b];
        covariances[o + a * D + b] = v;
        covariances[o + b * D + a] = v;
      }
      covariances[o + a * D + a] = Math.max(covariances[o + a * D + a], 0) + regCovar;
    }
    const factor = factorWithJitter(covariances, D, o);
    if (factor.jitter > 0) jitterEvents++;
    precisionCholesky.set(invertLowerTriangular(factor.lower, D), o);
    logDet[c] = logDetFromCholesky(factor.lower, D);
  }
  return { covariances, precisionCholesky, logDet, jitterEvents };
}

describe('estimateFullCovariance and fullPrecision', () => {
  it.each([
    ['reg_covar 1e-6', 1e-6, 0],
    ['reg_covar 0, a flat component that needs jitter', 0, 1],
  ])('%s: the serial M-step built on them keeps the bits it had before them', (_name, regCovar, jitterEvents) => {
    const s = stats();
    const serial = mStepFactors(s, regCovar);
    const former = formerSerial(s, regCovar);
    expect(former.jitterEvents).toBe(jitterEvents);
    expect(serial.jitterEvents).toBe(jitterEvents);
    expect(serial.params.covariances).toStrictEqual(former.covariances);
    expect(serial.factors.precisionCholesky).toStrictEqual(former.precisionCholesky);
    former.logDet.forEach((logDet, c) => expect(serial.factors.logNorm[c]).toBe(-0.5 * (D * LOG_2PI + logDet)));
  });

  it('read and write their own component alone: in reverse order, into reused arrays, the same bits', () => {
    const s = stats();
    const serial = mStepFactors(s, 0);
    const { centred } = meanParameters(s);
    // Reused arrays: stale values everywhere, which every entry must overwrite.
    const covariances = new Float64Array(K * D * D).fill(7);
    const out = { precisionCholesky: new Float64Array(K * D * D).fill(7), precisionDiagonal: new Float64Array(K * D).fill(7), logDet: new Float64Array(K).fill(7) };
    for (let c = K - 1; c >= 0; c--) fullPrecision(estimateFullCovariance(s.s2, s.s0[c], centred, c, D, 0, covariances).lower, c, D, out);
    expect(covariances).toStrictEqual(serial.params.covariances);
    expect(out.precisionCholesky).toStrictEqual(serial.factors.precisionCholesky);
    expect(out.precisionDiagonal).toStrictEqual(serial.factors.precisionDiagonal);
  });
});
