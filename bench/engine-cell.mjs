#!/usr/bin/env node
/**
 * One engine-throughput cell, in its own process (clean JIT and heap):
 *
 *   node bench/engine-cell.mjs --dim D --components K --covariance full|diag [--threads 1] [--window-ms 500] [--windows 3]
 *
 * Pre-generates points of a random mixture as one Float64Array, then feeds the engine
 * (OnlineEm.ingestFloat64, default options apart from K and the covariance type) in
 * chunks of 1,000 rows, on `--threads` threads (the E-step and statistics; 1: this thread alone):
 *   1. warm-up and initialisation: chunks until the model exists (timed: initSeconds);
 *   2. JIT warm: untimed chunks for a quarter of a window;
 *   3. steady state: `windows` timed windows of at least `window-ms` each; the pool is
 *      replayed cyclically when it runs out.
 * Prints one JSON object on stdout.
 */
import { parseArgs } from 'node:util';
import { OnlineEm, defaultWarmup, randomMixture, sampleMixture } from '../dist/index.js';
import { median } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    dim: { type: 'string' },
    components: { type: 'string' },
    covariance: { type: 'string', default: 'full' },
    'window-ms': { type: 'string', default: '500' },
    windows: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
  },
});
const d = Number(values.dim);
const k = Number(values.components);
const covarianceType = values.covariance;
const windowMs = Number(values['window-ms']);
const windows = Number(values.windows);
const seed = Number(values.seed);
const threads = Number(values.threads);
const CHUNK = 1000;

const warmup = defaultWarmup(k, d, covarianceType);
// Enough distinct points for the warm-up and about a second of steady state.
const poolPoints = Math.max(warmup + 50 * CHUNK, Math.min(200_000, Math.round(4e7 / (d * d * k))));
const genStarted = performance.now();
const mixture = randomMixture({ k, dim: d, seed });
const pool = sampleMixture(mixture, poolPoints, seed + 1).data;
const generateSeconds = (performance.now() - genStarted) / 1000;

const engine = new OnlineEm({ components: k, covarianceType, threads });
let cursor = 0;
function nextChunk() {
  if (cursor + CHUNK > poolPoints) cursor = warmup; // replay the steady-state part of the pool
  const chunk = pool.subarray(cursor * d, (cursor + CHUNK) * d);
  cursor += CHUNK;
  return chunk;
}

const initStarted = performance.now();
while (engine.model === null) {
  const rejected = engine.ingestFloat64(nextChunk(), d);
  if (rejected.length > 0) throw new Error(`unexpected rejections: ${rejected[0].message}`);
}
const initSeconds = (performance.now() - initStarted) / 1000;
const pointsAtInit = engine.counters.pointsSeen;

const jitStarted = performance.now();
while (performance.now() - jitStarted < windowMs / 4) engine.ingestFloat64(nextChunk(), d);

const rates = [];
for (let w = 0; w < windows; w++) {
  const started = performance.now();
  const before = engine.counters.pointsSeen;
  let elapsed = 0;
  do {
    engine.ingestFloat64(nextChunk(), d);
    elapsed = performance.now() - started;
  } while (elapsed < windowMs);
  rates.push(((engine.counters.pointsSeen - before) / elapsed) * 1000);
}
const pointsPerSecond = median(rates);
const memory = process.memoryUsage();
const snapshot = engine.snapshot();
process.stdout.write(
  `${JSON.stringify({
    dim: d,
    k,
    covarianceType,
    threads,
    chunk: CHUNK,
    batchSize: engine.options.batchSize,
    warmupPoints: warmup,
    pointsAtInit,
    initSeconds,
    generateSeconds,
    poolPoints,
    poolMB: pool.byteLength / 2 ** 20,
    windowMs,
    rates,
    pointsPerSecond,
    nsPerPointPerComponent: 1e9 / pointsPerSecond / k,
    pointsSeen: engine.counters.pointsSeen,
    skippedBatches: engine.counters.skippedBatches,
    reseeds: engine.counters.reseeds,
    prequentialLogLik: snapshot?.logLikelihood.average ?? null,
    rssMB: memory.rss / 2 ** 20,
    heapUsedMB: memory.heapUsed / 2 ** 20,
    arrayBuffersMB: memory.arrayBuffers / 2 ** 20,
  })}\n`,
);
