import { existsSync } from 'node:fs';
import { compiledWorkerUrl } from '../../worker-url.js';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ComponentFactors } from '../component-factors.js';
import { mStepFactors, type FactoredModel } from '../m-step-factors.js';
import { meanParameters } from '../m-step.js';
import type { PointBatch, SufficientStats } from '../types.js';
import { chunkStatistics, slotStatistics, takeKnownRows } from './chunk-statistics.js';
import { groupComponents, reduceChunks, reduceComponents, reduceGroups } from './chunk-reduction.js';
import { chunkLayout, chunkPoints } from './chunk-size.js';
import { claimItem, claimWord, closedClaimWord, controlBlock, covarianceTypeCode, createControlBlock, errorMessage, JOB, SLOT, type ControlBlock } from './control-block.js';
import { splitsMStep } from './m-step-split.js';
import { emptyBuffers, grownBuffers, type BuffersMessage, type SharedBuffers } from './shared-buffers.js';
import { factorsLength, writeFactors } from './shared-factors.js';
import { COMPONENT_STATUS, computeComponent, factoredModelOf, mStepLength, mStepViews, writeMStepInputs, type MStepViews } from './shared-m-step.js';
import { blendAndFactor, blendedUpdate, fusesUpdate, writeUpdateInputs, type FollowingUpdate } from './fused-update.js';
import { slotLayout } from './slot-layout.js';
import type { ChunkedStatistics, KnownScores, StatisticsExecutor } from './statistics-executor.js';
import { WorkerPoolError } from './worker-pool-error.js';

/** No item finished for this long: a worker died without a word (a chunk or a component takes milliseconds). */
const STALL_MS = 30_000;
/** How long this thread spins for the workers' last chunk before it sleeps on it. */
const SPIN_MS = 5;

/** The compiled worker beside this module; from the TypeScript sources (vitest), the one under dist/. */
export function statisticsWorkerUrl(): URL {
  return compiledWorkerUrl(import.meta.url, 'em/parallel/statistics-worker.js');
}

/**
 * The chunks of each minibatch over `threads` threads: this one and threads - 1 workers.
 * `run` is synchronous: it copies the rows and the model into shared memory, wakes the
 * workers and takes chunks itself; once every chunk is done, the threads reduce them, a group
 * of components each, in chunk order (so the bits are those of SerialExecutor), and it waits
 * (Atomics.wait) until every item is done. Given the update that follows (full covariances),
 * each reduce group also blends and factors its components (fused-update.ts), so the M-step
 * leaves this thread with no second hand-off. `mStep` splits an M-step of its own by component
 * the same way (each component's math is the serial one). The workers are unref'd: they never keep the process alive, and `close`
 * stops them.
 */
export class WorkerPool implements StatisticsExecutor {
  private readonly block: ControlBlock;
  private readonly controlBuffer: SharedArrayBuffer;
  private readonly workers: Worker[] = [];
  private buffers: SharedBuffers = emptyBuffers();
  private version = 0;
  private generation = 0;
  /** Why the pool cannot run (a worker failed or exited): raised by the next run. */
  private failure: string | null = null;
  private closed = false;

  constructor(
    readonly threads: number,
    workerUrl: URL = statisticsWorkerUrl(),
  ) {
    const path = fileURLToPath(workerUrl);
    if (!existsSync(path)) throw new WorkerPoolError(`the worker thread of --threads ${threads} is missing (${path}): run npm run build, or use --threads 1`);
    this.controlBuffer = createControlBlock();
    this.block = controlBlock(this.controlBuffer);
    for (let w = 1; w < threads; w++) {
      const worker = new Worker(workerUrl, { workerData: { control: this.controlBuffer, version: this.version, buffers: this.buffers } });
      worker.unref();
      worker.on('error', (error) => (this.failure ??= `a worker thread of --threads ${threads} (the parallel E-step and M-step) failed: ${error.message}`));
      worker.on('exit', (code) => {
        if (!this.closed) this.failure ??= `a worker thread of --threads ${threads} (the parallel E-step and M-step) exited (code ${code})`;
      });
      this.workers.push(worker);
    }
  }

  /**
   * `known`, for a batch without missing coordinates, is copied into the shared rows, and the
   * chunks compute the others only. `update`, for full covariances split over the threads, is
   * blended and factored by the reduce items, each for its components (fused-update.ts).
   */
  run(f: ComponentFactors, batch: PointBatch, reference: Float64Array, known: KnownScores | null = null, update: FollowingUpdate | null = null): ChunkedStatistics {
    this.assertUsable();
    const { n, data } = batch;
    const { k: K, dim: d, covarianceType } = f;
    const { count, size } = chunkLayout(n, chunkPoints(K, d, covarianceType));
    const layout = slotLayout(K, d, covarianceType);
    const { length } = layout;
    const split = count > 1 && this.workers.length > 0;
    const fused = split && update !== null && fusesUpdate(covarianceType);
    this.ensureBuffers({ data: n * d, factors: factorsLength(K, d), resp: n * K, logLik: n, partials: count * length, sum: length, ...(fused ? { mStep: mStepLength(K, d) } : {}) });
    const resp = new Float64Array(this.buffers.resp, 0, n * K);
    const logLik = new Float64Array(this.buffers.logLik, 0, n);
    const partials = new Float64Array(this.buffers.partials, 0, count * length);
    const anyMissing = batch.rowsWithMissing > 0;
    const sum = new Float64Array(this.buffers.sum, 0, length);
    const knownRows = takeKnownRows(known, anyMissing, n, K, resp, logLik);
    // This thread reads the caller's rows and factors; the workers, the same values copied.
    const compute = (c: number): void =>
      chunkStatistics(f, reference, data, c * size, Math.min(n, (c + 1) * size), anyMissing, resp, logLik, partials.subarray(c * length, (c + 1) * length), knownRows);
    if (!split) {
      for (let c = 0; c < count; c++) compute(c);
      reduceChunks(partials, count, layout, n, sum);
      return { n, k: K, resp, logLik, stats: slotStatistics(sum, f, reference), blended: null };
    }
    new Float64Array(this.buffers.data, 0, n * d).set(data.subarray(0, n * d));
    writeFactors(new Float64Array(this.buffers.factors), f, reference, anyMissing);
    const { control } = this.block;
    control[SLOT.points] = n;
    control[SLOT.chunkPoints] = size;
    control[SLOT.components] = K;
    control[SLOT.dim] = d;
    control[SLOT.covarianceType] = covarianceTypeCode(covarianceType);
    control[SLOT.anyMissing] = anyMissing ? 1 : 0;
    control[SLOT.knownRows] = knownRows;
    control[SLOT.chunkItems] = count;
    let views: MStepViews | null = null;
    if (fused) {
      views = mStepViews(new Float64Array(this.buffers.mStep), K, d);
      writeUpdateInputs(views, update!);
    }
    control[SLOT.fusedUpdate] = fused ? 1 : 0;
    // The chunks, then the reduction in groups of components, which wait for every chunk:
    // one hand-off, and the reduction shared out as well.
    const groups = reduceGroups(K, this.threads);
    const item = (i: number): void => {
      if (i < count) return compute(i);
      this.awaitItems(count);
      const [from, to] = groupComponents(i - count, groups, K);
      reduceComponents(partials, count, layout, n, sum, from, to);
      if (views) blendAndFactor(views, sum, layout, from, to);
    };
    const failed = this.dispatch(JOB.chunks, count + groups, item);
    if (failed) throw failed;
    // A chunk's math failed on a worker: the error this thread would have raised for it (the minibatch is skipped).
    if (Atomics.load(control, SLOT.error) !== 0) throw new Error(errorMessage(this.block));
    return { n, k: K, resp, logLik, stats: slotStatistics(sum, f, reference), blended: views ? blendedUpdate(views, update!.stats) : null };
  }

  /**
   * θ̄(s) and its E-step factors, with the bits of mStepFactors: for full covariances worth
   * splitting (m-step-split.ts), each thread claims components and computes each as the
   * serial M-step does; other types, and small models, run mStepFactors here.
   */
  mStep(stats: SufficientStats, regCovar: number): FactoredModel {
    this.assertUsable();
    const { k: K, dim: d, covarianceType } = stats;
    if (this.workers.length === 0 || !splitsMStep(K, d, covarianceType)) return mStepFactors(stats, regCovar);
    // The check that every component has mass, and m = S1/S0: this thread, before any component.
    const { centred } = meanParameters(stats);
    this.ensureBuffers({ mStep: mStepLength(K, d) });
    const views = mStepViews(new Float64Array(this.buffers.mStep), K, d);
    writeMStepInputs(views, stats, centred, regCovar);
    const { control } = this.block;
    control[SLOT.components] = K;
    control[SLOT.dim] = d;
    control[SLOT.chunkItems] = K;
    // Errors are read from the components' status, in component order, below.
    this.dispatch(JOB.components, K, (c) => computeComponent(views, c));
    // A failed component, computed again here from the same inputs, throws what the serial M-step
    // throws for it (the minibatch is skipped); should it not, its failure was not the math's.
    for (let c = 0; c < K; c++) if (views.status[c] === COMPONENT_STATUS.failed) computeComponent(views, c);
    return factoredModelOf(views, stats);
  }

  /** Stop the workers (they are unref'd, so a process may also just exit). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.block.control, SLOT.stop, 1);
    Atomics.add(this.block.control, SLOT.generation, 1);
    Atomics.notify(this.block.control, SLOT.generation);
    for (const worker of this.workers) void worker.terminate();
  }

  private assertUsable(): void {
    if (this.failure) throw new WorkerPoolError(`${this.failure}; rerun with --threads 1`);
    if (this.closed) throw new WorkerPoolError('the worker threads of the parallel E-step and M-step were closed');
  }

  private ensureBuffers(sizes: Parameters<typeof grownBuffers>[1]): void {
    const grown = grownBuffers(this.buffers, sizes);
    if (!grown) return;
    this.buffers = grown;
    this.version++;
    const message: BuffersMessage = { version: this.version, buffers: grown };
    // Posted before the version is bumped: a worker that sees the new version finds them on its port.
    for (const worker of this.workers) worker.postMessage(message);
    Atomics.store(this.block.control, SLOT.buffersVersion, this.version);
  }

  /**
   * Hand out the `count` items of a job (its other control slots written by the caller), take
   * items on this thread too, and wait until every one is done: this thread's first error, if
   * any (a worker's is in the error slot).
   */
  private dispatch(job: number, count: number, compute: (item: number) => void): unknown {
    const { control } = this.block;
    control[SLOT.job] = job;
    control[SLOT.chunks] = count;
    Atomics.store(control, SLOT.done, 0);
    Atomics.store(control, SLOT.error, 0);
    this.generation = (this.generation + 1) & 0x7fffffff;
    const generation = this.generation;
    Atomics.store(this.block.claim, 0, claimWord(generation, 0));
    Atomics.store(control, SLOT.generation, generation);
    Atomics.notify(control, SLOT.generation);
    let failed: unknown = null;
    for (let c = claimItem(this.block, generation, count); c >= 0; c = claimItem(this.block, generation, count)) {
      try {
        compute(c);
      } catch (error) {
        // The pool failed (a reduce item found a worker stalled): no use waiting for the rest.
        if (error instanceof WorkerPoolError) throw error;
        failed ??= error;
      }
      // The last chunk wakes a worker that waits for it to reduce.
      if (Atomics.add(control, SLOT.done, 1) + 1 === control[SLOT.chunkItems]) Atomics.notify(control, SLOT.done);
    }
    this.awaitItems(count);
    Atomics.store(this.block.claim, 0, closedClaimWord(generation));
    return failed;
  }

  private awaitItems(count: number): void {
    const { control } = this.block;
    // Spin first: the last chunk is usually a fraction of a ms away, less than a wake-up costs.
    const spinUntil = performance.now() + SPIN_MS;
    for (let i = 0; Atomics.load(control, SLOT.done) < count; i++) {
      if ((i & 63) === 0 && performance.now() > spinUntil) break;
    }
    let done = Atomics.load(control, SLOT.done);
    let progressAt = performance.now();
    while (done < count) {
      Atomics.wait(control, SLOT.done, done, 1000);
      const now = Atomics.load(control, SLOT.done);
      if (now !== done) progressAt = performance.now();
      else if (performance.now() - progressAt > STALL_MS) {
        this.failure = `a worker thread of --threads ${this.threads} (the parallel E-step and M-step) stopped responding (no chunk or component finished in ${STALL_MS / 1000} s)`;
        // Stop the others too (one may be waiting for the stalled chunk to reduce): the pool is done.
        this.close();
        throw new WorkerPoolError(`${this.failure}; rerun with --threads 1`);
      }
      done = now;
    }
  }
}
