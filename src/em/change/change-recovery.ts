import { mean } from '../batch-em.js';
import type { ComponentFactors } from '../component-factors.js';
import { reseedDeadComponents } from '../dead-components.js';
import { eStep, type EStepResult, type BatchScores } from '../e-step.js';
import { mStepFactors } from '../m-step-factors.js';
import type { ResolvedOptions } from '../options.js';
import { pointBatch } from '../point-batch.js';
import type { MixtureParams, PointBatch, SufficientStats } from '../types.js';
import { warmStartFit } from '../warm-start-fit.js';
import { ChangeDetector, INITIAL_DETECTOR_STATE, type ChangeDetectorState } from './change-detector.js';

/** What recovery from abrupt change keeps between updates; checkpointed with the engine. */
export interface ChangeState {
  readonly detector: ChangeDetectorState;
  /** Points since the last alarm (row-major), for the challenger; empty when not collecting. */
  readonly challengerPoints: Float64Array;
  readonly collecting: boolean;
  /** Points' worth of mass of an adopted challenger still ramping up (0: no ramp). */
  readonly rampMass: number;
  /** Per component: its recent share of the responsibilities, and for how many points it got (almost) none. */
  readonly activity: Float64Array;
  readonly strandedFor: Float64Array;
  readonly adoptions: number;
}

/** A challenger the newest minibatch preferred: the model restarts from it. */
export interface Adoption {
  readonly stats: SufficientStats;
  readonly params: MixtureParams;
  readonly factors: ComponentFactors;
  /** The minibatch's E-step under the challenger (its update uses it). */
  readonly e: EStepResult;
  readonly jitterEvents: number;
  readonly reseeds: number;
  /** The points it was fitted to: the mass its statistics restart with. */
  readonly points: number;
}

/** A component with less than this fraction of the responsibility its weight predicts is stranded. */
const STRANDED_FRACTION = 0.1;
/** The activity's memory, as a fraction of the half-life: short, so a stranded component shows soon. */
const ACTIVITY_MEMORY = 0.125;

/**
 * Recovery from abrupt change, on top of a forgetting schedule (--half-life, or a decaying
 * one with a floor --eta-min):
 * - a CUSUM on the prequential log-likelihood raises an alarm (ChangeDetector);
 * - the points after it are collected up to a warm-up's worth, and a challenger is fitted
 *   to them as the warm-up is (screened k-means++ restarts, batch EM);
 * - the next minibatch, which neither has seen, decides: if it scores better under the
 *   challenger, the statistics restart from the challenger with the mass of its points,
 *   and the step size ramps down from there (a running average over the points since)
 *   until the schedule's own step is larger: the old regime is gone, and the new one is
 *   learnt as fast as the data allow;
 * - a component that gets almost none of the responsibility its weight predicts for a
 *   whole half-life is stranded, whatever --min-weight says: it is re-seeded by splitting
 *   the component that explains the newest points worst (largest share of -log p).
 * Deterministic: everything it keeps is in its state.
 */
export class ChangeRecovery {
  private readonly detector: ChangeDetector;
  private points: Float64Array[] = [];
  private collected = 0;
  private collecting: boolean;
  private rampMass: number;
  private readonly activity: Float64Array;
  private readonly strandedFor: Float64Array;
  private adoptions: number;

  constructor(
    private readonly o: ResolvedOptions,
    /** Points a half-life spans: the memory of the forgetting schedule. */
    private readonly halfLife: number,
    state: ChangeState | null,
  ) {
    const k = o.components;
    this.detector = new ChangeDetector(state?.detector ?? INITIAL_DETECTOR_STATE);
    this.collecting = state?.collecting ?? false;
    if (state && state.challengerPoints.length > 0) {
      this.points = [state.challengerPoints.slice()];
      this.collected = state.challengerPoints.length;
    }
    this.rampMass = state?.rampMass ?? 0;
    this.activity = state ? state.activity.slice() : new Float64Array(k).fill(1 / k);
    this.strandedFor = state ? state.strandedFor.slice() : new Float64Array(k);
    this.adoptions = state?.adoptions ?? 0;
  }

  get changes(): number {
    return this.detector.changes;
  }

  get lastChangeAt(): number | null {
    return this.detector.lastChangeAt;
  }

  state(): ChangeState {
    return {
      detector: this.detector.state(),
      challengerPoints: concat(this.points),
      collecting: this.collecting,
      rampMass: this.rampMass,
      activity: this.activity.slice(),
      strandedFor: this.strandedFor.slice(),
      adoptions: this.adoptions,
    };
  }

  /**
   * Before a minibatch's update, with its E-step under the incumbent: if a challenger is
   * ready (a warm-up's worth of points since the alarm), fit it and let this minibatch
   * decide; then test for change, and collect this minibatch's points if collecting.
   */
  beforeUpdate(minibatch: PointBatch, e: BatchScores, warmupSize: number, pointsAfter: number): Adoption | null {
    const d = minibatch.dim;
    let adoption: Adoption | null = null;
    if (this.collecting && this.collected >= warmupSize * d) {
      const points = this.points;
      // Cleared first: a challenger fit that throws must not be tried again on every minibatch.
      this.collecting = false;
      this.points = [];
      this.collected = 0;
      adoption = this.challenge(points, minibatch, mean(e.logLik), d);
    }
    if (!adoption && this.detector.observe(e.logLik, e.n, pointsAfter)) {
      this.collecting = true;
      this.points = [];
      this.collected = 0;
    }
    if (this.collecting) {
      this.points.push(minibatch.data.slice(0, minibatch.n * d));
      this.collected += minibatch.n * d;
    }
    return adoption;
  }

  /** The step size for `m` points: the schedule's, or the ramp after an adoption while it is larger. */
  stepSize(eta: number, m: number): number {
    if (this.rampMass <= 0) return eta;
    const ramp = m / (this.rampMass + m);
    if (ramp <= eta) {
      this.rampMass = 0;
      return eta;
    }
    this.rampMass += m;
    return ramp;
  }

  /**
   * After a minibatch's update: follow each component's share of the responsibility, and
   * re-seed those stranded for a whole half-life (in `next`, by `split`). Returns how many.
   */
  reseedStranded(e: BatchScores, next: SufficientStats, split: (stats: SufficientStats, dead: number, from: number) => void): number {
    const K = this.o.components;
    const n = e.n;
    const rho = 1 - Math.pow(2, -n / (ACTIVITY_MEMORY * this.halfLife));
    const share = new Float64Array(K);
    const badness = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      const nll = -e.logLik[i];
      for (let c = 0; c < K; c++) {
        const r = e.resp[i * K + c];
        share[c] += r / n;
        badness[c] += r * nll;
      }
    }
    let total = 0;
    for (let c = 0; c < K; c++) total += next.s0[c];
    let reseeded = 0;
    for (let c = 0; c < K; c++) {
      this.activity[c] += rho * (share[c] - this.activity[c]);
      const weight = next.s0[c] / total;
      this.strandedFor[c] = this.activity[c] < STRANDED_FRACTION * weight ? this.strandedFor[c] + n : 0;
    }
    for (let c = 0; c < K; c++) {
      if (this.strandedFor[c] < this.halfLife || K < 2) continue;
      let from = c === 0 ? 1 : 0;
      for (let j = 0; j < K; j++) if (j !== c && badness[j] > badness[from]) from = j;
      split(next, c, from);
      // The two halves start afresh: each is owed half of the parent's share.
      this.activity[c] = this.activity[from] = this.activity[from] / 2;
      this.strandedFor[c] = this.strandedFor[from] = 0;
      badness[from] /= 2;
      reseeded++;
    }
    return reseeded;
  }

  private challenge(points: readonly Float64Array[], minibatch: PointBatch, incumbent: number, d: number): Adoption | null {
    const buffer = pointBatch(concat(points), d);
    const fit = warmStartFit(buffer, this.o, (this.o.seed + 7919 * (this.adoptions + this.detector.changes)) >>> 0);
    // As the warm-up does: batch EM can leave a component without mass, which the M-step refuses.
    const reseeds = fit.reseeds + reseedDeadComponents(fit.stats, this.o.minWeight);
    const m = mStepFactors(fit.stats, this.o.regCovar);
    const { factors } = m;
    const e = eStep(factors, minibatch);
    const challenger = mean(e.logLik);
    if (!(challenger > incumbent)) return null;
    this.adoptions++;
    this.rampMass = buffer.n;
    // The reference was learnt on the new regime under the old model: learn it again under the new one.
    this.detector.relearn();
    this.activity.fill(1 / this.o.components);
    this.strandedFor.fill(0);
    return { stats: fit.stats, params: m.params, factors, e, jitterEvents: fit.jitterEvents + m.jitterEvents, reseeds, points: buffer.n };
  }
}

/** The collected minibatches' rows, one after another. */
function concat(parts: readonly Float64Array[]): Float64Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
