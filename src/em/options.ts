import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import { InvalidOptionError } from './errors.js';
import { describeNumber, isNumberInRange } from './option-range.js';
import { ENGINE_DEFAULTS, ENGINE_OPTION_SCHEMA, type NumericOptionName, type NumericOptionSchema } from './option-schema.js';
import type { StepSizeSchedule } from './step-size.js';
import type { CovarianceType } from './types.js';

/** Options of the online-EM engine; everything but `components` has a default. */
export interface OnlineEmOptions {
  /**
   * K, the number of mixture components; or `auto` (`auto:MAX`, MAX 10 by default): fit
   * K = 1…MAX on the warm-up buffer and keep the one of least BIC (model-selection/).
   */
  readonly components: number | ComponentsAuto;
  readonly covarianceType?: CovarianceType;
  /** Points per minibatch (the unit of one stepwise update). */
  readonly batchSize?: number;
  /** Decaying schedule η_t = (t + t0)^-α. */
  readonly alpha?: number;
  readonly t0?: number;
  /** Floor on the decaying step size (per full minibatch). */
  readonly etaMin?: number;
  /** Half-life in points: switches to forgetting with a constant step size. */
  readonly halfLife?: number | null;
  /** Publish the model of the averaged statistics (decaying schedule only). */
  readonly averaging?: boolean;
  /** λ added to every covariance diagonal, as scikit-learn's reg_covar. */
  readonly regCovar?: number;
  /** Points buffered to initialise; by default it grows with K and d. */
  readonly warmup?: number | null;
  /** k-means++ restarts of the warm-up fit. */
  readonly restarts?: number;
  readonly initMaxIter?: number;
  readonly initTol?: number;
  readonly seed?: number;
  /** A component whose weight falls below this is dead and re-seeded. */
  readonly minWeight?: number;
  /** Points with a coordinate beyond ±this are rejected. */
  readonly maxAbsValue?: number;
  /** Batches in the moving average of the prequential log-likelihood. */
  readonly convergenceWindow?: number;
  /** Change of the moving average (nats/point) below which the fit counts as converged. */
  readonly convergenceTol?: number;
  /**
   * Detect abrupt change in the prequential log-likelihood and recover from it (a challenger
   * fitted to the points since; stranded components re-seeded). `auto`: on whenever the
   * schedule forgets (halfLife, or etaMin > 0).
   */
  readonly changeDetection?: 'auto' | 'on' | 'off';
  /**
   * d, fixed before the first point (null: the first valid point's). A stray first line
   * then cannot set a wrong dimension for the rest; a checkpoint of another d is refused.
   */
  readonly dim?: number | null;
  /**
   * Threads that compute each minibatch's E-step and statistics, and its M-step for large
   * full covariances (this one and threads - 1 workers, parallel/). The results have the same
   * bits for every count.
   */
  readonly threads?: number;
}

/** `--components auto` or `auto:MAX`. */
export type ComponentsAuto = 'auto' | `auto:${number}`;

/** MAX of `--components auto`. */
export const DEFAULT_MAX_COMPONENTS = 10;

export interface ResolvedOptions {
  /** K; with `auto`, MAX until the warm-up has chosen K (the warm-up size and the ranges use it). */
  readonly components: number;
  /** With `auto`: the largest K tried on the warm-up; null for a fixed K. */
  readonly maxComponents: number | null;
  readonly covarianceType: CovarianceType;
  readonly batchSize: number;
  readonly schedule: StepSizeSchedule;
  readonly averaging: boolean;
  readonly regCovar: number;
  readonly warmup: number | null;
  readonly restarts: number;
  readonly initMaxIter: number;
  readonly initTol: number;
  readonly seed: number;
  readonly minWeight: number;
  readonly maxAbsValue: number;
  readonly convergenceWindow: number;
  readonly convergenceTol: number;
  /** Change detection and recovery run (resolved from `auto`). */
  readonly changeDetection: boolean;
  /** The configured dimension, or null to take the first valid point's. */
  readonly dim: number | null;
  readonly threads: number;
}

/** The fixed defaults, from the options schema. */
export const DEFAULTS = ENGINE_DEFAULTS;

/** Check every option against ENGINE_OPTION_SCHEMA, fill the defaults and choose the step-size schedule. */
export function resolveOptions(o: OnlineEmOptions): ResolvedOptions {
  // K first: the ranges of warmup and minWeight are set by it (with auto, by MAX).
  const maxComponents = autoComponents(o.components);
  const components = numberOption('components', maxComponents ?? (o.components as number), null);
  const k = components;
  const covarianceType = o.covarianceType ?? DEFAULTS.covarianceType;
  const { choices } = ENGINE_OPTION_SCHEMA.covarianceType;
  if (!choices.includes(covarianceType)) {
    throw new InvalidOptionError('covarianceType', `must be one of ${choices.join(', ')}, got ${String(covarianceType)}`);
  }
  // Every given value is checked, also those the chosen schedule does not use.
  const alpha = numberOption('alpha', o.alpha, k);
  const t0 = numberOption('t0', o.t0, k);
  const etaMin = numberOption('etaMin', o.etaMin, k);
  const halfLife = o.halfLife === undefined || o.halfLife === null ? null : numberOption('halfLife', o.halfLife, k);
  const schedule: StepSizeSchedule = halfLife !== null ? { kind: 'forgetting', halfLife } : { kind: 'decaying', alpha, t0, etaMin };
  return {
    components,
    maxComponents,
    covarianceType,
    batchSize: numberOption('batchSize', o.batchSize, k),
    schedule,
    averaging: o.averaging ?? schedule.kind === 'decaying',
    regCovar: numberOption('regCovar', o.regCovar, k),
    warmup: o.warmup === undefined || o.warmup === null ? null : numberOption('warmup', o.warmup, k),
    restarts: numberOption('restarts', o.restarts, k),
    initMaxIter: numberOption('initMaxIter', o.initMaxIter, k),
    initTol: numberOption('initTol', o.initTol, k),
    seed: numberOption('seed', o.seed, k),
    minWeight: numberOption('minWeight', o.minWeight, k),
    maxAbsValue: numberOption('maxAbsValue', o.maxAbsValue, k),
    convergenceWindow: numberOption('convergenceWindow', o.convergenceWindow, k),
    convergenceTol: numberOption('convergenceTol', o.convergenceTol, k),
    changeDetection: changeDetectionOn(o.changeDetection, schedule),
    dim: o.dim === undefined || o.dim === null ? null : numberOption('dim', o.dim, k),
    threads: numberOption('threads', o.threads, k),
  };
}

/** MAX of `auto` / `auto:MAX`; null for a number (checked as K by the caller). */
function autoComponents(value: OnlineEmOptions['components']): number | null {
  if (typeof value !== 'string') return null;
  const match = /^auto(?::(\d+))?$/.exec(value);
  if (!match) throw new InvalidOptionError('components', `must be an integer, auto or auto:MAX, got ${JSON.stringify(value)}`);
  return match[1] === undefined ? DEFAULT_MAX_COMPONENTS : Number(match[1]);
}

/** Whether change detection runs: as asked, or (auto) whenever the schedule forgets. */
function changeDetectionOn(asked: OnlineEmOptions['changeDetection'], schedule: StepSizeSchedule): boolean {
  const value = asked ?? DEFAULTS.changeDetection;
  const { choices } = ENGINE_OPTION_SCHEMA.changeDetection;
  if (!choices.includes(value)) throw new InvalidOptionError('changeDetection', `must be one of ${choices.join(', ')}, got ${String(value)}`);
  if (value !== 'auto') return value === 'on';
  return schedule.kind === 'forgetting' || schedule.etaMin > 0;
}

/**
 * The points a half-life of the schedule spans: the forgetting half-life, or for a floored
 * decaying schedule the half-life of its floor (η_min per minibatch of B points); null for
 * a schedule that never forgets.
 */
export function scheduleHalfLife(schedule: StepSizeSchedule, batchSize: number): number | null {
  if (schedule.kind === 'forgetting') return schedule.halfLife;
  return schedule.etaMin > 0 ? (batchSize * Math.LN2) / -Math.log1p(-schedule.etaMin) : null;
}

/**
 * The least default warm-up per type. Tied has few parameters but a harder start: on bench's
 * synthetic d = 5, K = 4 set its screened restarts on 1,000 points ended 0.2 nats/point
 * below the best basin for 1 to 3 seeds of 6, on 4,000 points for none.
 */
const MIN_DEFAULT_WARMUP: Readonly<Record<CovarianceType, number>> = { full: 1_000, diag: 1_000, spherical: 1_000, tied: 4_000 };

/**
 * Warm-up size when none is given: about 10 points per free parameter of the
 * mixture, at least 1,000 (tied: 4,000) and at most 20,000, so the initial batch EM
 * is well posed yet cheap.
 */
export function defaultWarmup(k: number, d: number, covarianceType: CovarianceType): number {
  const parameters = k * (d + 1) + COVARIANCE_MODELS[covarianceType].parameterCount(k, d);
  return Math.min(20_000, Math.max(MIN_DEFAULT_WARMUP[covarianceType], 10 * parameters));
}

/** The value, or the schema's default when absent, checked against the option's range (K: null while unknown). */
function numberOption(option: NumericOptionName, value: number | undefined, k: number | null): number {
  const schema: NumericOptionSchema = ENGINE_OPTION_SCHEMA[option];
  const v: unknown = value ?? schema.default;
  if (!isNumberInRange(schema.kind, schema, v, k)) {
    throw new InvalidOptionError(option, `must be ${describeNumber(schema.kind, schema, k)}, got ${String(v)}`);
  }
  return v;
}
