import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/em/errors.js';
import { DEFAULTS, defaultWarmup, resolveOptions, type OnlineEmOptions } from '../../src/em/options.js';

function errorOf(o: OnlineEmOptions): InvalidOptionError {
  try {
    resolveOptions(o);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  return expect.fail(`resolveOptions accepted ${JSON.stringify(o)}`);
}

describe('resolveOptions', () => {
  it('fills the defaults (decaying schedule with averaging)', () => {
    const r = resolveOptions({ components: 3 });
    expect(r).toEqual({
      components: 3,
      maxComponents: null,
      covarianceType: 'full',
      batchSize: DEFAULTS.batchSize,
      schedule: { kind: 'decaying', alpha: DEFAULTS.alpha, t0: DEFAULTS.t0, etaMin: DEFAULTS.etaMin },
      averaging: true,
      regCovar: 1e-6,
      warmup: null,
      restarts: DEFAULTS.restarts,
      initMaxIter: DEFAULTS.initMaxIter,
      initTol: DEFAULTS.initTol,
      seed: 0,
      threads: 1,
      minWeight: DEFAULTS.minWeight,
      maxAbsValue: DEFAULTS.maxAbsValue,
      convergenceWindow: DEFAULTS.convergenceWindow,
      convergenceTol: DEFAULTS.convergenceTol,
      changeDetection: false,
      dim: null,
    });
  });

  it('change detection: on by default whenever the schedule forgets, or as asked', () => {
    expect(resolveOptions({ components: 2 }).changeDetection).toBe(false);
    expect(resolveOptions({ components: 2, halfLife: 500 }).changeDetection).toBe(true);
    expect(resolveOptions({ components: 2, etaMin: 0.01 }).changeDetection).toBe(true);
    expect(resolveOptions({ components: 2, halfLife: 500, changeDetection: 'off' }).changeDetection).toBe(false);
    expect(resolveOptions({ components: 2, changeDetection: 'on' }).changeDetection).toBe(true);
    expect(() => resolveOptions({ components: 2, changeDetection: 'maybe' as 'on' })).toThrow(/changeDetection.*must be one of auto, on, off, got maybe/);
  });

  it('a half-life selects forgetting, without averaging unless asked', () => {
    const r = resolveOptions({ components: 2, halfLife: 500 });
    expect(r.schedule).toEqual({ kind: 'forgetting', halfLife: 500 });
    expect(r.averaging).toBe(false);
    expect(resolveOptions({ components: 2, halfLife: 500, averaging: true }).averaging).toBe(true);
    expect(resolveOptions({ components: 2, halfLife: null }).schedule.kind).toBe('decaying');
  });

  it('accepts the edges of the valid ranges', () => {
    expect(() => resolveOptions({ components: 1, alpha: 1, t0: 0, etaMin: 0, regCovar: 0, minWeight: 0, seed: 2 ** 32 - 1 })).not.toThrow();
    expect(resolveOptions({ components: 4, warmup: 4 }).warmup).toBe(4);
  });

  const bad: [string, OnlineEmOptions][] = [
    ['components', { components: 0 }],
    ['components', { components: 1.5 }],
    ['components', { components: 2000 }],
    ['components', { components: NaN }],
    ['components', { components: '3' as unknown as number }],
    ['covarianceType', { components: 2, covarianceType: 'round' as never }],
    ['batchSize', { components: 2, batchSize: 0 }],
    ['batchSize', { components: 2, batchSize: 2.5 }],
    ['alpha', { components: 2, alpha: 0.5 }],
    ['alpha', { components: 2, alpha: 1.01 }],
    ['alpha', { components: 2, alpha: Infinity }],
    // Checked even when the forgetting schedule does not use it: a wrong value is a mistake either way.
    ['alpha', { components: 2, halfLife: 100, alpha: 3 }],
    ['t0', { components: 2, t0: -1 }],
    ['etaMin', { components: 2, etaMin: 1 }],
    ['etaMin', { components: 2, etaMin: -0.1 }],
    ['halfLife', { components: 2, halfLife: 0 }],
    ['halfLife', { components: 2, halfLife: -5 }],
    ['regCovar', { components: 2, regCovar: -1e-6 }],
    ['regCovar', { components: 2, regCovar: NaN }],
    ['warmup', { components: 5, warmup: 4 }],
    ['warmup', { components: 2, warmup: 10.5 }],
    ['warmup', { components: 2, warmup: 10_000_001 }],
    ['restarts', { components: 2, restarts: 0 }],
    ['initMaxIter', { components: 2, initMaxIter: 0 }],
    ['initTol', { components: 2, initTol: 0 }],
    ['seed', { components: 2, seed: -1 }],
    ['seed', { components: 2, seed: 2 ** 32 }],
    ['minWeight', { components: 4, minWeight: 0.25 }],
    ['minWeight', { components: 2, minWeight: -0.1 }],
    ['minWeight', { components: 1, minWeight: 1 }],
    ['maxAbsValue', { components: 2, maxAbsValue: 0 }],
    ['convergenceWindow', { components: 2, convergenceWindow: 0 }],
    ['convergenceTol', { components: 2, convergenceTol: -1 }],
  ];
  for (const [option, o] of bad) {
    it(`rejects ${option} = ${String((o as unknown as Record<string, unknown>)[option])} naming the option`, () => {
      const error = errorOf(o);
      expect(error.option).toBe(option);
      expect(error.message.startsWith(`${option}: `)).toBe(true);
      expect(error.detail.length).toBeGreaterThan(0);
      expect(error.name).toBe('InvalidOptionError');
    });
  }
});

describe('defaultWarmup', () => {
  it('is about 10 points per free parameter, clamped to [1000, 20000] (tied: [4000, 20000])', () => {
    expect(defaultWarmup(4, 5, 'tied')).toBe(4000);
    expect(defaultWarmup(2, 2, 'full')).toBe(1000);
    // 10·K·(d + d(d+1)/2 + 1) = 10·10·(10 + 55 + 1)
    expect(defaultWarmup(10, 10, 'full')).toBe(6600);
    expect(defaultWarmup(10, 10, 'diag')).toBe(2100);
    expect(defaultWarmup(30, 10, 'spherical')).toBe(3600);
    expect(defaultWarmup(50, 50, 'full')).toBe(20000);
  });
});
