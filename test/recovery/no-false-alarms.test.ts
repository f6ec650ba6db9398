import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { SeededRandom } from '../../src/em/random.js';
import { meanLogLikelihood } from '../../src/em/score.js';
import { paramsFromSnapshot } from '../../src/em/snapshot.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { batchOf, batchReference, REPO_ROOT, report, SYNTHETIC_SETS } from './support.js';

/**
 * No false alarms (issue 10): stationary streams fitted with --half-life at a tenth of the
 * stream (change detection on by default then) raise no alarm, and their one-pass model
 * stays within 0.02 nats/point of batch EM. The synthetic sets are those of
 * synthetic-recovery.test.ts; the references are fitted to 50,000 of the training points.
 */
const CASES = SYNTHETIC_SETS;

function fitForgetting(points: Float64Array, dim: number, k: number, halfLife: number, seed = 0): OnlineEm {
  const engine = new OnlineEm({ components: k, halfLife, seed });
  for (let at = 0; at < points.length; at += 1000 * dim) engine.ingestFloat64(points.slice(at, at + 1000 * dim), dim);
  engine.flush();
  return engine;
}

describe('change detection raises no false alarm on stationary streams (--half-life = n/10)', () => {
  it.each(CASES)('d=$dim K=$k n=$n mixture seed $seed', ({ dim, k, n, seed }) => {
    const truth = randomMixture({ k, dim, seed });
    const train = sampleMixture(truth, n, 10 * seed + 1).data;
    const heldOut = batchOf(sampleMixture(truth, 20_000, 10 * seed + 2).data, dim);
    const engine = fitForgetting(train, dim, k, n / 10);
    const s = engine.snapshot()!;
    const online = meanLogLikelihood(paramsFromSnapshot(s), heldOut);
    // d = 16: 20,000 points (batch EM there takes most of a minute on 50,000).
    const sample = dim >= 16 ? 20_000 : 50_000;
    const batch = meanLogLikelihood(batchReference(batchOf(train.slice(0, sample * dim), dim), k).params, heldOut);
    report(`no-false-alarm d=${dim} K=${k} seed ${seed}`, { changes: s.changes, online, batch, gap: batch - online });
    expect(s.changes).toBe(0);
    expect(batch - online).toBeLessThanOrEqual(0.02);
  }, 240_000);

  it('flights-200k (shuffled, 3-d, K = 6) and penguins over 30 epochs (K = 3)', async () => {
    const datasets = (await import('../../bench/lib/datasets.mjs' as string)) as { flightsPoints: (seed: number) => Float64Array };
    const flights = datasets.flightsPoints(2024);
    const flightsFit = fitForgetting(flights, 3, 6, flights.length / 3 / 10).snapshot()!;
    const heldOut = batchOf(flights.slice(160_000 * 3), 3);
    const flightsOnline = meanLogLikelihood(paramsFromSnapshot(flightsFit), heldOut);
    const flightsBatch = meanLogLikelihood(batchReference(batchOf(flights.slice(0, 50_000 * 3), 3), 6).params, heldOut);

    const COLUMNS = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
    const raw = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'penguins.json'), 'utf8')) as Record<string, number | null>[];
    const rows = raw.map((r) => COLUMNS.map((c) => r[c])).filter((r): r is number[] => r.every((v) => typeof v === 'number'));
    new SeededRandom(11).shuffle(rows);
    const mean = COLUMNS.map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
    const sd = COLUMNS.map((_, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / rows.length));
    const complete = Float64Array.from(rows.flatMap((r) => r.map((v, j) => (v - mean[j]) / sd[j])));
    const epochs = new Float64Array(complete.length * 30);
    for (let e = 0; e < 30; e++) epochs.set(complete, e * complete.length);
    const penguinsFit = fitForgetting(epochs, 4, 3, epochs.length / 4 / 10).snapshot()!;
    const completeBatch = batchOf(complete, 4);
    const penguinsOnline = meanLogLikelihood(paramsFromSnapshot(penguinsFit), completeBatch);
    const penguinsBatch = meanLogLikelihood(batchReference(completeBatch, 3).params, completeBatch);
    report('no-false-alarm flights K=6', { changes: flightsFit.changes, online: flightsOnline, batch: flightsBatch, gap: flightsBatch - flightsOnline });
    report('no-false-alarm penguins K=3 x30', { changes: penguinsFit.changes, online: penguinsOnline, batch: penguinsBatch, gap: penguinsBatch - penguinsOnline });
    expect(flightsFit.changes).toBe(0);
    expect(penguinsFit.changes).toBe(0);
    expect(flightsBatch - flightsOnline).toBeLessThanOrEqual(0.02);
    expect(penguinsBatch - penguinsOnline).toBeLessThanOrEqual(0.02);
  }, 400_000);
});
