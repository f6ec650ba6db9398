import { mean } from './batch-em.js';
import { ChangeRecovery } from './change/change-recovery.js';
import { reseedDeadComponents, splitInto } from './dead-components.js';
import { eStep, type EStepResult, type BatchScores } from './e-step.js';
import { checkEngineState } from './engine-state-check.js';
import { IncompatibleStateError } from './errors.js';
import { expectedStatistics } from './expected-statistics.js';
import { mStep } from './m-step.js';
import type { ComponentSelection } from './model-selection/component-selection.js';
import { MinibatchAssembler } from './minibatch-assembler.js';
import { defaultWarmup, resolveOptions, scheduleHalfLife, type OnlineEmOptions, type ResolvedOptions } from './options.js';
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
import { statisticsExecutor } from './parallel/executors.js';
import type { StatisticsExecutor } from './parallel/statistics-executor.js';
import { WorkerPoolError } from './parallel/worker-pool-error.js';
import { PrequentialMonitor } from './prequential-monitor.js';
import { paramsToJson, SNAPSHOT_SCHEMA, type MixtureSnapshot } from './snapshot.js';
import { stepSize } from './step-size.js';
import { blendedStats, blendStats, cloneStats, statsAreFinite } from './sufficient-stats.js';
import type { Averaged, Fitting, Phase, WarmingUp } from './engine-phase.js';
import type { EngineCounters, EngineState, UpdateListener } from './engine-state.js';
import type { MixtureParams, PointBatch, SufficientStats } from './types.js';
import { fitWarmup, type WarmupFit } from './warmup/warmup-fit.js';

export type { EngineCounters, EngineState, MinibatchUpdate, UpdateListener } from './engine-state.js';

/**
 * The least default warm-up of `--components auto`. BIC needs the points to tell a small or
 * overlapping component from noise: on the seeded d = 2 grid of `npm run bench:select`
 * (K = 4…8, 45 cases) BIC on 4,000 points found the true K in 22, on 16,000 in 31, with fits
 * good enough that the true K's BIC nearly always beat the true parameters'. 1,000 points
 * also left auto up to 0.038 nats/point below batch EM with the true K (4,000: 0.007).
 */
const AUTO_MIN_WARMUP = 16_000;

/** γ of the polynomial-decay average: weights grow like u^γ, so early iterates fade. */
const AVERAGING_GAMMA = 1;

/**
 * Stepwise online EM for a Gaussian mixture (Cappé & Moulines 2009): buffers a
 * warm-up window and initialises from it by batch EM with k-means++ restarts, then
 * for every minibatch scores it (prequential log-likelihood), blends its expected
 * statistics s ← (1-η)s + ηŝ, re-seeds dead components and runs the M-step.
 * Its phase is explicit: awaiting the dimension, warming up, fitting.
 * Pure and synchronous; the fitting session, the RxJS operator and the adapters drive it.
 */
export class OnlineEm {
  /** The options; with `--components auto`, `components` is MAX until the warm-up chooses K. */
  private resolved: ResolvedOptions;
  /** What `auto` tried and chose (null for a fixed K, and until the warm-up is fitted). */
  private selection: ComponentSelection | null = null;
  private phase: Phase = { kind: 'awaiting-dimension' };
  private pointsInStats = 0;
  private lastStepSize: number | null = null;
  private readonly monitor: PrequentialMonitor;
  readonly counters: EngineCounters = { pointsSeen: 0, batches: 0, rejected: 0, reseeds: 0, jitterEvents: 0, skippedBatches: 0 };
  /** Why the last update was skipped, if one was. */
  lastFailure: string | null = null;
  /** Told of every update while an ingest call that was given a listener runs. */
  private listener: UpdateListener | null = null;
  /** Change detection and recovery, when on (see ChangeRecovery). */
  private change: ChangeRecovery | null;
  /** Computes each minibatch's E-step and statistics in fixed chunks, and its M-step, on `threads` threads. */
  private readonly executor: StatisticsExecutor;
  /** A warm-up fit computed elsewhere (provideWarmupFit), with the buffer it is the fit of. */
  private providedWarmup: { readonly buffer: PointBatch; readonly fit: WarmupFit } | null = null;

  constructor(options: OnlineEmOptions, changeState: EngineState['change'] = undefined) {
    this.resolved = resolveOptions(options);
    this.executor = statisticsExecutor(this.resolved.threads);
    this.monitor = new PrequentialMonitor(this.options.convergenceWindow, this.options.convergenceTol);
    this.change = this.changeRecovery(changeState ?? null);
    if (this.options.dim !== null) this.setDimension(this.options.dim);
  }

  get options(): ResolvedOptions {
    return this.resolved;
  }

  private changeRecovery(state: NonNullable<EngineState['change']> | null): ChangeRecovery | null {
    if (!this.options.changeDetection) return null;
    const halfLife = scheduleHalfLife(this.options.schedule, this.options.batchSize);
    // On with a schedule that never forgets (--change-detection on), a half-life of 50 minibatches is assumed.
    return new ChangeRecovery(this.options, halfLife ?? 50 * this.options.batchSize, state);
  }

  /** `auto` has chosen K: the engine runs on as if K had been given (its change recovery too). */
  private adoptComponents(k: number, selection: ComponentSelection | null, changeState: NonNullable<EngineState['change']> | null): void {
    this.resolved = { ...this.resolved, components: k };
    this.selection = selection;
    this.change = this.changeRecovery(changeState);
  }

  get dimension(): number | null {
    return this.phase.kind === 'awaiting-dimension' ? null : this.phase.dim;
  }

  /** The published model: θ̄(s̄) of the averaged statistics when averaging, else θ(s). */
  get model(): MixtureParams | null {
    const p = this.phase;
    if (p.kind !== 'fitting') return null;
    if (!p.averaged) return p.params;
    p.averaged.params ??= mStep(p.averaged.stats, this.options.regCovar).params;
    return p.averaged.params;
  }

  get warmupSize(): number | null {
    const dim = this.dimension;
    return dim === null ? null : this.warmupSizeFor(dim);
  }

  private warmupSizeFor(dim: number): number {
    const o = this.options;
    if (o.warmup !== null) return o.warmup;
    // auto: sized for MAX, and at least AUTO_MIN_WARMUP, so that BIC sees the smaller components at all.
    if (o.maxComponents !== null) return Math.max(AUTO_MIN_WARMUP, defaultWarmup(o.maxComponents, dim, o.covarianceType));
    return defaultWarmup(o.components, dim, o.covarianceType);
  }

  /** Points still to buffer before the warm-up fit: 0 once fitting, null before the dimension is known. */
  get warmupRemaining(): number | null {
    const p = this.phase;
    return p.kind === 'fitting' ? 0 : p.kind === 'warming-up' ? this.warmupSizeFor(p.dim) - p.count : null;
  }

  get pointsPending(): number {
    const p = this.phase;
    return p.kind === 'fitting' ? p.assembler.pendingCount : p.kind === 'warming-up' ? p.count : 0;
  }

  /**
   * Accepted points still to come before `target` stepwise updates have run (0 once they
   * have; null before the dimension is known): lets a caller stop exactly at a minibatch boundary.
   */
  pointsUntilBatch(target: number): number | null {
    const p = this.phase;
    const ahead = target - this.counters.batches;
    if (ahead <= 0) return 0;
    if (p.kind === 'fitting') return ahead * this.options.batchSize - p.assembler.pendingCount;
    if (p.kind === 'warming-up') return this.warmupSize! - p.count + ahead * this.options.batchSize;
    return null;
  }

  /**
   * The warm-up buffer as the warm-up fit will see it, if ingesting these rows (as
   * `ingestRows` would) fills it; else null. Changes nothing: a caller that must not block
   * (a Kafka consumer, which has to heartbeat) computes `fitWarmup` of it on another thread
   * (fitWarmupOffThread) and hands the result over with `provideWarmupFit` before the ingest.
   */
  warmupBufferFilledBy(rows: readonly unknown[]): PointBatch | null {
    if (this.phase.kind === 'fitting') return null;
    const dim = this.dimension ?? inferDimension(rows, this.options.maxAbsValue);
    return dim === null ? null : this.warmupBufferWith(validateRows(rows, dim, this.options.maxAbsValue).batch);
  }

  /** As `warmupBufferFilledBy`, for the rows `ingestFloat64` would take (`data` is not modified). */
  warmupBufferFilledByFloat64(data: Float64Array, dim: number): PointBatch | null {
    if (this.phase.kind === 'fitting' || (this.dimension ?? dim) !== dim) return null;
    return this.warmupBufferWith(validateFloat64Rows(data.slice(), dim, this.options.maxAbsValue).batch);
  }

  private warmupBufferWith(accepted: PointBatch): PointBatch | null {
    const p = this.phase;
    const { dim } = accepted;
    const held = p.kind === 'warming-up' ? p.buffer : [];
    const count = p.kind === 'warming-up' ? p.count : 0;
    const size = this.warmupSizeFor(dim);
    if (count + accepted.n < size) return null;
    return concatBatches([...held, pointBatch(accepted.data.subarray(0, (size - count) * dim), dim)], dim);
  }

  /**
   * The warm-up fit of `buffer`, computed elsewhere (see warmupBufferFilledBy): used when the
   * warm-up completes on exactly these points, else ignored (the engine fits them itself).
   */
  provideWarmupFit(buffer: PointBatch, fit: WarmupFit): void {
    this.providedWarmup = { buffer, fit };
  }

  /** Fix the dimension before any point arrives (the binary format carries it in a header). */
  setDimension(dim: number): void {
    const known = this.dimension;
    if (known !== null && known !== dim) throw new IncompatibleStateError(`dimension is ${known}, not ${dim}`);
    if (known === null) this.phase = { kind: 'warming-up', dim, buffer: [], count: 0 };
  }

  /**
   * Validate and ingest raw points (arrays with numbers, and null or NaN where missing).
   * `onUpdate` hears every stepwise update this call makes.
   */
  ingestRows(rows: readonly unknown[], onUpdate?: UpdateListener): readonly IndexedRejection[] {
    let dim = this.dimension;
    if (dim === null) {
      dim = inferDimension(rows, this.options.maxAbsValue);
      if (dim === null) return this.rejectAll(rows);
      this.setDimension(dim);
    }
    const { batch, rejected } = validateRows(rows, dim, this.options.maxAbsValue);
    this.counters.rejected += rejected.length;
    this.withListener(onUpdate, () => this.ingestValid(batch));
    return rejected;
  }

  /** Validate and ingest n×dim float64 rows (NaN where missing); `data` may be modified. */
  ingestFloat64(data: Float64Array, dim: number, onUpdate?: UpdateListener): readonly IndexedRejection[] {
    if (this.dimension === null) this.setDimension(dim);
    if (dim !== this.dimension) {
      const message = `expected ${this.dimension} coordinates, got ${dim}`;
      const rejected = Array.from({ length: Math.floor(data.length / dim) }, (_, index) => ({ index, code: 'wrong-dimension' as const, message }));
      this.counters.rejected += rejected.length;
      return rejected;
    }
    const { batch, rejected } = validateFloat64Rows(data, dim, this.options.maxAbsValue);
    this.counters.rejected += rejected.length;
    this.withListener(onUpdate, () => this.ingestValid(batch));
    return rejected;
  }

  /**
   * The input has ended: fit on a short warm-up if still warming up, and update on the
   * last, partial minibatch. Not for a pause (a restart would then batch differently).
   */
  flush(onUpdate?: UpdateListener): void {
    this.withListener(onUpdate, () => {
      const p = this.phase;
      // A fixed K needs K points at least (as scikit-learn asks): fewer leave no model, rather
      // than one of duplicated components. With auto, K is chosen among those the points allow.
      const o = this.options;
      const enough = o.maxComponents === null ? o.components : Math.min(o.components, 2);
      if (p.kind === 'warming-up' && p.count >= enough) this.initialise(p);
      const f = this.phase;
      if (f.kind === 'fitting' && f.assembler.pendingCount > 0) this.update(f, f.assembler.takePending());
    });
  }

  /**
   * The last `count` points waiting for a full minibatch, scored now under the working
   * parameters: the same the update of their minibatch will score them with, since no update
   * comes before it (test-then-train, known at once). Null while there is no model.
   */
  scorePendingTail(count: number): Pick<EStepResult, 'n' | 'logLik' | 'resp'> | null {
    const p = this.phase;
    if (p.kind !== 'fitting' || count === 0) return null;
    const pending = p.assembler.pendingCount;
    if (count > pending) throw new RangeError(`${count} points asked for, ${pending} pending`);
    const e = eStep(p.factors, p.assembler.pendingRows(pending - count, pending));
    this.keepPendingScores(p, pending - count, e);
    return e;
  }

  /**
   * Keep the E-step of waiting points [from, from + e.n) for their update, when it extends
   * the kept ones [0, from) under the same factors (a tail scored after a gap is not kept).
   */
  private keepPendingScores(p: Fitting, from: number, e: Pick<EStepResult, 'n' | 'logLik' | 'resp'>): void {
    const K = p.factors.k;
    const size = this.options.batchSize;
    // The buffers live as long as the phase: a minibatch never has more waiting points.
    const kept = (p.pendingScores ??= { factors: p.factors, rows: 0, resp: new Float64Array(size * K), logLik: new Float64Array(size) });
    if (from === 0) {
      kept.factors = p.factors;
      kept.rows = 0;
    }
    if (kept.factors !== p.factors || kept.rows !== from) return;
    kept.resp.set(e.resp.subarray(0, e.n * K), from * K);
    kept.logLik.set(e.logLik.subarray(0, e.n), from);
    kept.rows = from + e.n;
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
      changes: this.change?.changes ?? 0,
      lastChangeAt: this.change?.lastChangeAt ?? null,
      ...(this.selection ? { selection: this.selection } : {}),
      health: {
        reseeds: this.counters.reseeds,
        jitterEvents: this.counters.jitterEvents,
        skippedBatches: this.counters.skippedBatches,
      },
      createdAt: now.toISOString(),
    };
  }

  exportState(): EngineState {
    const p = this.phase;
    const fitting = p.kind === 'fitting' ? p : null;
    return {
      version: 1,
      k: this.options.components,
      covarianceType: this.options.covarianceType,
      dim: this.dimension,
      warmupPoints: p.kind === 'warming-up' ? concatBatches(p.buffer, p.dim).data : new Float64Array(0),
      pendingPoints: fitting ? fitting.assembler.pending().data : new Float64Array(0),
      stats: fitting
        ? { reference: fitting.stats.reference.slice(), s0: fitting.stats.s0.slice(), s1: fitting.stats.s1.slice(), s2: fitting.stats.s2.slice() }
        : null,
      averaged: fitting?.averaged
        ? { s0: fitting.averaged.stats.s0.slice(), s1: fitting.averaged.stats.s1.slice(), s2: fitting.averaged.stats.s2.slice() }
        : null,
      averagedUpdates: fitting?.averaged?.updates ?? 0,
      pointsInStats: this.pointsInStats,
      counters: { ...this.counters },
      lastStepSize: this.lastStepSize,
      monitor: this.monitor.state(),
      ...(this.change ? { change: this.change.state() } : {}),
      ...(this.selection ? { selection: this.selection } : {}),
    };
  }

  /**
   * Resume from a checkpoint: sets the phase, the statistics and the counters as they
   * were. A malformed state (say, one through JSON.stringify: decode that with
   * decodeEngineState) raises IncompatibleStateError naming the field. The model's shape must match; other options may change. The buffered points
   * (warm-up, or the partial minibatch) are points not yet in the model: they take the
   * usual way in, so a smaller --warmup or --batch-size applies to them at once.
   */
  static restore(options: OnlineEmOptions, state: EngineState): OnlineEm {
    // A state that went through JSON.stringify without the codec, or was damaged: say which field, not a TypeError later.
    checkEngineState(state);
    const engine = new OnlineEm(options, state.change);
    const { maxComponents } = engine.options;
    // With auto, a checkpoint past the warm-up holds the K it chose (at most MAX).
    if (maxComponents !== null && state.stats && state.k <= maxComponents) engine.adoptComponents(state.k, state.selection ?? null, state.change ?? null);
    const { components: k, covarianceType } = engine.options;
    if (state.k !== k || state.covarianceType !== covarianceType) {
      throw new IncompatibleStateError(
        `the checkpoint holds a ${state.k}-component ${state.covarianceType} model, but ${k} components and ${covarianceType} were configured`,
      );
    }
    if (state.dim !== null && engine.options.dim !== null && state.dim !== engine.options.dim) {
      throw new IncompatibleStateError(`the checkpoint holds a ${state.dim}-dimensional model, but dimension ${engine.options.dim} was configured (--dim)`);
    }
    Object.assign(engine.counters, state.counters);
    engine.lastStepSize = state.lastStepSize;
    engine.monitor.restore(state.monitor);
    engine.pointsInStats = state.pointsInStats;
    if (state.dim === null) return engine;
    const d = state.dim;
    engine.setDimension(d);
    if (state.stats) {
      // Copies: the engine blends its statistics in place and must not write into the checkpoint.
      const stats = cloneStats({ k, dim: d, covarianceType, ...state.stats });
      const averaged =
        state.averaged && engine.options.averaging
          ? { stats: cloneStats({ k, dim: d, covarianceType, reference: state.stats.reference, ...state.averaged }), updates: state.averagedUpdates, params: null }
          : null;
      const pending = state.pendingPoints.length / d;
      engine.startFitting(d, stats, averaged, engine.counters.pointsSeen - pending, false);
    }
    if (state.warmupPoints.length > 0) engine.accept(pointBatch(state.warmupPoints.slice(), d));
    if (state.pendingPoints.length > 0) engine.accept(pointBatch(state.pendingPoints.slice(), d));
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

  private withListener(listener: UpdateListener | undefined, work: () => void): void {
    if (!listener) return work();
    this.listener = listener;
    try {
      work();
    } finally {
      this.listener = null;
    }
  }

  private ingestValid(batch: PointBatch): void {
    if (batch.n === 0) return;
    this.counters.pointsSeen += batch.n;
    this.accept(batch);
  }

  /** Points not yet in the model: into the warm-up buffer until it is full, then minibatches. */
  private accept(batch: PointBatch): void {
    let rest = batch;
    const p = this.phase;
    if (p.kind === 'awaiting-dimension') throw new Error('points before the dimension is known');
    if (p.kind === 'warming-up') {
      const size = this.warmupSize!;
      const take = Math.min(size - p.count, rest.n);
      const d = rest.dim;
      p.buffer.push(pointBatch(rest.data.slice(0, take * d), d));
      p.count += take;
      if (p.count < size) return;
      this.initialise(p, rest.n - take);
      rest = pointBatch(rest.data.subarray(take * d), d);
      if (rest.n === 0) return;
    }
    const f = this.phase as Fitting;
    f.assembler.push(rest, (minibatch) => this.update(f, minibatch));
  }

  /** Batch EM on the warm-up buffer; `notYetBuffered` accepted points follow it. */
  private initialise(warmingUp: WarmingUp, notYetBuffered = 0): void {
    const d = warmingUp.dim;
    const buffer = concatBatches(warmingUp.buffer, d);
    const provided = this.providedWarmup;
    this.providedWarmup = null;
    const { fit, selection } = provided && sameRows(provided.buffer, buffer) ? provided.fit : fitWarmup(buffer, this.options, this.executor);
    if (selection) this.adoptComponents(selection.chosen, selection, null);
    const o = this.options;
    this.counters.reseeds += fit.reseeds + reseedDeadComponents(fit.stats, o.minWeight);
    this.counters.jitterEvents += fit.jitterEvents;
    this.pointsInStats = buffer.n;
    this.startFitting(d, fit.stats, this.warmupAverage(fit.stats, buffer.n), this.counters.pointsSeen - notYetBuffered, true);
  }

  /**
   * The average starts from the warm-up fit, counted as the minibatches its points would fill:
   * it is batch EM's estimate on all of them, and a stream of a few thousand points after a
   * large warm-up (auto's 16,000) would otherwise publish an average of noisy early steps.
   */
  private warmupAverage(stats: SufficientStats, points: number): Averaged | null {
    if (!this.options.averaging) return null;
    return { stats: cloneStats(stats), updates: Math.max(1, Math.floor(points / this.options.batchSize)), params: null };
  }

  private startFitting(dim: number, stats: SufficientStats, averaged: Averaged | null, pointsBeforePending: number, countJitter: boolean): void {
    const m = this.executor.mStep(stats, this.options.regCovar);
    if (countJitter) this.counters.jitterEvents += m.jitterEvents;
    this.phase = {
      kind: 'fitting',
      dim,
      assembler: new MinibatchAssembler(dim, this.options.batchSize),
      stats,
      params: m.params,
      factors: m.factors,
      averaged,
      pointsBeforePending,
      pendingScores: null,
    };
  }

  /** One stepwise update: score (prequential), blend, re-seed, M-step; a non-finite result is discarded. */
  private update(f: Fitting, minibatch: PointBatch): void {
    const o = this.options;
    // Timed only for a listener: the clock is read twice per minibatch then, never otherwise.
    const started = this.listener ? performance.now() : 0;
    const firstPoint = f.pointsBeforePending;
    f.pointsBeforePending += minibatch.n;
    let e: BatchScores | null = null;
    let scored: BatchScores | null = null;
    let skipped = false;
    try {
      // The E-step and the minibatch's statistics ŝ, chunk by chunk (on the executor's threads);
      // the waiting points scored already (scorePendingTail) are not scored again.
      const kept = f.pendingScores;
      const known = kept && kept.factors === f.factors && kept.rows > 0 ? { rows: kept.rows, resp: kept.resp, logLik: kept.logLik } : null;
      // Whatever this update gives, the waiting points it took are no longer waiting.
      if (kept) kept.rows = 0;
      const pointsIncluded = this.pointsInStats + minibatch.n;
      const scheduled = stepSize(o.schedule, minibatch.n, o.batchSize, pointsIncluded);
      // Without change recovery nothing the E-step finds changes η: the executor may blend and
      // factor in the E-step's job (the M-step off this thread, at 2 threads and more).
      const following = this.change ? null : { stats: f.stats, eta: scheduled, regCovar: o.regCovar };
      const chunked = this.executor.run(f.factors, minibatch, f.stats.reference, known, following);
      e = chunked;
      // The minibatch's score is the incumbent's (test-then-train), even when a challenger takes over on it.
      scored = e;
      // A challenger fitted after a change may take over here, before this minibatch's update.
      const adoption = this.change?.beforeUpdate(minibatch, e, this.warmupSize!, firstPoint + minibatch.n) ?? null;
      if (adoption) {
        f.stats = adoption.stats;
        f.params = adoption.params;
        f.factors = adoption.factors;
        f.averaged = null;
        e = adoption.e;
        this.pointsInStats = adoption.points;
        this.counters.jitterEvents += adoption.jitterEvents;
        this.counters.reseeds += adoption.reseeds;
      }
      const batchStats = adoption ? expectedStatistics(minibatch, adoption.e, f.factors.means, f.stats.reference, o.covarianceType) : chunked.stats;
      const eta = this.change ? this.change.stepSize(scheduled, minibatch.n) : scheduled;
      const next = chunked.blended?.stats ?? blendedStats(f.stats, batchStats, eta);
      if (!statsAreFinite(next)) throw new Error('the blended statistics are not finite');
      const reseeds = reseedDeadComponents(next, o.minWeight) + (this.change?.reseedStranded(e, next, (stats, dead, from) => splitInto(stats, from, dead)) ?? 0);
      // The M-step and its factors (full covariances: component by component on the executor's threads).
      // A re-seed changed the blended statistics after their M-step in the job: run it again.
      const m = (reseeds === 0 ? chunked.blended?.model() : null) ?? this.executor.mStep(next, o.regCovar);
      const logLik = mean(scored.logLik);
      if (!Number.isFinite(logLik)) throw new Error('the batch log-likelihood is not finite');
      f.stats = next;
      f.params = m.params;
      f.factors = m.factors;
      this.pointsInStats = pointsIncluded;
      this.lastStepSize = eta;
      this.counters.reseeds += reseeds;
      this.counters.jitterEvents += m.jitterEvents;
      this.monitor.record(logLik, minibatch.n);
      this.average(f, next, reseeds > 0 || adoption !== null);
    } catch (error) {
      // The pool failing is not this minibatch's fault: it ends the ingest call.
      if (error instanceof WorkerPoolError) throw error;
      skipped = true;
      this.counters.skippedBatches++;
      this.lastFailure = error instanceof Error ? error.message : String(error);
    }
    this.counters.batches++;
    // Outside the try: a listener's throw is the caller's error, not a skipped update.
    if (scored && this.listener) this.listener({ firstPoint, n: minibatch.n, k: o.components, logLik: scored.logLik, resp: scored.resp, skipped, durationMs: performance.now() - started });
  }

  /**
   * Polynomial-decay averaging of the statistics (Polyak–Ruppert; Shamir & Zhang 2013):
   * s̄ ← (1-ρ)s̄ + ρ s with ρ = (γ+1)/(u+γ) after u updates, so the published model keeps
   * the fast movement of a large step size without its noise. A re-seed restarts it.
   */
  private average(f: Fitting, stats: SufficientStats, restart: boolean): void {
    if (!this.options.averaging) return;
    const gamma = AVERAGING_GAMMA;
    if (restart || !f.averaged) {
      f.averaged = { stats: cloneStats(stats), updates: 1, params: null };
      return;
    }
    f.averaged.params = null;
    f.averaged.updates++;
    blendStats(f.averaged.stats, stats, Math.min(1, (gamma + 1) / (f.averaged.updates + gamma)));
  }
}

function sameRows(a: PointBatch, b: PointBatch): boolean {
  if (a.n !== b.n || a.dim !== b.dim) return false;
  const n = a.n * a.dim;
  // Object.is: NaN (a missing coordinate) equals NaN, and 0 is not -0.
  for (let i = 0; i < n; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}
