import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnlineEm } from '../../../src/em/online-em.js';
import { chunkPoints } from '../../../src/em/parallel/chunk-size.js';
import { closeStatisticsExecutors } from '../../../src/em/parallel/executors.js';
import { COVARIANCE_TYPES, type CovarianceType } from '../../../src/em/types.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../../helpers/fixtures.js';

/**
 * The engine at --threads 1, 2 and 3 on the same stream: identical snapshots (the numbers,
 * deep equality, no tolerance) and identical per-point scores. The shapes are small (d = 6,
 * K = 4) and the minibatch is 3 chunks and a bit, so every minibatch, and the warm-up's EM,
 * is split over the threads.
 */

const D = 6;
const K = 4;

beforeAll(() => ensureDistBuilt());
afterAll(() => closeStatisticsExecutors());

function run(covarianceType: CovarianceType, data: Float64Array, threads: number) {
  const chunk = chunkPoints(K, D, covarianceType);
  const engine = new OnlineEm({ components: K, covarianceType, threads, batchSize: 3 * chunk + 5, warmup: 2 * chunk + 3, restarts: 2, seed: 3 });
  // The per-point scores of every update, as bytes (copies: the arrays are valid only during the callback).
  const scores: Buffer[] = [];
  const listener = (u: { logLik: Float64Array; resp: Float64Array }) => {
    for (const a of [u.logLik, u.resp]) scores.push(Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
  };
  for (let start = 0; start < data.length; start += 1000 * D) engine.ingestFloat64(data.slice(start, start + 1000 * D), D, listener);
  engine.flush(listener);
  const { createdAt: _createdAt, ...snapshot } = engine.snapshot()!;
  return { snapshot, scores: Buffer.concat(scores), counters: { ...engine.counters } };
}

describe('the parallel E-step', () => {
  describe.each(COVARIANCE_TYPES)('%s', (covarianceType) => {
    it.each([0, 0.25])('gives the same bits at 1, 2 and 3 threads (missing fraction %s)', (fraction) => {
      const chunk = chunkPoints(K, D, covarianceType);
      const n = 2 * chunk + 3 + Math.round(3.5 * (3 * chunk + 5));
      const batch = sampleBatch(mixtureOfType(K, D, covarianceType, 11), n, 12);
      const data = fraction > 0 ? punchMissing(batch.data, n, D, fraction, 13) : batch.data;
      const [one, ...others] = [1, 2, 3].map((threads) => run(covarianceType, data, threads));
      expect(one.counters.batches).toBe(4);
      expect(one.counters.skippedBatches).toBe(0);
      for (const other of others) {
        expect(other.snapshot).toStrictEqual(one.snapshot);
        expect(other.scores.equals(one.scores)).toBe(true);
      }
    });
  });
});
