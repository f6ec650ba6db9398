import { describe, expect, it } from 'vitest';
import { decodeEngineState, encodeEngineState } from '../../../src/em/engine-state-codec.js';
import { bic, freeParameters } from '../../../src/em/model-selection/bic.js';
import { OnlineEm } from '../../../src/em/online-em.js';
import { resolveOptions } from '../../../src/em/options.js';
import { expectClose } from '../../helpers/assertions.js';
import { mixtureOfType, sampleBatch } from '../../helpers/fixtures.js';

const NOW = new Date(0);

describe('BIC', () => {
  it('counts K-1 weights, K·d means and the covariances of the type (scikit-learn _n_parameters)', () => {
    // K = 3, d = 4: 2 + 12 + (30 | 12 | 3 | 10).
    expect(freeParameters(3, 4, 'full')).toBe(44);
    expect(freeParameters(3, 4, 'diag')).toBe(26);
    expect(freeParameters(3, 4, 'spherical')).toBe(17);
    expect(freeParameters(3, 4, 'tied')).toBe(24);
    expect(bic(-2.5, 100, 7)).toBeCloseTo(500 + 7 * Math.log(100), 12);
  });
});

describe('--components auto', () => {
  const truth = mixtureOfType(3, 2, 'full', 4100, 5);
  const data = sampleBatch(truth, 2000, 4101).data;

  it('parses auto and auto:MAX; the warm-up and the ranges use MAX', () => {
    expect(resolveOptions({ components: 'auto' })).toMatchObject({ components: 10, maxComponents: 10 });
    expect(resolveOptions({ components: 'auto:4' })).toMatchObject({ components: 4, maxComponents: 4 });
    expect(() => resolveOptions({ components: 'auto:x' as never })).toThrow(/components/);
    expect(() => resolveOptions({ components: 'auto:0' })).toThrow(/components/);
  });

  it('chooses the true K of a well-separated mixture, and the snapshot carries the BIC of every K, computed from its log-likelihood', () => {
    const engine = new OnlineEm({ components: 'auto:6', warmup: 1000, seed: 3 });
    engine.ingestFloat64(data.slice(), 2);
    const s = engine.snapshot(NOW)!;
    expect(s.k).toBe(3);
    expect(engine.options.components).toBe(3);
    expect(s.selection!.chosen).toBe(3);
    expect(s.selection!.scores.map((x) => x.k)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const score of s.selection!.scores) expectClose(score.bic, -2 * 1000 * score.logLikelihood + freeParameters(score.k, 2, 'full') * Math.log(1000), { rtol: 1e-12 }, `BIC K=${score.k}`);
    const least = Math.min(...s.selection!.scores.map((x) => x.bic));
    expect(s.selection!.scores.find((x) => x.k === 3)!.bic).toBe(least);
  });

  it('a checkpoint of an auto engine (in the warm-up, and after the choice) restores bit for bit, through the JSON codec', () => {
    const options = { components: 'auto:5' as const, warmup: 800, seed: 4, batchSize: 100 };
    for (const cut of [500, 1500]) {
      const a = new OnlineEm(options);
      a.ingestFloat64(data.slice(0, cut * 2), 2);
      const state = decodeEngineState(JSON.parse(JSON.stringify(encodeEngineState(a.exportState()))));
      const b = OnlineEm.restore(options, state);
      a.ingestFloat64(data.slice(cut * 2), 2);
      b.ingestFloat64(data.slice(cut * 2), 2);
      expect(b.snapshot(NOW)).toEqual(a.snapshot(NOW));
      expect(b.snapshot(NOW)!.selection!.chosen).toBe(3);
    }
  });
});
