import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { RefusedPoint } from '../../src/em/point-validation.js';
import { SeededRandom } from '../../src/em/random.js';
import { paramsToJson } from '../../src/em/snapshot.js';
import { COVARIANCE_TYPES, type MixtureParams } from '../../src/em/types.js';
import { scorePoints, pointScorer, type PointScores } from '../../src/score/score-points.js';
import { InvalidMixtureError } from '../../src/score/scoring-model.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { expectArrayClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch, toRows } from '../helpers/fixtures.js';
import { directScores } from './direct-scores.js';

/** Absolute tolerance on log-likelihoods and responsibilities, against the direct computation. */
const TOL = { atol: 1e-9 };

function expectMatchesDirect(scores: PointScores, params: MixtureParams, rows: number[][], label: string): void {
  const direct = directScores(params, rows);
  expect(scores.n).toBe(rows.length);
  expect(scores.k).toBe(params.k);
  expect(scores.rejected).toEqual([]);
  expectArrayClose(scores.logLikelihood, direct.logLikelihood, TOL, `${label}: log p(x)`);
  expectArrayClose(scores.responsibilities, direct.responsibilities.flat(), TOL, `${label}: responsibilities`);
  expect(Array.from(scores.component), `${label}: components`).toEqual(direct.component);
}

/** The JSON a snapshot carries for `params` (full d×d covariances, as fit writes). */
function snapshotJson(params: MixtureParams): unknown {
  return JSON.parse(JSON.stringify({ k: params.k, dim: params.dim, covarianceType: params.covarianceType, ...paramsToJson(params) }));
}

describe('scorePoints against the density computed from the explicit inverse and determinant', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    const params = mixtureOfType(3, 4, covarianceType, 2100, 1.5);
    const data = sampleBatch(params, 300, 2101).data;

    it(`${covarianceType}: complete data`, () => {
      const rows = toRows(data, 4);
      expectMatchesDirect(scorePoints(params, rows), params, rows, covarianceType);
      // Overlapping components: the responsibilities are not all 0/1, so the check has teeth.
      const scores = scorePoints(params, rows);
      expect(scores.responsibilities.some((g) => g > 0.05 && g < 0.95)).toBe(true);
    });

    it(`${covarianceType}: 25% of the coordinates missing (marginal over the observed ones)`, () => {
      // Each row keeps one coordinate, the other 3 go with probability 1/3: 25% of all coordinates.
      const punched = punchMissing(data, 300, 4, 1 / 3, 2102);
      const missing = punched.filter((v) => Number.isNaN(v)).length / punched.length;
      expect(missing).toBeGreaterThan(0.22);
      expect(missing).toBeLessThan(0.28);
      const rows = toRows(punched, 4);
      // Float64Array rows (NaN) and number[][] rows (null) give the same scores.
      const withNull = rows.map((row) => row.map((v) => (Number.isNaN(v) ? null : v)));
      const fromRows = scorePoints(params, withNull);
      expectMatchesDirect(fromRows, params, rows, `${covarianceType}, missing`);
      const copy = punched.slice();
      const fromPacked = scorePoints(params, { data: punched, dim: 4 });
      expect(fromPacked).toEqual(fromRows);
      expect(Array.from(punched)).toEqual(Array.from(copy)); // the caller's rows are left as they were
    });

    it(`${covarianceType}: a snapshot's JSON scores as its parameters do`, () => {
      const rows = toRows(data.subarray(0, 40), 4);
      expect(scorePoints(snapshotJson(params) as never, rows)).toEqual(scorePoints(params, rows));
    });
  }

  it('from a snapshot of a real fit (the engine fit writes), through JSON', () => {
    const truth = randomMixture({ k: 3, dim: 3, seed: 2110 });
    const { data } = sampleMixture(truth, 4000, 2111);
    const engine = new OnlineEm({ components: 3, covarianceType: 'full', seed: 2112 });
    engine.ingestFloat64(data, 3);
    engine.flush();
    const snapshot = JSON.parse(JSON.stringify(engine.snapshot()));
    const rows = toRows(punchMissing(data.subarray(0, 600), 200, 3, 3 / 8, 2113), 3);
    const params = { ...snapshot, weights: Float64Array.from(snapshot.weights), means: Float64Array.from(snapshot.means.flat()), covariances: Float64Array.from(snapshot.covariances.flat(2)) };
    expectMatchesDirect(scorePoints(snapshot, rows), params, rows, 'fit snapshot');
  });
});

describe('scorePoints: refused points', () => {
  const params = mixtureOfType(2, 3, 'full', 2120, 2);

  it('refuses bad rows with a code, in place (NaN scores, component -1), and scores the rest', () => {
    const good = toRows(sampleBatch(params, 4, 2121).data, 3);
    const rows: unknown[] = [
      good[0],
      [1, 2],
      [1, Infinity, 0],
      [null, null, null],
      good[1],
      'text',
      [1, 'a', 2],
      new RefusedPoint('invalid-json: not valid JSON'),
      [null, good[2][1], NaN],
      good[3],
    ];
    const scores = scorePoints(params, rows);
    expect(scores.n).toBe(10);
    expect(scores.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'wrong-dimension'],
      [2, 'non-finite'],
      [3, 'all-missing'],
      [5, 'not-an-array'],
      [6, 'not-a-number'],
      [7, 'undecodable'],
    ]);
    for (const r of scores.rejected) {
      expect(r.message).not.toBe('');
      expect(Number.isNaN(scores.logLikelihood[r.index])).toBe(true);
      expect(scores.component[r.index]).toBe(-1);
      expect(Array.from(scores.responsibilities.subarray(r.index * 2, r.index * 2 + 2)).every(Number.isNaN)).toBe(true);
    }
    const accepted = [0, 4, 8, 9];
    const direct = directScores(params, [good[0], good[1], [NaN, good[2][1], NaN], good[3]]);
    expectArrayClose(accepted.map((i) => scores.logLikelihood[i]), direct.logLikelihood, TOL, 'accepted log p(x)');
    expectArrayClose(accepted.flatMap((i) => [scores.responsibilities[2 * i], scores.responsibilities[2 * i + 1]]), direct.responsibilities.flat(), TOL, 'accepted γ');
  });

  it('float64 rows: ±Infinity and all-missing rows are refused; another dimension refuses every row', () => {
    const data = Float64Array.from([0, 0, 0, NaN, NaN, NaN, 1, -Infinity, 0, 1, 2, NaN]);
    const scores = scorePoints(params, { data, dim: 3 });
    expect(scores.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'all-missing'],
      [2, 'non-finite'],
    ]);
    expect(scores.component[0]).toBeGreaterThanOrEqual(0);
    expect(scores.component[3]).toBeGreaterThanOrEqual(0);
    const wrong = scorePoints(params, { data: new Float64Array(8), dim: 2 });
    expect(wrong.rejected.map((r) => [r.index, r.code])).toEqual([0, 1, 2, 3].map((i) => [i, 'wrong-dimension']));
    expect(() => scorePoints(params, { data: new Float64Array(7), dim: 3 })).toThrow(RangeError);
  });

  it('keeps indexes right across its internal chunks (8192 rows each)', () => {
    const small = mixtureOfType(2, 1, 'diag', 2122, 1);
    const n = 2 * 8192 + 9;
    const rng = new SeededRandom(2123);
    const rows: unknown[] = Array.from({ length: n }, () => [3 * rng.normal()]);
    const bad = [3, 8191, 8192, 8193, 16_390, n - 1];
    for (const i of bad) rows[i] = [NaN];
    const scores = scorePoints(small, rows);
    expect(scores.rejected.map((r) => r.index)).toEqual(bad);
    const probe = [0, 8190, 8194, 16_383, 16_384, n - 2];
    const direct = directScores(small, probe.map((i) => rows[i] as number[]));
    expectArrayClose(probe.map((i) => scores.logLikelihood[i]), direct.logLikelihood, TOL, 'log p(x) across chunks');
    expect(probe.map((i) => scores.component[i])).toEqual(direct.component);
  });

  it('an empty input gives empty scores', () => {
    const scores = scorePoints(params, []);
    expect(scores).toMatchObject({ n: 0, k: 2, rejected: [] });
    expect(scores.logLikelihood).toHaveLength(0);
  });

  it('scores far outliers without overflow: finite log p(x), responsibilities summing to 1', () => {
    const scores = scorePoints(params, [[1e6, -1e6, 1e6]]);
    expect(Number.isFinite(scores.logLikelihood[0])).toBe(true);
    expect(scores.logLikelihood[0]).toBeLessThan(-1e6);
    expect(scores.responsibilities[0] + scores.responsibilities[1]).toBeCloseTo(1, 12);
  });
});

describe('scorePoints: the mixture is checked first (InvalidMixtureError, saying what is wrong)', () => {
  const params = mixtureOfType(2, 2, 'full', 2130, 2);
  const json = snapshotJson(params) as Record<string, unknown>;
  const cases: [string, unknown, RegExp][] = [
    ['not an object', 'snapshot', /must be an object/],
    ['k missing', { ...json, k: undefined }, /k must be a positive integer/],
    ['dim not an integer', { ...json, dim: 2.5 }, /dim must be a positive integer/],
    ['unknown covariance type', { ...json, covarianceType: 'round' }, /covarianceType must be one of full, diag, spherical, tied/],
    ['tied with two matrices', { ...json, covarianceType: 'tied' }, /a tied covariance is one matrix for all components/],
    ['too few weights', { ...json, weights: [1] }, /weights has 1 entries, expected 2/],
    ['ragged means', { ...json, means: [[0, 0], [0]] }, /means\[1\] has 1 entries, expected 2/],
    ['a string in a covariance', { ...json, covariances: [[[1, 0], [0, '1']], [[1, 0], [0, 1]]] }, /covariances\[0\]\[1\]\[1\] must be a number/],
    ['weights not summing to 1', { ...json, weights: [0.5, 0.6] }, /weights sum to 1.1, not 1/],
    ['a negative weight', { ...json, weights: [-0.5, 1.5] }, /weights\[0\] is -0.5/],
    ['an asymmetric covariance', { ...json, covariances: [[[1, 0.5], [0.2, 1]], [[1, 0], [0, 1]]] }, /covariance 0 is not symmetric/],
    ['not positive definite', { ...json, covariances: [[[1, 2], [2, 1]], [[1, 0], [0, 1]]] }, /component 0 is not positive definite/],
    ['a zero variance', { ...json, covariances: [[[0, 0], [0, 1]], [[1, 0], [0, 1]]] }, /covariances\[0\]\[0\]\[0\] is 0: a variance must be positive/],
    ['diag with off-diagonals', { ...json, covarianceType: 'diag', covariances: [[[1, 0.1], [0.1, 1]], [[1, 0], [0, 1]]] }, /a diag covariance has zero off-diagonals/],
    ['spherical with two variances', { ...json, covarianceType: 'spherical', covariances: [[[1, 0], [0, 2]], [[1, 0], [0, 1]]] }, /a spherical covariance has one variance/],
    ['typed arrays of the wrong length', { ...params, means: new Float64Array(3) }, /means has 3 values, expected k·dim = 4/],
  ];
  for (const [label, model, message] of cases) {
    it(label, () => {
      expect(() => pointScorer(model as never)).toThrow(InvalidMixtureError);
      expect(() => pointScorer(model as never)).toThrow(message);
    });
  }
});
