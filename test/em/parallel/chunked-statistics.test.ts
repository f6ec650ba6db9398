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
import { mixtureOfType, punchMissing, sampleBatch } from '../../helpers/fixtures.js';

const D = 5;
const K = 3;

function batchOf(covarianceType: (typeof COVARIANCE_TYPES)[number], n: number) {
  const params = mixtureOfType(K, D, covarianceType, 31);
  const batch = pointBatch(punchMissing(sampleBatch(params, n, 32).data, n, D, 0.25, 33), D);
  return { params, batch, factors: componentFactors(params), reference: observedColumnMeans(batch) };
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
