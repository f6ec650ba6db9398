import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import { InvalidOptionError } from './errors.js';
import { DEFAULT_MAX_ABS_VALUE } from './point-validation.js';
import type { StepSizeSchedule } from './step-size.js';
import { COVARIANCE_TYPES, type CovarianceType } from './types.js';

/** Options of the online-EM engine; everything but `components` has a default. */
export interface OnlineEmOptions {
  /** K, the number of mixture components. */
  readonly components: number;
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
}

export interface ResolvedOptions {
  readonly components: number;
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
}

export const DEFAULTS = {
  covarianceType: 'full' as CovarianceType,
  batchSize: 200,
  alpha: 0.6,
  t0: 2,
  etaMin: 0,
  regCovar: 1e-6,
  restarts: 10,
  initMaxIter: 300,
  initTol: 1e-5,
  seed: 0,
  minWeight: 1e-4,
  maxAbsValue: DEFAULT_MAX_ABS_VALUE,
  convergenceWindow: 20,
  convergenceTol: 1e-3,
};

export function resolveOptions(o: OnlineEmOptions): ResolvedOptions {
  const components = integer('components', o.components, 1, 1024);
  const covarianceType = o.covarianceType ?? DEFAULTS.covarianceType;
  if (!COVARIANCE_TYPES.includes(covarianceType)) {
    throw new InvalidOptionError('covarianceType', `must be one of ${COVARIANCE_TYPES.join(', ')}, got ${String(covarianceType)}`);
  }
  const batchSize = integer('batchSize', o.batchSize ?? DEFAULTS.batchSize, 1, 1_000_000);
  let schedule: StepSizeSchedule;
  if (o.halfLife !== undefined && o.halfLife !== null) {
    schedule = { kind: 'forgetting', halfLife: positive('halfLife', o.halfLife) };
  } else {
    const alpha = number('alpha', o.alpha ?? DEFAULTS.alpha);
    if (!(alpha > 0.5 && alpha <= 1)) throw new InvalidOptionError('alpha', `must be in (0.5, 1], got ${alpha}`);
    const t0 = number('t0', o.t0 ?? DEFAULTS.t0);
    if (!(t0 >= 0)) throw new InvalidOptionError('t0', `must be >= 0, got ${t0}`);
    const etaMin = number('etaMin', o.etaMin ?? DEFAULTS.etaMin);
    if (!(etaMin >= 0 && etaMin < 1)) throw new InvalidOptionError('etaMin', `must be in [0, 1), got ${etaMin}`);
    schedule = { kind: 'decaying', alpha, t0, etaMin };
  }
  const regCovar = number('regCovar', o.regCovar ?? DEFAULTS.regCovar);
  if (!(regCovar >= 0)) throw new InvalidOptionError('regCovar', `must be >= 0, got ${regCovar}`);
  const warmup = o.warmup === undefined || o.warmup === null ? null : integer('warmup', o.warmup, components, 10_000_000);
  const minWeight = number('minWeight', o.minWeight ?? DEFAULTS.minWeight);
  if (!(minWeight >= 0 && minWeight < 1 / components)) {
    throw new InvalidOptionError('minWeight', `must be in [0, 1/components), got ${minWeight}`);
  }
  return {
    components,
    covarianceType,
    batchSize,
    schedule,
    averaging: o.averaging ?? schedule.kind === 'decaying',
    regCovar,
    warmup,
    restarts: integer('restarts', o.restarts ?? DEFAULTS.restarts, 1, 1000),
    initMaxIter: integer('initMaxIter', o.initMaxIter ?? DEFAULTS.initMaxIter, 1, 100_000),
    initTol: positive('initTol', o.initTol ?? DEFAULTS.initTol),
    seed: integer('seed', o.seed ?? DEFAULTS.seed, 0, 2 ** 32 - 1),
    minWeight,
    maxAbsValue: positive('maxAbsValue', o.maxAbsValue ?? DEFAULTS.maxAbsValue),
    convergenceWindow: integer('convergenceWindow', o.convergenceWindow ?? DEFAULTS.convergenceWindow, 1, 100_000),
    convergenceTol: positive('convergenceTol', o.convergenceTol ?? DEFAULTS.convergenceTol),
  };
}

/**
 * Warm-up size when none is given: about 10 points per free parameter of the
 * mixture, at least 1,000 and at most 20,000, so the initial batch EM is well
 * posed yet cheap.
 */
export function defaultWarmup(k: number, d: number, covarianceType: CovarianceType): number {
  const covParams = COVARIANCE_MODELS[covarianceType].parameterCount(d);
  const perComponent = d + covParams + 1;
  return Math.min(20_000, Math.max(1_000, 10 * k * perComponent));
}

function number(option: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidOptionError(option, `must be a finite number, got ${String(v)}`);
  return v;
}

function positive(option: string, v: unknown): number {
  const x = number(option, v);
  if (!(x > 0)) throw new InvalidOptionError(option, `must be > 0, got ${x}`);
  return x;
}

function integer(option: string, v: unknown, min: number, max: number): number {
  const x = number(option, v);
  if (!Number.isInteger(x) || x < min || x > max) {
    throw new InvalidOptionError(option, `must be an integer from ${min} to ${max}, got ${x}`);
  }
  return x;
}
