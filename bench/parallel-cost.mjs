#!/usr/bin/env node
/**
 * What the parallel E-step costs per minibatch beyond the chunks' own work, in one process:
 *
 *   node bench/parallel-cost.mjs [--threads 2] [--reps 3000]
 *
 * For each (d, K) (full covariance, the default 200-point minibatch) it times, per minibatch:
 *   serial   SerialExecutor.run (what --threads 1 runs: every chunk and the reduction here);
 *   pool     WorkerPool.run at --threads (this thread takes chunks and reduce groups too);
 *   copy     copying the rows and the model into shared memory (part of pool);
 *   reduce   adding the chunks' partial statistics in chunk order, on one thread (part of
 *            serial; the pool shares it out by component);
 *   handoff  pool - copy - serial / min(threads, chunks): waking the workers and waiting for
 *            the last chunk, beyond a perfect split of the chunks and their reduction
 *            (one chunk: pool - serial, as this thread computes it alone);
 *   update   the whole step, E-step to factors: serial.run, then blendedStats and mStepFactors
 *            (updateSerial), against the pool's run given the update, which blends and
 *            factors each reduce group's components in the same job (updatePool).
 * Each figure is the median over blocks of 100 minibatches. Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { randomMixture, sampleMixture } from '../dist/index.js';
import { componentFactors } from '../dist/em/component-factors.js';
import { mStepFactors } from '../dist/em/m-step-factors.js';
import { blendedStats, cloneStats } from '../dist/em/sufficient-stats.js';
import { pointBatch } from '../dist/em/point-batch.js';
import { reduceChunks } from '../dist/em/parallel/chunk-reduction.js';
import { chunkLayout, chunkPoints } from '../dist/em/parallel/chunk-size.js';
import { slotLayout } from '../dist/em/parallel/slot-layout.js';
import { SerialExecutor } from '../dist/em/parallel/serial-executor.js';
import { factorsLength, writeFactors } from '../dist/em/parallel/shared-factors.js';
import { WorkerPool } from '../dist/em/parallel/worker-pool.js';
import { median } from './lib/stats.mjs';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '3000' } } });
const threads = Number(values.threads);
const reps = Number(values.reps);
const BATCH = 200;
const BLOCK = 100;

/** Median µs per call of `fn` over blocks of BLOCK calls, after a JIT warm-up. */
function time(fn) {
  for (let i = 0; i < Math.min(500, reps / 4); i++) fn();
  const blocks = [];
  for (let b = 0; b < reps / BLOCK; b++) {
    const started = performance.now();
    for (let i = 0; i < BLOCK; i++) fn();
    blocks.push(((performance.now() - started) * 1000) / BLOCK);
  }
  return median(blocks);
}

const pool = new WorkerPool(threads);
// Let the workers start (until then this thread computes every chunk itself).
await new Promise((resolve) => setTimeout(resolve, 300));
const serial = new SerialExecutor();
const cells = [];
for (const [d, k] of [[10, 8], [16, 8], [32, 8], [32, 16]]) {
  const params = randomMixture({ k, dim: d, seed: 1 });
  const f = componentFactors(params);
  const batch = pointBatch(sampleMixture(params, BATCH, 2).data, d);
  const reference = new Float64Array(d);
  const { count: chunks, size } = chunkLayout(BATCH, chunkPoints(k, d, 'full'));
  const layout = slotLayout(k, d, 'full');
  const { length } = layout;
  const rows = new Float64Array(new SharedArrayBuffer(BATCH * d * 8));
  const shared = new Float64Array(new SharedArrayBuffer(factorsLength(k, d) * 8));
  const partials = new Float64Array(chunks * length).fill(1);
  const sum = new Float64Array(length);
  const serialUs = time(() => serial.run(f, batch, reference));
  const poolUs = time(() => pool.run(f, batch, reference));
  const copyUs = time(() => {
    rows.set(batch.data);
    writeFactors(shared, f, reference, false);
  });
  const reduceUs = time(() => reduceChunks(partials, chunks, layout, BATCH, sum));
  // The statistics before the update: the batch's own (every component has mass in them).
  const before = cloneStats(serial.run(f, batch, reference).stats);
  const update = { stats: before, eta: 0.1, regCovar: 1e-6 };
  const updateSerialUs = time(() => mStepFactors(blendedStats(before, serial.run(f, batch, reference).stats, update.eta), update.regCovar));
  const updatePoolUs = time(() => {
    const run = pool.run(f, batch, reference, null, update);
    return run.blended?.model() ?? pool.mStep(blendedStats(before, run.stats, update.eta), update.regCovar);
  });
  // One chunk is not split (this thread computes it): all beyond the serial time is overhead.
  const handoffUs = chunks > 1 ? poolUs - copyUs - serialUs / Math.min(threads, chunks) : poolUs - serialUs;
  cells.push({
    dim: d,
    k,
    batch: BATCH,
    chunkPoints: size,
    chunks,
    partialLength: length,
    serialUs,
    poolUs,
    copyUs,
    reduceUs,
    handoffUs,
    speedup: serialUs / poolUs,
    updateSerialUs,
    updatePoolUs,
    updateSpeedup: updateSerialUs / updatePoolUs,
  });
}
pool.close();
process.stdout.write(`${JSON.stringify({ threads, reps, cells })}\n`);
