import { fitBatchEm, mean } from './batch-em.js';
import { componentFactors, type ComponentFactors } from './component-factors.js';
import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import { reseedDeadComponents } from './dead-components.js';
import { eStep } from './e-step.js';
import { IncompatibleStateError } from './errors.js';
import { expectedStatistics } from './expected-statistics.js';
import { mStep } from './m-step.js';
import { MinibatchAssembler } from './minibatch-assembler.js';
import { defaultWarmup, resolveOptions, type OnlineEmOptions, type ResolvedOptions } from './options.js';
import { concatBatches, pointBatch } from './point-batch.js';
import {
  inferDimension,
  pointLength,
  validateFloat64Rows,
  validatePointInto,
  validateRows,
  type IndexedRejection,
  type PointRejection,
} from './point-validation.js';
import { PrequentialMonitor, type MonitorState } from './prequential-monitor.js';
import { paramsToJson, SNAPSHOT_SCHEMA, type MixtureSnapshot } from './snapshot.js';
import { stepSize } from './step-size.js';
import { blendStats, cloneStats, statsAreFinite } from './sufficient-stats.js';
import type { CovarianceType, MixtureParams, PointBatch, SufficientStats } from './types.js';

/** Restarts are screened on a subsample this large, by this many EM iterations; the best few run on. */
const INIT_SCREEN_SAMPLE = 3000;
const INIT_SCREEN_ITERATIONS = 3;
const INIT_SCREEN_KEEP = 2;

/**
 * Multiply-adds the warm-up EM may spend on running to convergence (about a second):
 * a small warm-up converges fully, while a large one (d = 32, K = 16: 20,000 points)
 * stops early and leaves the rest to the stream, instead of taking tens of seconds.
 */
const INIT_WORK_BUDGET = 1.5e9;
const MIN_INIT_ITERATIONS = 5;

/** Iterations of the warm-up EM: initMaxIter, or fewer when the work budget says so. */
function initIterations(o: ResolvedOptions, n: number, d: number): number {
  const perComponent = COVARIANCE_MODELS[o.covarianceType].iterationWork(d);
  const perIteration = n * o.components * perComponent;
  return Math.min(o.initMaxIter, Math.max(MIN_INIT_ITERATIONS, Math.floor(INIT_WORK_BUDGET / perIteration)));
}

/** γ of the polynomial-decay average: weights grow like u^γ, so early iterates fade. */
const AVERAGING_GAMMA = 1;

export interface EngineCounters {
  pointsSeen: number;
  batches: number;
  rejected: number;
  reseeds: number;
  jitterEvents: number;
  skippedBatches: number;
}

/** Everything needed to resume a fit exactly: restoring it reproduces the run bit for bit. */
export interface EngineState {
  readonly version: 1;
  readonly k: number;
  readonly covarianceType: CovarianceType;
  readonly dim: number | null;
  readonly warmupPoints: Float64Array;
  readonly pendingPoints: Float64Array;
  readonly stats: Pick<SufficientStats, 'reference' | 's0' | 's1' | 's2'> | null;
  /** The averaged statistics s̄ (same reference) and how many updates they average. */
  readonly averaged: Pick<SufficientStats, 's0' | 's1' | 's2'> | null;
  readonly averagedUpdates: number;
  readonly pointsInStats: number;
  readonly counters: EngineCounters;
  readonly lastStepSize: number | null;
  readonly monitor: MonitorState;
}

/**
 * Stepwise online EM for a Gaussian mixture (Cappé & Moulines 2009): buffers a
 * warm-up window and initialises from it by batch EM with k-means++ restarts, then
 * for every minibatch scores it (prequential log-likelihood), blends its expected
 * statistics s ← (1-η)s + ηŝ, re-seeds dead components and runs the M-step.
 * Pure and synchronous; the RxJS operator and the adapters drive it.
 */
export class OnlineEm {
  readonly options: ResolvedOptions;
  private dim: number | null = null;
  private warmup: PointBatch[] = [];
  private warmupCount = 0;
  private assembler: MinibatchAssembler | null = null;
  private stats: SufficientStats | null = null;
  private params: MixtureParams | null = null;
  private averaged: SufficientStats | null = null;
  private averagedUpdates = 0;
  private averagedParams: MixtureParams | null = null;
  private factors: ComponentFactors | null = null;
  private pointsInStats = 0;
  private lastStepSize: number | null = null;
  private readonly monitor: PrequentialMonitor;
  readonly counters: EngineCounters = { pointsSeen: 0, batches: 0, rejected: 0, reseeds: 0, jitterEvents: 0, skippedBatches: 0 };
  /** Why the last update was skipped, if one was. */
  lastFailure: string | null = null;

  constructor(options: OnlineEmOptions) {
    this.options = resolveOptions(options);
    this.monitor = new PrequentialMonitor(this.options.convergenceWindow, this.options.convergenceTol);
  }

  get dimension(): number | null {
    return this.dim;
  }

  /** The published model: θ̄(s̄) of the averaged statistics when averaging, else θ(s). */
  get model(): MixtureParams | null {
    if (!this.params) return null;
    if (!this.averaged) return this.params;
    this.averagedParams ??= mStep(this.averaged, this.options.regCovar).params;
    return this.averagedParams;
  }

  get warmupSize(): number | null {
    return this.dim === null ? null : (this.options.warmup ?? defaultWarmup(this.options.components, this.dim, this.options.covarianceType));
  }

  get pointsPending(): number {
    return (this.assembler?.pendingCount ?? 0) + this.warmupCount;
  }

  /** Fix the dimension before any point arrives (the binary format carries it in a header). */
  setDimension(dim: number): void {
    if (this.dim !== null && this.dim !== dim) throw new IncompatibleStateError(`dimension is ${this.dim}, not ${dim}`);
    this.dim = dim;
  }

  /** Validate and ingest raw points (arrays with numbers, and null or NaN where missing). */
  ingestRows(rows: readonly unknown[]): readonly IndexedRejection[] {
    if (this.dim === null) {
      const dim = inferDimension(rows, this.options.maxAbsValue);
      if (dim === null) return this.rejectAll(rows);
      this.dim = dim;
    }
    const { batch, rejected } = validateRows(rows, this.dim, this.options.maxAbsValue);
    this.counters.rejected += rejected.length;
    this.ingestValid(batch);
    return rejected;
  }

  /** Validate and ingest n×dim float64 rows (NaN where missing); `data` may be modified. */
  ingestFloat64(data: Float64Array, dim: number): readonly IndexedRejection[] {
    if (this.dim === null) this.dim = dim;
    if (dim !== this.dim) {
      const message = `expected ${this.dim} coordinates, got ${dim}`;
      const rejected = Array.from({ length: Math.floor(data.length / dim) }, (_, index) => ({ index, code: 'wrong-dimension' as const, message }));
      this.counters.rejected += rejected.length;
      return rejected;
    }
    const { batch, rejected } = validateFloat64Rows(data, dim, this.options.maxAbsValue);
    this.counters.rejected += rejected.length;
    this.ingestValid(batch);
    return rejected;
  }

  /**
   * The input has ended: fit on a short warm-up if still warming up, and update on the
   * last, partial minibatch. Not for a pause (a restart would then batch differently).
   */
  flush(): void {
    if (!this.params && this.warmupCount >= Math.min(this.options.components, 2)) this.initialise();
    if (this.assembler && this.assembler.pendingCount > 0) this.update(this.assembler.takePending());
  }

  snapshot(now: Date = new Date()): MixtureSnapshot | null {
    const model = this.model;
    if (!model) return null;
    return {
      schema: SNAPSHOT_SCHEMA,
      k: model.k,
      dim: model.dim,
      covarianceType: model.covarianceType,
      ...paramsToJson(model),
      pointsSeen: this.counters.pointsSeen,
      pointsPending: this.pointsPending,
      batches: this.counters.batches,
      rejected: this.counters.rejected,
      stepSize: this.lastStepSize,
      logLikelihood: { last: this.monitor.last, average: this.monitor.average },
      converged: this.monitor.converged,
      health: {
        reseeds: this.counters.reseeds,
        jitterEvents: this.counters.jitterEvents,
        skippedBatches: this.counters.skippedBatches,
      },
      createdAt: now.toISOString(),
    };
  }

  exportState(): EngineState {
    const warmup = this.dim === null ? new Float64Array(0) : concatBatches(this.warmup, this.dim).data;
    return {
      version: 1,
      k: this.options.components,
      covarianceType: this.options.covarianceType,
      dim: this.dim,
      warmupPoints: warmup,
      pendingPoints: this.assembler ? this.assembler.pending().data : new Float64Array(0),
      stats: this.stats
        ? { reference: this.stats.reference.slice(), s0: this.stats.s0.slice(), s1: this.stats.s1.slice(), s2: this.stats.s2.slice() }
        : null,
      averaged: this.averaged ? { s0: this.averaged.s0.slice(), s1: this.averaged.s1.slice(), s2: this.averaged.s2.slice() } : null,
      averagedUpdates: this.averagedUpdates,
      pointsInStats: this.pointsInStats,
      counters: { ...this.counters },
      lastStepSize: this.lastStepSize,
      monitor: this.monitor.state(),
    };
  }

  /** Resume from a checkpoint. The model's shape must match; other options may change. */
  static restore(options: OnlineEmOptions, state: EngineState): OnlineEm {
    const engine = new OnlineEm(options);
    const { components: k, covarianceType } = engine.options;
    if (state.k !== k || state.covarianceType !== covarianceType) {
      throw new IncompatibleStateError(
        `the checkpoint holds a ${state.k}-component ${state.covarianceType} model, but ${k} components and ${covarianceType} were configured`,
      );
    }
    Object.assign(engine.counters, state.counters);
    engine.lastStepSize = state.lastStepSize;
    engine.monitor.restore(state.monitor);
    engine.pointsInStats = state.pointsInStats;
    if (state.dim === null) return engine;
    const d = state.dim;
    engine.dim = d;
    if (state.stats) {
      // Copies: the engine blends its statistics in place and must not write into the checkpoint.
      engine.stats = cloneStats({ k, dim: d, covarianceType, ...state.stats });
      if (state.averaged && engine.options.averaging) {
        engine.averaged = cloneStats({ k, dim: d, covarianceType, reference: state.stats.reference, ...state.averaged });
        engine.averagedUpdates = state.averagedUpdates;
      }
      engine.assembler = new MinibatchAssembler(d, engine.options.batchSize);
      engine.applyMStep(false);
    }
    const counted = engine.counters.pointsSeen;
    if (state.warmupPoints.length > 0) engine.ingestValid(pointBatch(state.warmupPoints.slice(), d));
    if (state.pendingPoints.length > 0) engine.ingestValid(pointBatch(state.pendingPoints.slice(), d));
    engine.counters.pointsSeen = counted;
    return engine;
  }

  /** Refuse every row: inferDimension found none valid on its own terms, so each has a reason. */
  private rejectAll(rows: readonly unknown[]): IndexedRejection[] {
    const rejected = rows.map((row, index) => {
      const length = pointLength(row);
      const reason = validatePointInto(row, length, this.options.maxAbsValue, new Float64Array(length), 0) as PointRejection;
      return { index, ...reason };
    });
    this.counters.rejected += rejected.length;
    return rejected;
  }

  private ingestValid(batch: PointBatch): void {
    if (batch.n === 0) return;
    this.counters.pointsSeen += batch.n;
    let rest = batch;
    if (!this.params) {
      const wanted = this.warmupSize! - this.warmupCount;
      const take = Math.min(wanted, rest.n);
      const d = rest.dim;
      const head = rest.data.slice(0, take * d);
      this.warmup.push(pointBatch(head, d));
      this.warmupCount += take;
      if (this.warmupCount < this.warmupSize!) return;
      this.initialise();
      rest = pointBatch(rest.data.subarray(take * d), d);
      if (rest.n === 0) return;
    }
    this.assembler!.push(rest, (minibatch) => this.update(minibatch));
  }

  private initialise(): void {
    const d = this.dim!;
    const buffer = concatBatches(this.warmup, d);
    const o = this.options;
    const fit = fitBatchEm(buffer, {
      k: o.components,
      covarianceType: o.covarianceType,
      regCovar: o.regCovar,
      restarts: o.restarts,
      maxIter: initIterations(o, buffer.n, d),
      tol: o.initTol,
      seed: o.seed,
      minWeight: o.minWeight,
      screening: { sampleSize: INIT_SCREEN_SAMPLE, iterations: INIT_SCREEN_ITERATIONS, keep: INIT_SCREEN_KEEP },
    });
    this.stats = fit.stats;
    this.counters.reseeds += fit.reseeds + reseedDeadComponents(this.stats, o.minWeight);
    this.counters.jitterEvents += fit.jitterEvents;
    this.pointsInStats = buffer.n;
    this.warmup = [];
    this.warmupCount = 0;
    this.assembler = new MinibatchAssembler(d, o.batchSize);
    this.applyMStep(true);
  }

  /** One stepwise update: score (prequential), blend, re-seed, M-step; a non-finite result is discarded. */
  private update(minibatch: PointBatch): void {
    const o = this.options;
    try {
      const f = this.factors!;
      const e = eStep(f, minibatch);
      const batchStats = expectedStatistics(minibatch, e, f.means, this.stats!.reference, o.covarianceType);
      const pointsIncluded = this.pointsInStats + minibatch.n;
      const eta = stepSize(o.schedule, minibatch.n, o.batchSize, pointsIncluded);
      const next = cloneStats(this.stats!);
      blendStats(next, batchStats, eta);
      if (!statsAreFinite(next)) throw new Error('the blended statistics are not finite');
      const reseeds = reseedDeadComponents(next, o.minWeight);
      const m = mStep(next, o.regCovar);
      const factors = componentFactors(m.params, m.choleskyFactors);
      const logLik = mean(e.logLik);
      if (!Number.isFinite(logLik)) throw new Error('the batch log-likelihood is not finite');
      this.stats = next;
      this.params = m.params;
      this.factors = factors;
      this.pointsInStats = pointsIncluded;
      this.lastStepSize = eta;
      this.counters.reseeds += reseeds;
      this.counters.jitterEvents += m.jitterEvents;
      this.monitor.record(logLik, minibatch.n);
      this.average(next, reseeds > 0);
    } catch (error) {
      this.counters.skippedBatches++;
      this.lastFailure = error instanceof Error ? error.message : String(error);
    }
    this.counters.batches++;
  }

  /**
   * Polynomial-decay averaging of the statistics (Polyak–Ruppert; Shamir & Zhang 2013):
   * s̄ ← (1-ρ)s̄ + ρ s with ρ = (γ+1)/(u+γ) after u updates, so the published model keeps
   * the fast movement of a large step size without its noise. A re-seed restarts it.
   */
  private average(stats: SufficientStats, restart: boolean): void {
    if (!this.options.averaging) return;
    const gamma = AVERAGING_GAMMA;
    this.averagedParams = null;
    if (restart || !this.averaged) {
      this.averaged = cloneStats(stats);
      this.averagedUpdates = 1;
      return;
    }
    this.averagedUpdates++;
    blendStats(this.averaged, stats, Math.min(1, (gamma + 1) / (this.averagedUpdates + gamma)));
  }

  private applyMStep(count: boolean): void {
    const m = mStep(this.stats!, this.options.regCovar);
    if (count) this.counters.jitterEvents += m.jitterEvents;
    this.params = m.params;
    this.factors = componentFactors(m.params, m.choleskyFactors);
  }
}
