import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mStepFactors } from '../../../src/em/m-step-factors.js';
import { splitsMStep } from '../../../src/em/parallel/m-step-split.js';
import { SerialExecutor } from '../../../src/em/parallel/serial-executor.js';
import { WorkerPool } from '../../../src/em/parallel/worker-pool.js';
import { pointBatch } from '../../../src/em/point-batch.js';
import type { PointBatch, SufficientStats } from '../../../src/em/types.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';
import { labelledFullStats, mixtureWithFlatComponent } from '../../helpers/fixtures.js';

/**
 * WorkerPool.mStep against the serial mStepFactors: the same params, jitter count and
 * factors, bit for bit, and the same error when a component fails. Each case runs a few
 * times in a row, so that the workers, spinning after the first job, take components too.
 */

const D = 24;
const K = 12;
let pool: WorkerPool;

beforeAll(() => {
  ensureDistBuilt();
  pool = new WorkerPool(3);
});
afterAll(() => pool.close());

function sample(k: number, d: number, seed: number): { stats: SufficientStats; batch: PointBatch } {
  const { data, labels } = mixtureWithFlatComponent(k, d, 200 * k, seed);
  return { stats: labelledFullStats(data, labels, k, d), batch: pointBatch(data, d) };
}

function stats(k = K, d = D, seed = 3): SufficientStats {
  return sample(k, d, seed).stats;
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('the parallel M-step (WorkerPool.mStep)', () => {
  it('splits this shape by component', () => {
    expect(splitsMStep(K, D, 'full')).toBe(true);
  });

  it.each([
    ['reg_covar 1e-6', 1e-6, 0],
    ['reg_covar 0, a flat component that needs jitter', 0, 1],
  ])('%s: the bits of the serial M-step', (_name, regCovar, jitterEvents) => {
    const s = stats();
    const serial = mStepFactors(s, regCovar);
    expect(serial.jitterEvents).toBe(jitterEvents);
    for (let turn = 0; turn < 5; turn++) expect(pool.mStep(s, regCovar)).toStrictEqual(serial);
  });

  it('a model too small to split, and other covariance types, take the serial path with the same bits', () => {
    const small = stats(3, 6, 4);
    expect(splitsMStep(3, 6, 'full')).toBe(false);
    expect(pool.mStep(small, 1e-6)).toStrictEqual(mStepFactors(small, 1e-6));
  });

  it('raises the error the serial M-step raises: that of the first failing component, whichever thread failed', () => {
    const s = stats();
    const dd = D * D;
    // Component 3: a non-finite off-diagonal (jitter gives up); component 9: a non-finite variance (refused at once).
    s.s2[3 * dd + 5 * D + 2] = NaN;
    s.s2[9 * dd + 4 * D + 4] = NaN;
    const serial = thrown(() => mStepFactors(s, 1e-6));
    expect(serial.message).toBe('covariance could not be made positive definite by jitter');
    for (let turn = 0; turn < 3; turn++) {
      const parallel = thrown(() => pool.mStep(s, 1e-6));
      expect(parallel.constructor).toBe(serial.constructor);
      expect(parallel.message).toBe(serial.message);
    }
    // Component 9 alone.
    s.s2[3 * dd + 5 * D + 2] = s.s2[3 * dd + 2 * D + 5];
    const alone = thrown(() => mStepFactors(s, 1e-6));
    expect(alone.message).toBe('cannot factor a covariance with non-finite entries');
    expect(thrown(() => pool.mStep(s, 1e-6)).message).toBe(alone.message);
    // A component without mass, refused before any is computed.
    const empty = stats();
    empty.s0[5] = 0;
    expect(thrown(() => pool.mStep(empty, 1e-6)).message).toBe(thrown(() => mStepFactors(empty, 1e-6)).message);
    // And the next M-step is right.
    const good = stats();
    expect(pool.mStep(good, 1e-6)).toStrictEqual(mStepFactors(good, 1e-6));
  });

  it('alternates with E-step jobs, and with other shapes, on the same workers', () => {
    const serial = new SerialExecutor();
    for (const [k, d, seed] of [[K, D, 3], [8, 32, 6], [K, D, 7]]) {
      const { stats: s, batch } = sample(k, d, seed);
      const m = pool.mStep(s, 1e-6);
      expect(m).toStrictEqual(mStepFactors(s, 1e-6));
      // The E-step of the next minibatch under the model just computed: chunks on the same threads.
      const e = pool.run(m.factors, batch, s.reference);
      const expected = serial.run(m.factors, batch, s.reference);
      expect(e.logLik).toStrictEqual(expected.logLik);
      expect(e.stats.s2).toStrictEqual(expected.stats.s2);
    }
  });
});
