import { describe, expect, it } from 'vitest';
import { OnlineEm, type MinibatchUpdate } from '../../src/em/online-em.js';
import type { MixtureParams } from '../../src/em/types.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { expectArrayClose } from '../helpers/assertions.js';
import { punchMissing, toRows } from '../helpers/fixtures.js';
import { naiveEStep } from '../helpers/naive-gmm.js';

/**
 * The per-update seam for scoring: each stepwise update reports, for its points, the
 * log-likelihood and responsibilities under the parameters before it (test-then-train),
 * with the index of its first point among all accepted points.
 */
const d = 3;
const K = 3;
const BATCH = 100;
const WARMUP = 600;

function copy(u: MinibatchUpdate): MinibatchUpdate {
  return { ...u, logLik: u.logLik.slice(), resp: u.resp.slice() };
}

describe('OnlineEm update results', () => {
  it.each([
    ['complete points', 0],
    ['20% missing coordinates', 0.2],
  ])('%s: match a direct E-step under the parameters before each update (rtol 1e-10)', (_name, missing) => {
    const n = WARMUP + 8 * BATCH;
    let data = sampleMixture(randomMixture({ k: K, dim: d, seed: 11 }), n, 12).data;
    if (missing > 0) data = punchMissing(data, n, d, missing, 13);
    const engine = new OnlineEm({ components: K, batchSize: BATCH, warmup: WARMUP, restarts: 2, averaging: false });
    engine.ingestFloat64(data.slice(0, WARMUP * d), d);
    for (let b = 0; b < 8; b++) {
      const before: MixtureParams = engine.model!;
      const rows = data.slice((WARMUP + b * BATCH) * d, (WARMUP + (b + 1) * BATCH) * d);
      const updates: MinibatchUpdate[] = [];
      engine.ingestFloat64(rows.slice(), d, (u) => updates.push(copy(u)));
      expect(updates).toHaveLength(1);
      const [u] = updates;
      expect(u.firstPoint).toBe(WARMUP + b * BATCH);
      expect([u.n, u.k, u.skipped]).toEqual([BATCH, K, false]);
      const direct = naiveEStep(before, rows, BATCH);
      expectArrayClose(u.logLik, direct.logLik, { rtol: 1e-10 }, `log-likelihood of batch ${b}`);
      expectArrayClose(u.resp, direct.resp.flat(), { atol: 1e-10 }, `responsibilities of batch ${b}`);
    }
  });

  it('numbers the points of every update contiguously, across uneven inputs, a restore and the flush', () => {
    const n = 2_345;
    const data = sampleMixture(randomMixture({ k: 2, dim: 2, seed: 21 }), n, 22).data;
    const rows = toRows(data, 2);
    const seen: [number, number][] = [];
    const listener = (u: MinibatchUpdate): void => void seen.push([u.firstPoint, u.n]);
    const options = { components: 2, batchSize: 64, warmup: 300, restarts: 1 };
    let engine = new OnlineEm(options);
    // Uneven items, one with refused rows: refused rows are not accepted points and take no index.
    let i = 0;
    for (const size of [7, 250, 90, 333, 1]) {
      engine.ingestRows([...rows.slice(i, i + size), ['bad']], listener);
      i += size;
    }
    engine = OnlineEm.restore(options, engine.exportState());
    for (; i < n; i += 111) engine.ingestRows(rows.slice(i, i + 111), listener);
    engine.flush(listener);
    expect(seen[0][0]).toBe(300);
    for (let j = 1; j < seen.length; j++) expect(seen[j][0]).toBe(seen[j - 1][0] + seen[j - 1][1]);
    const last = seen.at(-1)!;
    expect(last[0] + last[1]).toBe(n);
    expect(engine.counters.pointsSeen).toBe(n);
  });

  it('a listener that throws is the caller\'s error, not a skipped update', () => {
    const data = sampleMixture(randomMixture({ k: 2, dim: 2, seed: 31 }), 600, 32).data;
    const engine = new OnlineEm({ components: 2, batchSize: 100, warmup: 300, restarts: 1 });
    engine.ingestFloat64(data.slice(0, 600), 2);
    expect(() =>
      engine.ingestFloat64(data.slice(600), 2, () => {
        throw new Error('listener failed');
      }),
    ).toThrow(/listener failed/);
    expect(engine.counters.skippedBatches).toBe(0);
  });
});

describe('OnlineEm.scorePendingTail', () => {
  const n = WARMUP + 3 * BATCH + 70;
  const data = punchMissing(sampleMixture(randomMixture({ k: K, dim: d, seed: 41 }), n, 42).data, n, d, 0.15, 43);

  it('scores the last points waiting for their minibatch under the working parameters, as that update will (bits)', () => {
    const engine = new OnlineEm({ components: K, batchSize: BATCH, warmup: WARMUP, restarts: 2, averaging: false });
    engine.ingestFloat64(data.slice(0, (n - 30) * d), d);
    engine.ingestFloat64(data.slice((n - 30) * d), d);
    expect(engine.pointsPending).toBe(70);
    const params = engine.model!;
    const tail = engine.scorePendingTail(30)!;
    const direct = naiveEStep(params, data.slice((n - 30) * d), 30);
    expect(tail.n).toBe(30);
    expectArrayClose(tail.logLik, direct.logLik, { rtol: 1e-10 }, 'log-likelihood of the tail');
    expectArrayClose(tail.resp, direct.resp.flat(), { atol: 1e-10 }, 'responsibilities of the tail');
    const all = engine.scorePendingTail(70)!;
    expect(Array.from(all.logLik.subarray(40))).toEqual(Array.from(tail.logLik));
    // The update of their minibatch scores them the same, bit for bit.
    const seen: MinibatchUpdate[] = [];
    engine.ingestFloat64(sampleMixture(randomMixture({ k: K, dim: d, seed: 41 }), 30, 44).data, d, (u) => seen.push(copy(u)));
    expect(seen).toHaveLength(1);
    expect(Array.from(seen[0].logLik.subarray(0, 70))).toEqual(Array.from(all.logLik));
    expect(Array.from(seen[0].resp.subarray(0, 70 * K))).toEqual(Array.from(all.resp));
  });

  it('is null while warming up and for no points; refuses more points than are waiting', () => {
    const engine = new OnlineEm({ components: K, batchSize: BATCH, warmup: WARMUP, restarts: 1 });
    engine.ingestFloat64(data.slice(0, 100 * d), d);
    expect(engine.scorePendingTail(50)).toBeNull();
    engine.ingestFloat64(data.slice(100 * d, (WARMUP + 20) * d), d);
    expect(engine.scorePendingTail(0)).toBeNull();
    expect(engine.scorePendingTail(20)?.n).toBe(20);
    expect(() => engine.scorePendingTail(21)).toThrow(RangeError);
  });
});
