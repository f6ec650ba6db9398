import { afterAll, describe, expect, it } from 'vitest';
import { closeStatisticsExecutors } from '../../src/em/parallel/executors.js';
import { RefusedPoint } from '../../src/em/point-validation.js';
import { SeededRandom } from '../../src/em/random.js';
import type { MixtureParams } from '../../src/em/types.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/kafka/checkpoint.js';
import type { AnomalyRule, AnomalyThresholdState } from '../../src/score/anomaly-threshold.js';
import { FittingSession, type FittingSessionOptions } from '../../src/stream/fitting-session.js';
import { ItemScoring, REFUSED_COMPONENT, WARMING_UP_COMPONENT, type ItemScores } from '../../src/stream/item-scoring.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { directScores } from '../score/direct-scores.js';

const D = 2;
const WARMUP = 500;
const BATCH = 100;
const truth = randomMixture({ k: 3, dim: D, seed: 21, separation: 6 });
/** averaging off: the published model is then the working one, the one a point is scored under. */
const options: FittingSessionOptions = { components: 3, batchSize: BATCH, warmup: WARMUP, restarts: 2, seed: 3, averaging: false, snapshotEvery: null };

/** A row that validation refuses, with its code, by kind. */
const BAD_ROWS: readonly [unknown, string][] = [
  ['x', 'not-an-array'],
  [[1], 'wrong-dimension'],
  [[1, Infinity], 'non-finite'],
  [[null, null], 'all-missing'],
  [[1, '2'], 'not-a-number'],
  [new RefusedPoint('truncated message'), 'undecodable'],
];

interface Item {
  readonly rows: unknown[];
  /** Per row: the point as numbers (NaN where missing), or the code it is refused with. */
  readonly expected: ({ point: number[] } | { code: string })[];
}

/** Items of the given sizes cut from a seeded sample, ~3% of rows refused and ~5% with a missing coordinate. */
function items(sizes: readonly number[], seed: number, withBadRows = true): Item[] {
  const total = sizes.reduce((s, n) => s + n, 0);
  const data = sampleMixture(truth, total, seed).data;
  const rng = new SeededRandom(seed + 1);
  let at = 0;
  return sizes.map((size) => {
    const rows: unknown[] = [];
    const expected: Item['expected'] = [];
    for (let i = 0; i < size; i++, at++) {
      const point = [data[at * D], data[at * D + 1]];
      const u = rng.uniform();
      if (withBadRows && u < 0.03) {
        const [row, code] = BAD_ROWS[rng.int(BAD_ROWS.length)];
        rows.push(row);
        expected.push({ code });
      } else if (u < 0.08) {
        const missing = rng.int(D);
        rows.push(point.map((v, j) => (j === missing ? null : v)));
        expected.push({ point: point.map((v, j) => (j === missing ? NaN : v)) });
      } else {
        rows.push(point);
        expected.push({ point });
      }
    }
    return { rows, expected };
  });
}

function clone(params: MixtureParams | null): MixtureParams | null {
  return params && { ...params, weights: params.weights.slice(), means: params.means.slice(), covariances: params.covariances.slice() };
}

const close = (actual: number, expected: number): boolean => Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));

/**
 * Checks one item's scores against direct computation (explicit inverse and determinant)
 * under `paramsOf(g)`, the parameters point g of the stream (0-based among accepted points)
 * had to be scored under; null for a point of the warm-up. Returns how many were checked.
 */
function checkItem(item: Item, scores: ItemScores, firstAccepted: number, paramsOf: (g: number) => MixtureParams | null): { scored: number; warming: number } {
  expect([scores.n, scores.k]).toEqual([item.rows.length, 3]);
  let g = firstAccepted;
  let scored = 0;
  let warming = 0;
  item.expected.forEach((e, row) => {
    if ('code' in e) {
      expect(scores.component[row]).toBe(REFUSED_COMPONENT);
      expect(scores.refused.get(row)).toBe(e.code);
      expect(Number.isNaN(scores.logLikelihood[row])).toBe(true);
      expect(scores.anomaly[row]).toBe(0);
      return;
    }
    expect(scores.refused.has(row)).toBe(false);
    const params = paramsOf(g++);
    const resp = Array.from(scores.responsibilities.subarray(row * 3, row * 3 + 3));
    if (params === null) {
      expect(scores.component[row]).toBe(WARMING_UP_COMPONENT);
      expect(Number.isNaN(scores.logLikelihood[row])).toBe(true);
      expect(resp).toEqual([0, 0, 0]);
      warming++;
      return;
    }
    const direct = directScores(params, [e.point]);
    const ll = scores.logLikelihood[row];
    if (!close(ll, direct.logLikelihood[0])) expect.fail(`row ${row} (point ${g - 1}): logLikelihood ${ll}, direct ${direct.logLikelihood[0]}`);
    resp.forEach((r, c) => expect(Math.abs(r - direct.responsibilities[0][c])).toBeLessThanOrEqual(1e-9));
    expect(scores.component[row]).toBe(direct.component[0]);
    scored++;
  });
  expect(scores.scored).toBe(scored);
  expect(scores.refused.size).toBe(item.expected.filter((e) => 'code' in e).length);
  return { scored, warming };
}

/**
 * The parameters in force from each point on: `initial` from the end of the warm-up, then
 * the model after each update of `session` (heard by wrapping its ingest). `paramsOf(g)` is
 * the model point g was to be scored under; null in the warm-up.
 */
function recordUpdates(session: FittingSession, initial: MixtureParams): { updates: () => number; paramsOf: (g: number) => MixtureParams | null } {
  const models: { from: number; params: MixtureParams }[] = [{ from: WARMUP, params: initial }];
  const ingest = session.ingest.bind(session);
  session.ingest = (input, onUpdate) =>
    ingest(input, (u) => {
      onUpdate?.(u);
      models.push({ from: u.firstPoint + u.n, params: clone(session.engine.model)! });
    });
  return { updates: () => models.length - 1, paramsOf: (g) => (g < WARMUP ? null : [...models].reverse().find((m) => m.from <= g)!.params) };
}

describe('ItemScoring: test-then-train scores of each item', () => {
  it('items of at most one minibatch: each point scored under the parameters before its minibatch updated them (1e-9), warm-up and refused rows marked', () => {
    const rng = new SeededRandom(5);
    const sizes = Array.from({ length: 60 }, () => 1 + rng.int(BATCH));
    const all = items(sizes, 6);
    const session = new FittingSession(options, () => 0);
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -8 });
    let scored = 0;
    let warming = 0;
    let underBefore = 0;
    for (const item of all) {
      const engine = session.engine;
      const first = engine.counters.pointsSeen;
      const before = clone(engine.model);
      const { scores } = scoring.ingest(session, { points: item.rows });
      const after = clone(engine.model);
      // Points before the waiting tail were in a minibatch this item completed: scored before its update.
      const pendingFrom = engine.counters.pointsSeen - engine.pointsPending;
      const counts = checkItem(item, scores, first, (g) => {
        if (g < WARMUP) return null;
        if (g < pendingFrom) underBefore++;
        return g < pendingFrom ? before : after;
      });
      scored += counts.scored;
      warming += counts.warming;
    }
    expect(warming).toBe(WARMUP);
    expect(session.engine.counters.batches).toBeGreaterThan(15);
    expect(underBefore).toBeGreaterThan(500);
    expect(scored).toBe(session.engine.counters.pointsSeen - WARMUP);
  });

  it('items of up to five minibatches: each minibatch under the parameters of the update before it (through the update seam), the tail under the latest', () => {
    const rng = new SeededRandom(7);
    // The warm-up exactly, then items that complete several minibatches and straddle them.
    const sizes = [WARMUP, ...Array.from({ length: 40 }, () => 1 + rng.int(5 * BATCH))];
    const [warmup, ...rest] = items(sizes, 8, false);
    const session = new FittingSession(options, () => 0);
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -8 });
    checkItem(warmup, scoring.ingest(session, { points: warmup.rows }).scores, 0, () => null);
    const { updates, paramsOf } = recordUpdates(session, clone(session.engine.model)!);
    let updatesInOneItem = 0;
    for (const item of rest) {
      const first = session.engine.counters.pointsSeen;
      const before = updates();
      checkItem(item, scoring.ingest(session, { points: item.rows }).scores, first, paramsOf);
      updatesInOneItem = Math.max(updatesInOneItem, updates() - before);
    }
    expect(updatesInOneItem).toBeGreaterThanOrEqual(4);
    expect(updates()).toBe(session.engine.counters.batches);
  });

  it.each([
    ['within its first minibatch', 100, 0],
    ['and completes three minibatches', 350, 3],
  ])('the item that ends the warm-up %s: its first rows are warming up, the rest scored under the initial model, then each update', (_, size, updates) => {
    const [a, b] = items([WARMUP - 40, size], 9, false);
    // The initial model, from a session given the same warm-up points.
    const reference = new FittingSession(options, () => 0);
    reference.ingest({ points: [...a.rows, ...b.rows.slice(0, 40)] });
    const session = new FittingSession(options, () => 0);
    const { updates: updateCount, paramsOf } = recordUpdates(session, clone(reference.engine.model)!);
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -8 });
    const sa = scoring.ingest(session, { points: a.rows }).scores;
    expect([sa.scored, ...new Set(sa.component)]).toEqual([0, WARMING_UP_COMPONENT]);
    const sb = scoring.ingest(session, { points: b.rows }).scores;
    expect(checkItem(b, sb, WARMUP - 40, paramsOf)).toEqual({ scored: size - 40, warming: 40 });
    expect(updateCount()).toBe(updates);
    expect(session.engine.pointsPending).toBe((size - 40) % BATCH);
  });

  it('reuses its columns from item to item: a warming-up item after scored ones has no responsibilities or flags left over, and flags follow the threshold', () => {
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -4 });
    const fitted = new FittingSession(options, () => 0);
    const [warmup, large, small] = items([WARMUP, 3 * BATCH, 40], 12, false);
    scoring.ingest(fitted, { points: warmup.rows });
    for (const item of [large, small]) {
      const { scores } = scoring.ingest(fitted, { points: item.rows });
      expect([scores.n, scores.scored]).toEqual([item.rows.length, item.rows.length]);
      for (let row = 0; row < scores.n; row++) expect(scores.anomaly[row]).toBe(scores.logLikelihood[row] < -4 ? 1 : 0);
      expect(scores.anomalies).toBeGreaterThan(0);
    }
    // The same scoring on a session still warming up (as after a model reset): every row as if fresh.
    const { scores } = scoring.ingest(new FittingSession(options, () => 0), { points: large.rows });
    expect(checkItem(large, scores, 0, () => null)).toEqual({ scored: 0, warming: 3 * BATCH });
    expect(Array.from(scores.anomaly).every((f) => f === 0)).toBe(true);
    expect(scores.responsibilities.every((r) => r === 0)).toBe(true);
  });

  it('an empty item scores nothing and changes nothing', () => {
    const session = new FittingSession(options, () => 0);
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -8 });
    scoring.ingest(session, { points: items([WARMUP + 30], 13, false)[0].rows });
    const { scores } = scoring.ingest(session, { points: [] });
    expect([scores.n, scores.scored, scores.logLikelihood.length, scores.responsibilities.length]).toEqual([0, 0, 0, 0]);
    expect(session.engine.pointsPending).toBe(30);
  });

  it('float64 rows score as the same rows given as arrays, bit for bit, all-missing rows refused in place', () => {
    const rng = new SeededRandom(14);
    const sizes = Array.from({ length: 12 }, () => 50 + rng.int(250));
    const stream = items(sizes, 15, false);
    const asRows = new FittingSession(options, () => 0);
    const asFloat64 = new FittingSession(options, () => 0);
    const scoringRows = new ItemScoring({ kind: 'quantile', quantile: 0.05, window: 400 });
    const scoringFloat64 = new ItemScoring({ kind: 'quantile', quantile: 0.05, window: 400 });
    let refused = 0;
    for (const item of stream) {
      // Every 17th row all missing: null in the rows, NaN in the float64 form.
      const rows = item.rows.map((row, i) => (i % 17 === 5 ? [null, null] : row));
      const data = Float64Array.from(rows.flatMap((row) => (row as (number | null)[]).map((v) => v ?? NaN)));
      const a = scoringRows.ingest(asRows, { points: rows }).scores;
      const b = scoringFloat64.ingest(asFloat64, { data, dim: D }).scores;
      expect(b).toEqual(a);
      expect([...a.refused.keys()]).toEqual(rows.flatMap((_, i) => (i % 17 === 5 ? [i] : [])));
      refused += a.refused.size;
    }
    expect(refused).toBeGreaterThan(50);
    expect(scoringRows.anomaly).toEqual(scoringFloat64.anomaly);
    expect(scoringRows.anomaly.flagged).toBeGreaterThan(20);
  });

  it('a binary item of the wrong dimension: every row refused, none scored', () => {
    const session = new FittingSession({ ...options, dim: 2 }, () => 0);
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -8 });
    const { scores, events } = scoring.ingest(session, { data: new Float64Array(9), dim: 3 });
    expect(events.map((e) => e.type)).toEqual(['rejected']);
    expect([scores.n, scores.scored, ...scores.component]).toEqual([3, 0, -1, -1, -1]);
    expect([...scores.refused.values()]).toEqual(['wrong-dimension', 'wrong-dimension', 'wrong-dimension']);
  });

  it('flags by the rule, in row order, and counts the flagged', () => {
    const [warmup, item] = items([WARMUP, 300], 10, false);
    const session = new FittingSession(options, () => 0);
    const scoring = new ItemScoring({ kind: 'fixed', threshold: -3 });
    scoring.ingest(session, { points: warmup.rows });
    const { scores } = scoring.ingest(session, { points: [...item.rows, [40, -40]] });
    const expected = Array.from(scores.logLikelihood, (ll) => (ll < -3 ? 1 : 0));
    expect(Array.from(scores.anomaly)).toEqual(expected);
    expect(scores.anomaly[300]).toBe(1);
    expect(scores.anomalies).toBe(expected.reduce((s: number, f) => s + f, 0));
    expect(scores.anomalies).toBeGreaterThan(10);
    expect(scoring.anomaly.flagged).toBe(scores.anomalies);
  });
});

describe('ItemScoring and FittingSession restored from a checkpoint', () => {
  const rule: AnomalyRule = { kind: 'quantile', quantile: 0.02, window: 4_000 };
  const rng = new SeededRandom(11);
  const sizes = Array.from({ length: 80 }, () => 100 + rng.int(401));
  const stream = items(sizes, 12);

  /** Every field of every item's scores, as bits, and the threshold after each item. */
  function record(scores: ItemScores, scoring: ItemScoring): unknown {
    const hex = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
    return { ll: hex(scores.logLikelihood), resp: hex(scores.responsibilities), component: Array.from(scores.component), anomaly: Array.from(scores.anomaly), refused: [...scores.refused], threshold: scoring.anomaly };
  }

  it.each([
    ['the decaying schedule with averaging', { components: 3, batchSize: BATCH, warmup: WARMUP, restarts: 2, seed: 3 }],
    ['a forgetting schedule with change detection', { components: 3, batchSize: BATCH, warmup: WARMUP, restarts: 2, seed: 3, halfLife: 3_000, changeDetection: 'on' as const }],
  ])('under %s, scores, flags and thresholds go on bit for bit after a JSON round trip of both states (cut while warming up, and mid-minibatch)', (_, engineOptions) => {
    const sessionOptions: FittingSessionOptions = { ...engineOptions, snapshotEvery: null };
    const whole = new FittingSession(sessionOptions, () => 0);
    const wholeScoring = new ItemScoring(rule);
    const uninterrupted = stream.map((item) => record(wholeScoring.ingest(whole, { points: item.rows }).scores, wholeScoring));

    for (const cut of [1, 37]) {
      const first = new FittingSession(sessionOptions, () => 0);
      const firstScoring = new ItemScoring(rule);
      const beforeCut = stream.slice(0, cut).map((item) => record(firstScoring.ingest(first, { points: item.rows }).scores, firstScoring));
      // At 1 the model is warming up; at 37 a minibatch is part-filled and a threshold is in force.
      expect(first.engine.model === null).toBe(cut === 1);
      expect(first.engine.pointsPending).toBeGreaterThan(0);
      expect(firstScoring.anomaly.threshold === null).toBe(cut === 1);
      const bytes = encodeCheckpoint({ version: 1, model: 'm', engine: first.checkpoint().state, counters: { messages: cut, deadLettered: 0, snapshotsPublished: 0, checkpoints: 1 }, offsets: [], scoring: firstScoring.state(), createdAt: '' });
      const checkpoint = decodeCheckpoint(bytes);
      const resumed = new FittingSession({ ...sessionOptions, initialState: checkpoint.engine }, () => 0);
      const resumedScoring = new ItemScoring(rule, JSON.parse(JSON.stringify(checkpoint.scoring)) as AnomalyThresholdState);
      const afterCut = stream.slice(cut).map((item) => record(resumedScoring.ingest(resumed, { points: item.rows }).scores, resumedScoring));

      expect([...beforeCut, ...afterCut]).toEqual(uninterrupted);
    }
    expect(wholeScoring.anomaly.flagged).toBeGreaterThan(200);
  });
});

const sessionOptions = options;

describe('ItemScoring and the model', () => {
  afterAll(() => closeStatisticsExecutors());

  it.each([1, 2])('leaves the model and the updates\' scores as the session alone gives them, bit for bit, with tails scored ahead of their minibatch (%i threads)', (threads) => {
    const options = { ...sessionOptions, threads };
    // Complete rows: the update then takes the tails' E-step as scored (known rows) instead of computing it again.
    const sizes = [600, 37, 150, 73, 210, 15, 15, 99, 301, 1, 199, 250];
    const data = sampleMixture(truth, sizes.reduce((s, n) => s + n, 0), 77).data;
    const alone = new FittingSession(options, () => 0);
    const scored = new FittingSession(options, () => 0);
    const scoring = new ItemScoring({ kind: 'quantile', quantile: 0.05, window: 400 });
    const updates = (into: number[]) => (u: { logLik: Float64Array; resp: Float64Array }) => into.push(...u.logLik, ...u.resp);
    const aloneUpdates: number[] = [];
    const scoredUpdates: number[] = [];
    let at = 0;
    let tails = 0;
    for (const n of sizes) {
      const item = { data: data.slice(at * D, (at + n) * D), dim: D };
      at += n;
      alone.ingest({ data: item.data.slice(), dim: D }, updates(aloneUpdates));
      scoring.ingest(scored, item, updates(scoredUpdates));
      // A tail scored ahead: the next update takes its E-step.
      if (scored.engine.model !== null && scored.engine.pointsPending > 0) tails++;
    }
    expect(tails).toBe(8);
    expect(scored.engine.counters.batches).toBeGreaterThanOrEqual(12);
    const now = new Date(0);
    expect(scored.engine.snapshot(now)).toStrictEqual(alone.engine.snapshot(now));
    expect(Float64Array.from(scoredUpdates)).toStrictEqual(Float64Array.from(aloneUpdates));
  });
});
