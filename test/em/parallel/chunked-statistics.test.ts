import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../../src/em/component-factors.js';
import { eStep } from '../../../src/em/e-step.js';
import { expectedStatistics } from '../../../src/em/expected-statistics.js';
import { chunkLayout, chunkPoints } from '../../../src/em/parallel/chunk-size.js';
import { SerialExecutor } from '../../../src/em/parallel/serial-executor.js';
import { WorkerPool } from '../../../src/em/parallel/worker-pool.js';
import { WorkerPoolError } from '../../../src/em/parallel/worker-pool-error.js';
import { observedColumnMeans, pointBatch } from '../../../src/em/point-batch.js';
import { COVARIANCE_TYPES } from '../../../src/em/types.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../../helpers/fixtures.js';

const D = 5;
const K = 3;

function batchOf(covarianceType: (typeof COVARIANCE_TYPES)[number], n: number) {
  const params = mixtureOfType(K, D, covarianceType, 31);
  const batch = pointBatch(punchMissing(sampleBatch(params, n, 32).data, n, D, 0.25, 33), D);
  return { params, batch, factors: componentFactors(params), reference: observedColumnMeans(batch) };
}

/** A run's columns, copied (an executor's arrays are valid until its next run). */
function copyOf(c: { resp: Float64Array; logLik: Float64Array; stats: { s0: Float64Array; s1: Float64Array; s2: Float64Array } }): Float64Array[] {
  return [c.resp, c.logLik, c.stats.s0, c.stats.s1, c.stats.s2].map((a) => Float64Array.from(a));
}

/**
 * Four chunks of complete rows, what the serial executor computes of them, and `known(rows)`:
 * the E-step of the first rows as KnownScores, the rest of its buffers NaN (read past the
 * known rows, they would show).
 */
function knownRowsCase(covarianceType: (typeof COVARIANCE_TYPES)[number], seed: number) {
  const size = chunkPoints(K, D, covarianceType);
  const n = 3 * size + 7;
  const params = mixtureOfType(K, D, covarianceType, seed);
  const batch = pointBatch(sampleBatch(params, n, seed + 3).data, D);
  const factors = componentFactors(params);
  const reference = observedColumnMeans(batch);
  const e = eStep(factors, batch);
  const known = (rows: number) => {
    const resp = new Float64Array(n * K).fill(Number.NaN);
    const logLik = new Float64Array(n).fill(Number.NaN);
    resp.set(e.resp.subarray(0, rows * K));
    logLik.set(e.logLik.subarray(0, rows));
    return { rows, resp, logLik };
  };
  return { size, n, batch, factors, reference, known, computed: copyOf(new SerialExecutor().run(factors, batch, reference)) };
}

describe('chunked statistics (SerialExecutor)', () => {
  it.each(COVARIANCE_TYPES)('%s: the E-step of the whole batch per point, and its statistics to rounding', (covarianceType) => {
    // Four chunks, a quarter of the coordinates missing.
    const n = 3 * chunkPoints(K, D, covarianceType) + 7;
    const { batch, factors, reference } = batchOf(covarianceType, n);
    const chunked = new SerialExecutor().run(factors, batch, reference);
    const e = eStep(factors, batch);
    // Each row's E-step depends on its row alone (a pattern's factors are the same in every chunk).
    expect(chunked.resp).toStrictEqual(e.resp);
    expect(chunked.logLik).toStrictEqual(e.logLik);
    const direct = expectedStatistics(batch, e, factors.means, reference, covarianceType);
    for (const name of ['s0', 's1', 's2'] as const) {
      const scale = Math.max(...direct[name].map(Math.abs));
      direct[name].forEach((v, i) => expect(Math.abs(chunked.stats[name][i] - v)).toBeLessThanOrEqual(1e-13 * scale));
    }
  });

  it('one chunk gives exactly the single sum of expectedStatistics', () => {
    const { batch, factors, reference } = batchOf('full', 150);
    expect(chunkLayout(150, chunkPoints(K, D, 'full')).count).toBe(1);
    const chunked = new SerialExecutor().run(factors, batch, reference);
    const direct = expectedStatistics(batch, eStep(factors, batch), factors.means, reference, 'full');
    for (const name of ['s0', 's1', 's2'] as const) expect(chunked.stats[name]).toStrictEqual(direct[name]);
  });

  it.each(COVARIANCE_TYPES)('%s: the E-step of the first rows given (known) leaves every bit as computing it', (covarianceType) => {
    const c = knownRowsCase(covarianceType, 31);
    // Known rows ending before, at, inside and after chunk boundaries, and all of them.
    for (const rows of [1, c.size - 1, c.size, c.size + 1, 2 * c.size + 3, c.n]) {
      expect(copyOf(new SerialExecutor().run(c.factors, c.batch, c.reference, c.known(rows))), `${rows} known rows`).toStrictEqual(c.computed);
    }
  });

  it('a pool of 3 threads takes known rows to the same bits as computing them', () => {
    ensureDistBuilt();
    const pool = new WorkerPool(3);
    try {
      for (const covarianceType of ['full', 'diag'] as const) {
        const c = knownRowsCase(covarianceType, 35);
        for (const rows of [1, c.size + 1, 2 * c.size + 3, c.n]) {
          expect(copyOf(pool.run(c.factors, c.batch, c.reference, c.known(rows))), `${covarianceType}, ${rows} known rows`).toStrictEqual(c.computed);
          // And the next job without known rows computes them all again.
          expect(copyOf(pool.run(c.factors, c.batch, c.reference)), `${covarianceType}, after ${rows} known rows`).toStrictEqual(c.computed);
        }
      }
    } finally {
      pool.close();
    }
  });

  it('with missing coordinates, known rows are not taken (the chunks factor their patterns in the E-step)', () => {
    const { batch, factors, reference } = batchOf('full', 200);
    const poison = { rows: 200, resp: new Float64Array(200 * K).fill(Number.NaN), logLik: new Float64Array(200).fill(Number.NaN) };
    const chunked = new SerialExecutor().run(factors, batch, reference, poison);
    expect(chunked.logLik.every(Number.isFinite)).toBe(true);
  });

  it('cuts n points into ceil(n / target) near-equal chunks, whatever the threads', () => {
    expect(chunkLayout(200, 64)).toEqual({ count: 4, size: 50 });
    expect(chunkLayout(201, 64)).toEqual({ count: 4, size: 51 });
    expect(chunkLayout(200, 128)).toEqual({ count: 2, size: 100 });
    expect(chunkLayout(10, 4096)).toEqual({ count: 1, size: 10 });
    expect(chunkPoints(8, 32, 'full')).toBe(64);
  });
});

describe('WorkerPool failures', () => {
  it('refuses to start without its worker file, saying what to do', () => {
    expect(() => new WorkerPool(2, new URL('./no-such-worker.js', import.meta.url))).toThrow(/worker thread of --threads 2 is missing .*npm run build, or use --threads 1/);
  });

  it('raises a worker that failed as one line at the next minibatch, instead of hanging', async () => {
    const pool = new WorkerPool(2, new URL('./failing-worker.mjs', import.meta.url));
    const { batch, factors, reference } = batchOf('full', 1000);
    let error: unknown = null;
    try {
      // Until the worker's failure is heard (on the event loop), this thread computes every chunk itself.
      for (let turn = 0; turn < 500 && !error; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        try {
          pool.run(factors, batch, reference);
        } catch (e) {
          error = e;
        }
      }
    } finally {
      pool.close();
    }
    expect(error).toBeInstanceOf(WorkerPoolError);
    const message = (error as Error).message;
    expect(message).toMatch(/^a worker thread of --threads 2 \(the parallel E-step and M-step\) failed: boom at start; rerun with --threads 1$/);
    expect(message).not.toContain('\n');
  });
});
