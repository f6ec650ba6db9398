/**
 * Data sets of the benchmark, built exactly as the recovery tests build them
 * (test/recovery/*.test.ts): same generators, seeds and transforms. Keep them in step.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomMixture, sampleMixture } from '../../dist/index.js';
import { SeededRandom } from '../../dist/em/random.js';
import { maskCompletelyAtRandom } from '../../dist/synthetic/perturbations.js';
import { REPO_ROOT } from './paths.mjs';

const VEGA = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data');

/** n×dim rows (NaN where missing) as a PointBatch. */
export { pointBatch as batchOf } from '../../dist/em/point-batch.js';

/** NDJSON, one point per line, NaN as null. */
export function writeNdjson(path, data, dim) {
  const n = data.length / dim;
  const fd = openSync(path, 'w');
  try {
    for (let start = 0; start < n; start += 10_000) {
      const lines = [];
      for (let i = start; i < Math.min(n, start + 10_000); i++) lines.push(JSON.stringify(Array.from(data.subarray(i * dim, i * dim + dim))));
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
}

/** Training and held-out points of randomMixture({k, dim, seed}) (separation 3), as in synthetic-recovery.test.ts. */
export function syntheticSet({ dim, k, n, nTest, seed }) {
  const mixture = randomMixture({ k, dim, seed });
  return {
    mixture,
    train: sampleMixture(mixture, n, 1000 * seed + 1).data,
    test: sampleMixture(mixture, nTest, 1000 * seed + 2).data,
  };
}

/**
 * flights-200k, for the bench and for test/recovery/real-data.test.ts (which explains
 * the transform): shuffled (seed), each value dequantised by
 * uniform noise of its rounding step, then [sign(delay)·log1p(|delay|), log(distance), time].
 */
export function flightsPoints(seed = 2024) {
  const rows = JSON.parse(readFileSync(join(VEGA, 'flights-200k.json'), 'utf8'));
  const rng = new SeededRandom(seed);
  rng.shuffle(rows);
  const out = new Float64Array(rows.length * 3);
  rows.forEach((row, i) => {
    const delay = row.delay + rng.uniform() - 0.5;
    const distance = row.distance + rng.uniform() - 0.5;
    const time = row.time + (rng.uniform() - 0.5) / 60;
    out[i * 3] = Math.sign(delay) * Math.log1p(Math.abs(delay));
    out[i * 3 + 1] = Math.log(distance);
    out[i * 3 + 2] = time;
  });
  return out;
}

export const PENGUIN_COLUMNS = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];

/** penguins as in real-data.test.ts: shuffled (seed 11), standardised with the complete rows' moments. */
export function penguins() {
  const raw = JSON.parse(readFileSync(join(VEGA, 'penguins.json'), 'utf8'));
  const rows = raw.map((r) => PENGUIN_COLUMNS.map((c) => (typeof r[c] === 'number' ? r[c] : null)));
  new SeededRandom(11).shuffle(rows);
  const completeRows = rows.filter((r) => r.every((v) => v !== null));
  const mean = PENGUIN_COLUMNS.map((_, j) => completeRows.reduce((s, r) => s + r[j], 0) / completeRows.length);
  const sd = PENGUIN_COLUMNS.map((_, j) => Math.sqrt(completeRows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / completeRows.length));
  const standardised = rows.map((r) => r.map((v, j) => (v === null ? null : (v - mean[j]) / sd[j])));
  const complete = Float64Array.from(standardised.filter((r) => r.every((v) => v !== null)).flat());
  return { rows: standardised, complete };
}

/** Hide each cell with probability p (seed 12), keeping a row whole if it would lose every cell. */
export function maskPenguins(rows, p = 0.1) {
  const rng = new SeededRandom(12);
  return rows.map((r) => {
    if (r.every((v) => v === null)) return r;
    const m = r.map((v) => (rng.uniform() < p ? null : v));
    return m.every((v) => v === null) ? r : m;
  });
}

export { shiftedMixture } from '../../dist/synthetic/perturbations.js';

/** Each coordinate hidden (NaN) with probability p, as in missing-data.test.ts; returns the masked copy and the count of all-missing rows. */
export function maskMcar(data, dim, p, seed) {
  const { masked, allMissingRows } = maskCompletelyAtRandom(data, dim, p, seed);
  return { masked, allMissing: allMissingRows.length };
}
