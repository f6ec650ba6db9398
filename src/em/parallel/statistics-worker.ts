/**
 * A worker thread of the parallel E-step and M-step (worker-pool.ts): sleeps on the job
 * generation, takes items of the current job until none is left, and writes what they give
 * into shared memory: a chunk's responsibilities, log-likelihoods and partial statistics, a
 * group of components of their reduced sum (and of the update fused with it), or a component's
 * covariance and factors. It holds no model state.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { chunkStatistics } from './chunk-statistics.js';
import { groupComponents, reduceComponents } from './chunk-reduction.js';
import { claimItem, controlBlock, covarianceTypeOf, JOB, reportError, SLOT } from './control-block.js';
import type { CovarianceType } from '../types.js';
import type { BuffersMessage, SharedBuffers } from './shared-buffers.js';
import { readFactors } from './shared-factors.js';
import { slotLayout } from './slot-layout.js';
import { computeComponent, mStepViews } from './shared-m-step.js';
import { blendAndFactor } from './fused-update.js';

interface WorkerData {
  readonly control: SharedArrayBuffer;
  readonly version: number;
  readonly buffers: SharedBuffers;
}

const init = workerData as WorkerData;
const block = controlBlock(init.control);
const { control } = block;
let version = init.version;
let buffers = init.buffers;

/** The buffers of the current version: the newest message on the port (the main thread posts before it bumps the version). */
function refreshBuffers(): void {
  const wanted = Atomics.load(control, SLOT.buffersVersion);
  while (version !== wanted) {
    const received = receiveMessageOnPort(parentPort!);
    if (!received) throw new Error(`shared buffers of version ${wanted} were not posted`);
    ({ version, buffers } = received.message as BuffersMessage);
  }
}

/** Views of the current job's shared memory. */
function jobViews(k: number, d: number, type: CovarianceType, fused: boolean) {
  refreshBuffers();
  return {
    update: fused ? mStepViews(new Float64Array(buffers.mStep), k, d) : null,
    ...readFactors(new Float64Array(buffers.factors), k, d, type),
    data: new Float64Array(buffers.data),
    resp: new Float64Array(buffers.resp),
    logLik: new Float64Array(buffers.logLik),
    partials: new Float64Array(buffers.partials),
    sum: new Float64Array(buffers.sum),
    layout: slotLayout(k, d, type),
  };
}

/** Computes one item of the current job (a chunk, or a component) into shared memory. */
type ItemRunner = (item: number) => void;

/**
 * The E-step job, from its control slots (read before the first claim, valid if it
 * succeeds): chunk by chunk, then the chunks' reduction, a group of components per item.
 */
function chunkRunner(items: number, chunks: number): ItemRunner {
  const n = control[SLOT.points];
  const size = control[SLOT.chunkPoints];
  const k = control[SLOT.components];
  const d = control[SLOT.dim];
  const type = covarianceTypeOf(control[SLOT.covarianceType]);
  const anyMissing = control[SLOT.anyMissing] === 1;
  const knownRows = control[SLOT.knownRows];
  const fused = control[SLOT.fusedUpdate] === 1;
  let views: ReturnType<typeof jobViews> | null = null;
  return (item) => {
    views ??= jobViews(k, d, type, fused);
    const { factors, reference, data, resp, logLik, partials, sum, layout, update } = views;
    const { length } = layout;
    if (item < chunks) {
      chunkStatistics(factors, reference, data, item * size, Math.min(n, (item + 1) * size), anyMissing, resp, logLik, partials.subarray(item * length, (item + 1) * length), knownRows);
      return;
    }
    awaitChunks(chunks);
    const [from, to] = groupComponents(item - chunks, items - chunks, k);
    reduceComponents(partials, chunks, layout, n, sum, from, to);
    if (update) blendAndFactor(update, sum, layout, from, to);
  };
}

/**
 * Until every chunk of the job is done (a reduction item needs them all): spin, then nap a
 * millisecond at a time; a pool stopped meanwhile (a stalled chunk) ends the wait with an error.
 */
function awaitChunks(chunks: number): void {
  const spinUntil = performance.now() + SPIN_MS;
  for (let i = 0; ; i++) {
    const done = Atomics.load(control, SLOT.done);
    if (done >= chunks) return;
    if ((i & 63) === 0 && performance.now() > spinUntil) {
      if (Atomics.load(control, SLOT.stop) === 1) throw new Error('the pool stopped before every chunk was done');
      Atomics.wait(control, SLOT.done, done, 1);
    }
  }
}

/** The M-step job: component by component. */
function componentRunner(): ItemRunner {
  const k = control[SLOT.components];
  const d = control[SLOT.dim];
  let views: ReturnType<typeof mStepViews> | null = null;
  return (c) => {
    if (!views) {
      refreshBuffers();
      views = mStepViews(new Float64Array(buffers.mStep), k, d);
    }
    computeComponent(views, c);
  };
}

function runJob(generation: number): void {
  // Read before the first claim: valid if that claim succeeds (the job cannot end, nor the next be written, before its item is done).
  const items = Atomics.load(control, SLOT.chunks);
  const components = control[SLOT.job] === JOB.components;
  // Those waiting for the chunks are woken when the last chunk is done, as well as the last item.
  const chunks = components ? items : control[SLOT.chunkItems];
  const run = components ? componentRunner() : chunkRunner(items, chunks);
  for (let item = claimItem(block, generation, items); item >= 0; item = claimItem(block, generation, items)) {
    try {
      run(item);
    } catch (error) {
      reportError(block, error instanceof Error ? error.message : String(error));
    }
    // Counted even when it failed, so the main thread never waits for it.
    const done = Atomics.add(control, SLOT.done, 1) + 1;
    if (done === items || done === chunks) Atomics.notify(control, SLOT.done);
  }
}

/**
 * How long a worker spins on the generation before it sleeps: the next minibatch usually
 * comes within the M-step's time (tens of µs to a ms), and waking a sleeping thread costs
 * ~100 µs or more, as much as a chunk. An idle pool sleeps after this; it costs no CPU then.
 */
const SPIN_MS = 1;

/** Spin until the generation moves past `seen` or SPIN_MS pass (then Atomics.wait sleeps, or returns at once if it moved). */
function spinOnGeneration(seen: number): void {
  const until = performance.now() + SPIN_MS;
  for (let i = 0; Atomics.load(control, SLOT.generation) === seen; i++) {
    if ((i & 63) === 0 && performance.now() > until) return;
  }
}

let seen = Atomics.load(control, SLOT.generation);
for (;;) {
  spinOnGeneration(seen);
  Atomics.wait(control, SLOT.generation, seen);
  if (Atomics.load(control, SLOT.stop) === 1) break;
  seen = Atomics.load(control, SLOT.generation);
  runJob(seen);
}
