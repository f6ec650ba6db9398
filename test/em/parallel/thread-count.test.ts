import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnlineEm } from '../../../src/em/online-em.js';
import type { OnlineEmOptions } from '../../../src/em/options.js';
import { chunkPoints } from '../../../src/em/parallel/chunk-size.js';
import { closeStatisticsExecutors } from '../../../src/em/parallel/executors.js';
import { splitsMStep } from '../../../src/em/parallel/m-step-split.js';
import { COVARIANCE_TYPES, type CovarianceType } from '../../../src/em/types.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';
import { mixtureOfType, mixtureWithFlatComponent, punchMissing, sampleBatch } from '../../helpers/fixtures.js';

/**
 * The engine at --threads 1, 2 and 3 on the same stream: identical snapshots (the numbers,
 * deep equality, no tolerance) and identical per-point scores. The minibatch is 3 chunks and
 * a bit, so every minibatch, and the warm-up's EM, is split over the threads.
 */

beforeAll(() => ensureDistBuilt());
afterAll(() => closeStatisticsExecutors());

interface Shape {
  readonly k: number;
  readonly d: number;
  readonly covarianceType: CovarianceType;
}

/** Minibatches of 3 chunks and a bit; the warm-up as given, else 2 chunks and a bit. */
function options({ k, d, covarianceType }: Shape, threads: number, extra: Partial<OnlineEmOptions> = {}): OnlineEmOptions {
  const chunk = chunkPoints(k, d, covarianceType);
  return { components: k, covarianceType, threads, batchSize: 3 * chunk + 5, warmup: 2 * chunk + 3, restarts: 2, seed: 3, ...extra };
}

function run(shape: Shape, data: Float64Array, threads: number, extra?: Partial<OnlineEmOptions>) {
  const { d } = shape;
  const engine = new OnlineEm(options(shape, threads, extra));
  // The per-point scores of every update, as bytes (copies: the arrays are valid only during the callback).
  const scores: Buffer[] = [];
  const listener = (u: { logLik: Float64Array; resp: Float64Array }) => {
    for (const a of [u.logLik, u.resp]) scores.push(Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
  };
  for (let start = 0; start < data.length; start += 1000 * d) engine.ingestFloat64(data.slice(start, start + 1000 * d), d, listener);
  engine.flush(listener);
  const { createdAt: _createdAt, ...snapshot } = engine.snapshot()!;
  return { snapshot, scores: Buffer.concat(scores), counters: { ...engine.counters }, lastFailure: engine.lastFailure };
}

/** The runs at 2 and 3 threads are the run at 1, bit for bit; that one is returned. */
function sameAtEveryThreadCount(shape: Shape, data: Float64Array, extra?: Partial<OnlineEmOptions>) {
  const [one, ...others] = [1, 2, 3].map((threads) => run(shape, data, threads, extra));
  for (const other of others) {
    expect(other.snapshot).toStrictEqual(one.snapshot);
    expect(other.scores.equals(one.scores)).toBe(true);
    expect(other.counters).toStrictEqual(one.counters);
    expect(other.lastFailure).toBe(one.lastFailure);
  }
  return one;
}

describe('the parallel E-step', () => {
  const D = 6;
  const K = 4;
  describe.each(COVARIANCE_TYPES)('%s', (covarianceType) => {
    it.each([0, 0.25])('gives the same bits at 1, 2 and 3 threads (missing fraction %s)', (fraction) => {
      const chunk = chunkPoints(K, D, covarianceType);
      const n = 2 * chunk + 3 + Math.round(3.5 * (3 * chunk + 5));
      const batch = sampleBatch(mixtureOfType(K, D, covarianceType, 11), n, 12);
      const data = fraction > 0 ? punchMissing(batch.data, n, D, fraction, 13) : batch.data;
      const one = sameAtEveryThreadCount({ k: K, d: D, covarianceType }, data);
      expect(one.counters.batches).toBe(4);
      expect(one.counters.skippedBatches).toBe(0);
    });
  });

  // At 2 threads and more, each update of full covariances is blended and factored in the
  // E-step's job (fused-update.ts); a re-seed changes the blended statistics after that, so the
  // M-step runs again.
  it('re-seeding a component on one update and not on the others (full): the same bits', () => {
    const shape: Shape = { k: K, d: D, covarianceType: 'full' };
    const chunk = chunkPoints(K, D, 'full');
    const batchSize = 3 * chunk + 5;
    const params = mixtureOfType(K, D, 'full', 21);
    // Component 3 stops drawing points after two updates: forgetting with a half-life of one minibatch, its weight falls below minWeight.
    const first = sampleBatch(params, 2 * chunk + 3 + 2 * batchSize, 22).data;
    const rest = sampleBatch({ ...params, weights: Float64Array.from([0.5, 0.3, 0.2, 0]) }, 10 * batchSize, 23).data;
    const data = Float64Array.from([...first, ...rest]);
    const one = sameAtEveryThreadCount(shape, data, { minWeight: 0.05, halfLife: batchSize, changeDetection: 'off' });
    expect(one.counters.batches).toBe(12);
    expect(one.counters.reseeds).toBe(1);
    expect(one.counters.skippedBatches).toBe(0);
  });
});

/**
 * Full covariances of a shape whose M-step is split by component over the threads (d = 24,
 * K = 6): every update's components, and the warm-up EM's, are computed by whichever
 * thread claims them, and written back as that component's.
 */
describe('the parallel M-step', () => {
  const shape: Shape = { k: 6, d: 24, covarianceType: 'full' };
  const { k: K, d: D } = shape;
  const batchSize = 3 * chunkPoints(K, D, 'full') + 5;
  const warmup = 600;
  const n = warmup + Math.round(3.5 * batchSize);
  // A few warm-up EM iterations are enough to cover it (with a quarter missing, each row is a pattern of its own: slow).
  const base = { warmup, initMaxIter: 6 };

  it('splits this shape', () => {
    expect(splitsMStep(K, D, 'full')).toBe(true);
  });

  it.each([0, 0.25])('gives the same bits at 1, 2 and 3 threads (missing fraction %s)', (fraction) => {
    const batch = sampleBatch(mixtureOfType(K, D, 'full', 11), n, 12);
    const data = fraction > 0 ? punchMissing(batch.data, n, D, fraction, 13) : batch.data;
    const one = sameAtEveryThreadCount(shape, data, base);
    expect(one.counters.batches).toBe(4);
    expect(one.counters.skippedBatches).toBe(0);
  });

  it.each([0, 0.25])('with a flat component whose covariance needs jitter (missing fraction %s)', (fraction) => {
    const { data: complete, labels } = mixtureWithFlatComponent(K, D, n, 14);
    const data = fraction > 0 ? punchMissing(complete, n, D, fraction, 15) : complete;
    // The flat component's own rows stay complete: imputed coordinates would not lie on its plane until EM converged.
    for (let i = 0; i < n; i++) if (labels[i] === 0) data.set(complete.subarray(i * D, (i + 1) * D), i * D);
    const one = sameAtEveryThreadCount(shape, data, { ...base, regCovar: 0 });
    expect(one.counters.batches).toBe(4);
    expect(one.counters.jitterEvents).toBeGreaterThan(0);
  });

  it('with a minibatch whose update is skipped', () => {
    const data = sampleBatch(mixtureOfType(K, D, 'full', 16), n, 17).data;
    // A point far enough out that its statistics overflow: the second minibatch is skipped, the others go on.
    data.fill(1e200, (warmup + batchSize + 7) * D, (warmup + batchSize + 8) * D);
    const one = sameAtEveryThreadCount(shape, data, { ...base, maxAbsValue: 1e300 });
    expect(one.counters.batches).toBe(4);
    expect(one.counters.skippedBatches).toBe(1);
    expect(one.lastFailure).toMatch(/not finite/);
  });
});
