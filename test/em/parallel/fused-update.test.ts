import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentFactors } from '../../../src/em/component-factors.js';
import { mStepFactors } from '../../../src/em/m-step-factors.js';
import { chunkLayout, chunkPoints } from '../../../src/em/parallel/chunk-size.js';
import { blendAndFactor, blendedUpdate, writeUpdateInputs } from '../../../src/em/parallel/fused-update.js';
import { SerialExecutor } from '../../../src/em/parallel/serial-executor.js';
import { mStepLength, mStepViews } from '../../../src/em/parallel/shared-m-step.js';
import { slotLayout } from '../../../src/em/parallel/slot-layout.js';
import { WorkerPool } from '../../../src/em/parallel/worker-pool.js';
import { pointBatch } from '../../../src/em/point-batch.js';
import { blendedStats, cloneStats } from '../../../src/em/sufficient-stats.js';
import type { SufficientStats } from '../../../src/em/types.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';
import { labelledFullStats, mixtureWithFlatComponent } from '../../helpers/fixtures.js';

/**
 * The update fused into the E-step's job (fused-update.ts): blending and factoring component
 * by component, in any order and any grouping, on whichever thread, gives the bits of
 * blendedStats then mStepFactors; a component that cannot be computed leaves no model (the
 * engine then runs the serial M-step, which raises its error).
 */

const K = 5;
const D = 6;
const ETA = 0.3;

/** Statistics before the update and ŝ of a minibatch, as a reduced slot (s0 | s1 | s2, mirrored), about one reference. */
function fixture(seed: number): { before: SufficientStats; batchStats: SufficientStats; sum: Float64Array } {
  const a = mixtureWithFlatComponent(K, D, 500, seed);
  const before = labelledFullStats(a.data, a.labels, K, D);
  const b = mixtureWithFlatComponent(K, D, 200, seed + 7);
  const batchStats = { ...labelledFullStats(b.data, b.labels, K, D), reference: before.reference };
  const sum = new Float64Array([...batchStats.s0, ...batchStats.s1, ...batchStats.s2]);
  return { before, batchStats, sum };
}

/** The job's memory, full of another job's values, with the update's inputs written. */
function jobViews(before: SufficientStats, regCovar: number) {
  const v = mStepViews(new Float64Array(mStepLength(K, D)).fill(3), K, D);
  writeUpdateInputs(v, { stats: before, eta: ETA, regCovar });
  return v;
}

describe('blendAndFactor and blendedUpdate', () => {
  it.each([
    ['reg_covar 1e-6', 1e-6],
    ['reg_covar 0, a flat component that needs jitter', 0],
  ])('%s: in any order and grouping, the bits of blendedStats then mStepFactors', (_name, regCovar) => {
    const { before, batchStats, sum } = fixture(9);
    const serialStats = blendedStats(before, batchStats, ETA);
    const serial = mStepFactors(serialStats, regCovar);
    const v = jobViews(before, regCovar);
    const layout = slotLayout(K, D, 'full');
    for (const [from, to] of [[3, 5], [0, 1], [1, 3]]) blendAndFactor(v, sum, layout, from, to);
    const blended = blendedUpdate(v, before);
    expect(blended.stats).toStrictEqual(serialStats);
    expect(blended.model()).toStrictEqual(serial);
    // The caller's copies: the next job's memory does not reach them.
    v.s2.fill(7);
    v.covariances.fill(7);
    expect(blended.stats).toStrictEqual(serialStats);
  });

  it('a component without mass, or not finite, is left failed: no model, and no throw', () => {
    const { before, batchStats, sum } = fixture(9);
    const layout = slotLayout(K, D, 'full');
    for (const broken of ['no mass', 'not finite'] as const) {
      const s = cloneStats(before);
      const ŝ = sum.slice();
      if (broken === 'no mass') {
        s.s0[2] = 0;
        ŝ[2] = 0;
      } else ŝ[layout.s2Offset + 3 * D * D + D] = NaN; // row 1, column 0: the triangle the M-step reads
      const v = jobViews(s, 1e-6);
      expect(() => blendAndFactor(v, ŝ, layout, 0, K)).not.toThrow();
      const blended = blendedUpdate(v, s);
      expect(blended.model()).toBeNull();
      expect(blended.stats).toStrictEqual(blendedStats(s, { ...batchStats, s0: ŝ.subarray(0, K), s1: ŝ.subarray(K, K + K * D), s2: ŝ.subarray(K + K * D) }, ETA));
    }
  });
});

describe('WorkerPool.run with the following update', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    ensureDistBuilt();
    pool = new WorkerPool(3);
  });
  afterAll(() => pool.close());

  const { data } = mixtureWithFlatComponent(K, D, 4 * chunkPoints(K, D, 'full'), 4);
  const batch = pointBatch(data, D);
  const { before } = fixture(9);
  const f = componentFactors(mStepFactors(before, 1e-6).params);

  it('blends and factors in the E-step job: the bits of the serial executor, blendedStats and mStepFactors, job after job', () => {
    expect(chunkLayout(batch.n, chunkPoints(K, D, 'full')).count).toBe(4);
    const serial = new SerialExecutor().run(f, batch, before.reference);
    expect(serial.blended).toBeNull();
    const serialStats = blendedStats(before, serial.stats, ETA);
    const serialModel = mStepFactors(serialStats, 1e-6);
    // Several jobs in a row, so that the spinning workers take reduce groups too.
    for (let turn = 0; turn < 5; turn++) {
      const run = pool.run(f, batch, before.reference, null, { stats: before, eta: ETA, regCovar: 1e-6 });
      expect(run.stats).toStrictEqual(serial.stats);
      expect(run.blended!.stats).toStrictEqual(serialStats);
      expect(run.blended!.model()).toStrictEqual(serialModel);
    }
  });

  it('computes no update when none is asked for, nor for other covariance types', () => {
    expect(pool.run(f, batch, before.reference).blended).toBeNull();
    const diag = componentFactors({ ...mStepFactors(before, 1e-6).params, covarianceType: 'diag' });
    const diagBefore = { ...before, covarianceType: 'diag' as const, s2: new Float64Array(K * D) };
    expect(pool.run(diag, batch, before.reference, null, { stats: diagBefore, eta: ETA, regCovar: 1e-6 }).blended).toBeNull();
  });

  it('leaves no model when a component has no mass after the blend (the engine re-seeds it, then runs the M-step)', () => {
    const dead = cloneStats(before);
    dead.s0[1] = 0;
    dead.s1.fill(0, D, 2 * D);
    // Far from every point: component 1 takes no mass in this minibatch either.
    const far = componentFactors({ ...mStepFactors(before, 1e-6).params, means: mStepFactors(before, 1e-6).params.means.map((m, i) => (i >= D && i < 2 * D ? m + 1e3 : m)) });
    const run = pool.run(far, batch, before.reference, null, { stats: dead, eta: ETA, regCovar: 1e-6 });
    expect(run.blended!.stats.s0[1]).toBe(0);
    expect(run.blended!.model()).toBeNull();
  });
});
