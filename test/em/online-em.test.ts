import { describe, expect, it } from 'vitest';
import { IncompatibleStateError } from '../../src/em/errors.js';
import { mStep } from '../../src/em/m-step.js';
import { OnlineEm, type EngineState } from '../../src/em/online-em.js';
import type { OnlineEmOptions } from '../../src/em/options.js';
import { RefusedPoint } from '../../src/em/point-validation.js';
import { SeededRandom } from '../../src/em/random.js';
import type { MixtureSnapshot } from '../../src/em/snapshot.js';
import { COVARIANCE_TYPES, type CovarianceType } from '../../src/em/types.js';
import { expectAllFinite, expectBitIdentical, expectClose, expectSpdCovariances } from '../helpers/assertions.js';
import { collinearPoints, gaussianCloud, mixtureOfType, punchMissing, sampleBatch, toRows } from '../helpers/fixtures.js';
import { twoPassMoments } from '../helpers/naive-gmm.js';

const NOW = new Date(0);

/** Seeded stream of rows: mixture points, some with missing coordinates, some garbage. */
function streamRows(covarianceType: CovarianceType, n: number, seed: number, withMissing: boolean): unknown[] {
  const d = 2;
  const params = mixtureOfType(3, d, covarianceType, seed, 4);
  let data = sampleBatch(params, n, seed + 1).data;
  if (withMissing) data = punchMissing(data, n, d, 0.1, seed + 2);
  const rows: unknown[] = toRows(data, d).map((r) => r.map((v) => (Number.isNaN(v) ? null : v)));
  const rng = new SeededRandom(seed + 3);
  const garbage: unknown[] = ['x', [1], [Infinity, 0], [null, null], { a: 1 }, [1, '2'], [1e300, 1]];
  for (let i = 0; i < 12; i++) rows.splice(1 + rng.int(rows.length - 1), 0, garbage[i % garbage.length]);
  return rows;
}

/** Chunks of varied sizes (seeded), so minibatch boundaries never line up with pushes. */
function chunk(rows: unknown[], seed: number): unknown[][] {
  const rng = new SeededRandom(seed);
  const out: unknown[][] = [];
  for (let i = 0; i < rows.length; ) {
    const m = 1 + rng.int(45);
    out.push(rows.slice(i, i + m));
    i += m;
  }
  return out;
}

interface Trace {
  readonly snapshots: (MixtureSnapshot | null)[];
  readonly states: EngineState[];
}

/** Feed chunks [from, to), recording the snapshot and exported state after each. */
function feed(engine: OnlineEm, chunks: unknown[][], from: number, to: number): Trace {
  const snapshots: (MixtureSnapshot | null)[] = [];
  const states: EngineState[] = [];
  for (let i = from; i < to; i++) {
    engine.ingestRows(chunks[i]);
    snapshots.push(engine.snapshot(NOW));
    states.push(engine.exportState());
  }
  return { snapshots, states };
}

const CONFIGS: { name: string; covarianceType: CovarianceType; options: Partial<OnlineEmOptions>; withMissing: boolean }[] = [
  { name: 'full, decaying with averaging', covarianceType: 'full', options: {}, withMissing: false },
  { name: 'diag, forgetting, missing data', covarianceType: 'diag', options: { halfLife: 300 }, withMissing: true },
  { name: 'spherical, running average, missing data', covarianceType: 'spherical', options: { alpha: 1, t0: 0, averaging: false }, withMissing: true },
  { name: 'tied, decaying with averaging, missing data', covarianceType: 'tied', options: {}, withMissing: true },
];

function baseOptions(covarianceType: CovarianceType, extra: Partial<OnlineEmOptions> = {}): OnlineEmOptions {
  return { components: 3, covarianceType, batchSize: 40, warmup: 150, restarts: 2, initMaxIter: 30, seed: 11, ...extra };
}

describe('OnlineEm checkpoints: exportState / restore reproduce the run bit for bit', () => {
  for (const config of CONFIGS) {
    it(config.name, () => {
      const options = baseOptions(config.covarianceType, config.options);
      const chunks = chunk(streamRows(config.covarianceType, 700, 1800, config.withMissing), 1801);
      const uninterrupted = new OnlineEm(options);
      const full = feed(uninterrupted, chunks, 0, chunks.length);
      uninterrupted.flush();
      const finalSnapshot = uninterrupted.snapshot(NOW);
      const finalState = uninterrupted.exportState();
      expect(finalSnapshot).not.toBeNull();
      expect(finalSnapshot!.batches).toBeGreaterThan(8);

      // Cut points: during warm-up, mid-stream with pending points, and every few chunks.
      let sawWarmup = false;
      let sawPending = false;
      for (let cut = 1; cut < chunks.length; cut += 3) {
        const first = new OnlineEm(options);
        feed(first, chunks, 0, cut);
        const state = first.exportState();
        if (state.warmupPoints.length > 0) sawWarmup = true;
        if (state.stats && state.pendingPoints.length > 0) sawPending = true;
        const resumed = OnlineEm.restore(options, structuredClone(state));
        expectBitIdentical(resumed.snapshot(NOW), full.snapshots[cut - 1], `snapshot right after restore at ${cut}`);
        expectBitIdentical(resumed.exportState(), state, `state right after restore at ${cut}`);
        const rest = feed(resumed, chunks, cut, chunks.length);
        rest.snapshots.forEach((s, i) => expectBitIdentical(s, full.snapshots[cut + i], `snapshot after chunk ${cut + i} (cut ${cut})`));
        resumed.flush();
        expectBitIdentical(resumed.snapshot(NOW), finalSnapshot, `final snapshot (cut ${cut})`);
        expectBitIdentical(resumed.exportState(), finalState, `final state (cut ${cut})`);
      }
      expect(sawWarmup).toBe(true);
      expect(sawPending).toBe(true);
    });
  }

  it('restoring the same checkpoint object twice gives two identical runs (the checkpoint is not aliased)', () => {
    const options = baseOptions('full');
    const chunks = chunk(streamRows('full', 600, 1900, false), 1901);
    const first = new OnlineEm(options);
    feed(first, chunks, 0, 10);
    const state = first.exportState();
    expect(state.averaged).not.toBeNull();
    const copy = structuredClone(state);
    const a = OnlineEm.restore(options, state);
    const traceA = feed(a, chunks, 10, chunks.length);
    // The first restored engine must not have modified the checkpoint it was restored from.
    expectBitIdentical(state, copy, 'checkpoint after use');
    const b = OnlineEm.restore(options, state);
    const traceB = feed(b, chunks, 10, chunks.length);
    expectBitIdentical(traceB.snapshots, traceA.snapshots, 'second restore');
  });

  it('restore refuses a checkpoint of another model shape', () => {
    const engine = new OnlineEm(baseOptions('full'));
    engine.ingestRows(toRows(gaussianCloud(200, 2, 1), 2));
    const state = engine.exportState();
    expect(() => OnlineEm.restore(baseOptions('diag'), state)).toThrow(IncompatibleStateError);
    expect(() => OnlineEm.restore({ ...baseOptions('full'), components: 2 }, state)).toThrow(/3-component full/);
  });

  it('restores a checkpoint taken before any point arrived', () => {
    const options = baseOptions('diag');
    const rows = toRows(gaussianCloud(300, 2, 2), 2);
    const a = new OnlineEm(options);
    const b = OnlineEm.restore(options, new OnlineEm(options).exportState());
    a.ingestRows(rows);
    b.ingestRows(rows);
    expectBitIdentical(b.snapshot(NOW), a.snapshot(NOW));
  });
});

describe('OnlineEm published model', () => {
  const data = sampleBatch(mixtureOfType(2, 2, 'full', 2200, 5), 150 + 40 * 12, 2201).data;

  it('without averaging, the model is θ̄(s) of the current statistics', () => {
    const engine = new OnlineEm(baseOptions('full', { components: 2, averaging: false }));
    engine.ingestFloat64(data.slice(), 2);
    const state = engine.exportState();
    expect(state.averaged).toBeNull();
    const expected = mStep({ k: 2, dim: 2, covarianceType: 'full', ...state.stats! }, 1e-6).params;
    expectBitIdentical(engine.model, expected);
  });

  it('with averaging, the model is θ̄(s̄): the warm-up fit counts as u₀ = ⌊W/B⌋ updates, then s̄_u = (u₀(u₀+1) s_W + Σ_i 2i s_i)/(u(u+1))', () => {
    const engine = new OnlineEm(baseOptions('full', { components: 2 }));
    engine.ingestFloat64(data.slice(0, 150 * 2), 2); // exactly the warm-up: initialised, no update yet
    const warmup = engine.exportState();
    const u0 = Math.floor(150 / 40);
    expect(warmup.averagedUpdates).toBe(u0);
    expect(warmup.averaged!.s0).toEqual(warmup.stats!.s0);
    const reseedsAtStart = engine.counters.reseeds;
    const history: NonNullable<EngineState['stats']>[] = [];
    for (let t = 0; t < 12; t++) {
      engine.ingestFloat64(data.slice((150 + 40 * t) * 2, (150 + 40 * (t + 1)) * 2), 2);
      history.push(engine.exportState().stats!);
    }
    expect(engine.counters.reseeds).toBe(reseedsAtStart); // a re-seed would restart the average
    const state = engine.exportState();
    const u = u0 + history.length;
    expect(state.averagedUpdates).toBe(u);
    for (const key of ['s0', 's1', 's2'] as const) {
      const expected = history[0][key].map((_, j) => (u0 * (u0 + 1) * warmup.stats![key][j] + history.reduce((s, h, i) => s + 2 * (u0 + i + 1) * h[key][j], 0)) / (u * (u + 1)));
      for (let j = 0; j < expected.length; j++) expectClose(state.averaged![key][j], expected[j], { rtol: 1e-12, atol: 1e-15 }, `s̄.${key}[${j}]`);
    }
    const expectedModel = mStep({ k: 2, dim: 2, covarianceType: 'full', reference: state.stats!.reference, ...state.averaged! }, 1e-6).params;
    expectBitIdentical(engine.model, expectedModel);
    // ... and differs from the current iterate's model.
    const current = mStep({ k: 2, dim: 2, covarianceType: 'full', ...state.stats! }, 1e-6).params;
    expect(Array.from(engine.model!.means)).not.toEqual(Array.from(current.means));
  });
});

describe('OnlineEm ingestion', () => {
  it('counts rejected points, returns their reasons, and keeps valid ones', () => {
    const engine = new OnlineEm(baseOptions('full'));
    const rejected = engine.ingestRows([[1, 2], 'oops', [3, null], [1, 2, 3], [Infinity, 1], [null, null], [[1], [2]], [5, 6]]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'not-an-array'],
      [3, 'wrong-dimension'],
      [4, 'non-finite'],
      [5, 'all-missing'],
      [6, 'not-a-number'],
    ]);
    expect(rejected.every((r) => r.message.length > 0)).toBe(true);
    expect(engine.counters.rejected).toBe(5);
    expect(engine.counters.pointsSeen).toBe(3);
    expect(engine.pointsPending).toBe(3);
    engine.ingestRows(toRows(gaussianCloud(300, 2, 3), 2));
    const s = engine.snapshot(NOW)!;
    expect(s.rejected).toBe(5);
    expect(s.pointsSeen).toBe(303);
    // 150 warm-up, then 153 points: 3 minibatches of 40 and 33 pending.
    expect(s.batches).toBe(3);
    expect(s.pointsPending).toBe(33);
  });

  it('rejects points of the wrong dimension with a reason, from rows and from float64 batches', () => {
    const engine = new OnlineEm(baseOptions('full'));
    expect(engine.ingestRows([[1, 2]])).toEqual([]);
    expect(engine.dimension).toBe(2);
    const [r] = engine.ingestRows([[1, 2, 3]]);
    expect(r).toEqual({ index: 0, code: 'wrong-dimension', message: 'expected 2 coordinates, got 3' });
    const binary = engine.ingestFloat64(new Float64Array(6), 3);
    expect(binary).toEqual([
      { index: 0, code: 'wrong-dimension', message: 'expected 2 coordinates, got 3' },
      { index: 1, code: 'wrong-dimension', message: 'expected 2 coordinates, got 3' },
    ]);
    expect(engine.dimension).toBe(2);
    expect(() => engine.setDimension(3)).toThrow(IncompatibleStateError);
    expect(() => engine.setDimension(3)).toThrow(/dimension is 2, not 3/);
    expect(engine.counters.rejected).toBe(3);
    expect(engine.counters.pointsSeen).toBe(1);
  });

  it('a float64 batch fixes the dimension when none is known yet', () => {
    const engine = new OnlineEm(baseOptions('full'));
    expect(engine.ingestFloat64(Float64Array.from([1, 2, 3, NaN, 5, 6]), 3)).toEqual([]);
    expect(engine.dimension).toBe(3);
    expect(engine.pointsPending).toBe(2);
  });

  it('counts RefusedPoint stand-ins (undecodable input) as rejected with their message', () => {
    const engine = new OnlineEm(baseOptions('full'));
    const rejected = engine.ingestRows([new RefusedPoint('line 3: invalid JSON'), [1, 2], new RefusedPoint('truncated')]);
    expect(rejected).toEqual([
      { index: 0, code: 'undecodable', message: 'line 3: invalid JSON' },
      { index: 2, code: 'undecodable', message: 'truncated' },
    ]);
    expect(engine.counters.rejected).toBe(2);
    expect(engine.dimension).toBe(2);
    // Before any dimension is known, too.
    const fresh = new OnlineEm(baseOptions('full'));
    expect(fresh.ingestRows([new RefusedPoint('bad')])).toEqual([{ index: 0, code: 'undecodable', message: 'bad' }]);
  });

  it('ingestRows never throws on garbage, before or after the dimension is known', () => {
    const rng = new SeededRandom(5);
    const atoms: unknown[] = [
      null, undefined, 0, -0, 1e308, -1e308, NaN, Infinity, -Infinity, '1', '', 'NaN', true, false, {}, [], [[]],
      Symbol('s'), 10n, () => 1, new Date(0), Float64Array.from([1, 2]), Float32Array.from([NaN, 1]), new Map(),
    ];
    const make = (depth: number): unknown => {
      const kind = rng.int(4);
      if (depth > 2 || kind === 0) return atoms[rng.int(atoms.length)];
      if (kind === 1) return Array.from({ length: rng.int(4) }, () => make(depth + 1));
      if (kind === 2) return [rng.normal(), rng.uniform() < 0.3 ? null : rng.normal()];
      return Array.from({ length: rng.int(3) + 1 }, () => atoms[rng.int(atoms.length)]);
    };
    const engine = new OnlineEm({ ...baseOptions('spherical'), warmup: 20, batchSize: 5 });
    let total = 0;
    for (let round = 0; round < 200; round++) {
      const rows = Array.from({ length: rng.int(20) }, () => make(0));
      total += rows.length;
      expect(() => engine.ingestRows(rows)).not.toThrow();
    }
    expect(() => engine.ingestRows([])).not.toThrow();
    expect(engine.counters.rejected + engine.counters.pointsSeen).toBe(total);
    expect(engine.counters.pointsSeen).toBeGreaterThan(20);
    const s = engine.snapshot(NOW);
    expect(s).not.toBeNull();
    expectAllFinite(s);
  });

  it('typed-array rows are points whether or not the dimension is known yet', () => {
    const engine = new OnlineEm(baseOptions('full'));
    const rejected = engine.ingestRows([Float32Array.from([NaN, NaN]), Float64Array.from([1, 2]), Float32Array.from([NaN, 4])]);
    expect(rejected).toEqual([{ index: 0, code: 'all-missing', message: 'every coordinate is missing' }]);
    expect(engine.dimension).toBe(2);
    expect(engine.counters.pointsSeen).toBe(2);
    const none = new OnlineEm(baseOptions('full'));
    expect(none.ingestRows([Float64Array.from([NaN, NaN, NaN])])).toEqual([{ index: 0, code: 'all-missing', message: 'every coordinate is missing' }]);
  });

  it('a stream of only garbage fixes no dimension and rejects everything', () => {
    const engine = new OnlineEm(baseOptions('full'));
    const rejected = engine.ingestRows(['a', null, [], [null], [NaN, null], { x: 1 }]);
    expect(rejected.map((r) => r.code)).toEqual(['not-an-array', 'not-an-array', 'empty', 'all-missing', 'all-missing', 'not-an-array']);
    expect(engine.dimension).toBeNull();
    expect(engine.counters.rejected).toBe(6);
    expect(engine.snapshot(NOW)).toBeNull();
  });

  it('ingestFloat64 and ingestRows give the same fit', () => {
    const data = sampleBatch(mixtureOfType(3, 2, 'full', 2000, 4), 400, 2001).data;
    const a = new OnlineEm(baseOptions('full'));
    const b = new OnlineEm(baseOptions('full'));
    a.ingestRows(toRows(data, 2));
    for (let i = 0; i < 400; i += 64) b.ingestFloat64(data.slice(i * 2, Math.min(400, i + 64) * 2), 2);
    expectBitIdentical(b.snapshot(NOW), a.snapshot(NOW));
  });

  it('flush initialises from a short warm-up and then updates on the last partial minibatch', () => {
    const data = sampleBatch(mixtureOfType(2, 2, 'full', 2100, 5), 60, 2101).data;
    const engine = new OnlineEm({ components: 2, restarts: 2, seed: 3 }); // default warm-up: 1000 points
    engine.ingestRows(toRows(data, 2));
    expect(engine.model).toBeNull();
    expect(engine.snapshot(NOW)).toBeNull();
    expect(engine.pointsPending).toBe(60);
    engine.flush();
    const s = engine.snapshot(NOW)!;
    expect(s).not.toBeNull();
    expect([s.pointsSeen, s.pointsPending, s.batches]).toEqual([60, 0, 0]);
    expectAllFinite(s);
    expectSpdCovariances(s.covariances.flat(2), 2, 2);
    // After initialisation, a partial minibatch waits until flush.
    engine.ingestRows(toRows(data.subarray(0, 2 * 17), 2));
    expect(engine.snapshot(NOW)!.pointsPending).toBe(17);
    engine.flush();
    const t = engine.snapshot(NOW)!;
    expect([t.pointsSeen, t.pointsPending, t.batches]).toEqual([77, 0, 1]);
    expect(t.stepSize).not.toBeNull();
  });

  it('flush with fewer points than components leaves no model (a fixed K needs K points)', () => {
    for (const n of [1, 2]) {
      const engine = new OnlineEm({ components: 3 });
      engine.ingestRows([[1, 2], [3, 5]].slice(0, n));
      engine.flush();
      expect(engine.model).toBeNull();
      expect(engine.pointsPending).toBe(n);
    }
    const three = new OnlineEm({ components: 3 });
    three.ingestRows([[1, 2], [3, 5], [-4, 0]]);
    three.flush();
    expect(three.snapshot(NOW)!.pointsSeen).toBe(3);
  });

  it('with auto K, flush fits two points (K is chosen among those they allow), and not one', () => {
    const one = new OnlineEm({ components: 'auto:4' });
    one.ingestRows([[1, 2]]);
    one.flush();
    expect(one.model).toBeNull();
    const two = new OnlineEm({ components: 'auto:4' });
    two.ingestRows([[1, 2], [3, 5]]);
    two.flush();
    expect(two.model).not.toBeNull();
    expect(two.model!.k).toBeLessThanOrEqual(2);
  });
});

describe('OnlineEm numerical robustness', () => {
  const d = 3;
  const n = 400;
  const streams: Record<string, () => Float64Array> = {
    'all points equal': () => Float64Array.from({ length: n * d }, (_, i) => [3, -2, 7][i % d]),
    'collinear points': () => collinearPoints(n, 1),
    'offset 1e9': () => gaussianCloud(n, d, 2, 1, 1e9),
    'scale 1e-9': () => gaussianCloud(n, d, 3, 1e-9),
    'scale 1e9': () => gaussianCloud(n, d, 4, 1e9),
    'offset 1e9, scale 1e-9': () => gaussianCloud(n, d, 5, 1e-9, 1e9),
    'collinear at scale 1e9': () => {
      const rng = new SeededRandom(6);
      const out = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const t = 1e9 * rng.normal();
        out.set([t, 2 * t, -t], i * d);
      }
      return out;
    },
  };
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const [name, make] of Object.entries(streams)) {
      it(`${covarianceType}, ${name}: every snapshot is finite with SPD covariances`, () => {
        const engine = new OnlineEm({ components: 2, covarianceType, batchSize: 50, warmup: 100, restarts: 2, initMaxIter: 20, seed: 1 });
        const data = make();
        for (let i = 0; i < n; i += 70) {
          engine.ingestFloat64(data.slice(i * d, Math.min(n, i + 70) * d), d);
          const s = engine.snapshot(NOW);
          if (i + 70 < 100) continue;
          expect(s).not.toBeNull();
          expectAllFinite(s);
          expectSpdCovariances(s!.covariances.flat(2), 2, d, `${name} covariance`);
        }
        engine.flush();
        const s = engine.snapshot(NOW)!;
        expectAllFinite(s);
        expectAllFinite(engine.exportState());
        expectSpdCovariances(s.covariances.flat(2), 2, d);
        expect(s.health.skippedBatches, engine.lastFailure ?? '').toBe(0);
        expect(s.batches).toBe(6);
      });
    }
  }

  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: offset 1e9 with unit scale recovers the data's variance to ~1e-6 relative (running average, K = 1)`, () => {
      const m = 630; // 100 warm-up + 10 minibatches of 50 + a partial one of 30 (flushed)
      const rng = new SeededRandom(7);
      const data = new Float64Array(m * d);
      for (let i = 0; i < m; i++) {
        const z = [rng.normal(), rng.normal(), rng.normal()];
        data.set([1e9 + z[0], -2e9 + 3 * z[1] - z[0], 7e8 + 0.5 * z[2]], i * d);
      }
      const regCovar = 1e-6;
      const engine = new OnlineEm({ components: 1, covarianceType, batchSize: 50, warmup: 100, alpha: 1, t0: 0, averaging: false, regCovar, restarts: 1 });
      engine.ingestFloat64(data.slice(), d);
      engine.flush();
      const s = engine.snapshot(NOW)!;
      expect(s.batches).toBe(11);
      const { mean, cov } = twoPassMoments(data, m, d);
      for (let j = 0; j < d; j++) expectClose(s.means[0][j], mean[j], { atol: 1e-6 * Math.sqrt(cov[j][j]) }, `μ[${j}]`);
      const trace = cov[0][0] + cov[1][1] + cov[2][2];
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          let expected = covarianceType === 'full' || covarianceType === 'tied' || a === b ? cov[a][b] : 0;
          if (covarianceType === 'spherical' && a === b) expected = trace / d;
          if (a === b) expected += regCovar;
          expectClose(s.covariances[0][a][b], expected, { atol: 1e-6 * Math.sqrt(cov[a][a] * cov[b][b]) }, `Σ[${a}][${b}]`);
        }
      }
    });
  }
});
