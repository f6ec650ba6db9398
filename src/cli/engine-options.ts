import { DEFAULTS, type OnlineEmOptions } from '../em/options.js';
import type { CovarianceType } from '../em/types.js';
import type { OptionSpec, OptionValue } from './option-spec.js';

/** The engine's options as flags, shared by `fit` and `run`. */
export const ENGINE_OPTION_SPECS: readonly OptionSpec[] = [
  { name: 'components', short: 'k', kind: 'int', min: 1, max: 1024, env: 'ONLINE_EM_COMPONENTS', valueName: 'K', description: 'number of mixture components' },
  { name: 'covariance', kind: 'choice', choices: ['full', 'diag', 'spherical'], default: DEFAULTS.covarianceType, env: 'ONLINE_EM_COVARIANCE', description: 'covariance type of every component' },
  { name: 'batch-size', kind: 'int', min: 1, max: 1_000_000, default: DEFAULTS.batchSize, env: 'ONLINE_EM_BATCH_SIZE', description: 'points per minibatch (one stepwise update)' },
  { name: 'alpha', kind: 'number', min: 0.5, max: 1, exclusiveMin: true, default: DEFAULTS.alpha, env: 'ONLINE_EM_ALPHA', description: 'decay exponent of the step size eta_t = (t + t0)^-alpha' },
  { name: 't0', kind: 'number', min: 0, default: DEFAULTS.t0, env: 'ONLINE_EM_T0', description: 'offset t0 of the decaying step size' },
  { name: 'eta-min', kind: 'number', min: 0, max: 0.999999, default: DEFAULTS.etaMin, env: 'ONLINE_EM_ETA_MIN', description: 'floor of the decaying step size (keeps adapting to slow drift)' },
  { name: 'half-life', kind: 'number', min: 0, exclusiveMin: true, env: 'ONLINE_EM_HALF_LIFE', valueName: 'POINTS', description: 'forget with this half-life in points (constant step size) instead of decaying' },
  { name: 'reg-covar', kind: 'number', min: 0, default: DEFAULTS.regCovar, env: 'ONLINE_EM_REG_COVAR', description: 'added to every covariance diagonal (as scikit-learn reg_covar)' },
  { name: 'warmup', kind: 'int', min: 1, env: 'ONLINE_EM_WARMUP', valueName: 'POINTS', description: 'points buffered to initialise (default: 10 per free parameter, 1,000 to 20,000)' },
  { name: 'restarts', kind: 'int', min: 1, max: 1000, default: DEFAULTS.restarts, env: 'ONLINE_EM_RESTARTS', description: 'k-means++ restarts of the warm-up fit (the best is kept)' },
  { name: 'seed', kind: 'int', min: 0, max: 2 ** 32 - 1, default: DEFAULTS.seed, env: 'ONLINE_EM_SEED', description: 'seed of every random choice (runs are reproducible)' },
  { name: 'min-weight', kind: 'number', min: 0, default: DEFAULTS.minWeight, env: 'ONLINE_EM_MIN_WEIGHT', description: 'a component lighter than this is dead and re-seeded' },
  { name: 'max-abs', kind: 'number', min: 0, exclusiveMin: true, default: DEFAULTS.maxAbsValue, env: 'ONLINE_EM_MAX_ABS', description: 'points with a coordinate beyond +-this are rejected' },
  { name: 'no-averaging', kind: 'flag', env: 'ONLINE_EM_NO_AVERAGING', description: 'publish the last iterate instead of the averaged statistics' },
];

export function engineOptionsFrom(values: Readonly<Record<string, OptionValue>>): OnlineEmOptions {
  return {
    components: values.components as number,
    covarianceType: values.covariance as CovarianceType,
    batchSize: values['batch-size'] as number,
    alpha: values.alpha as number,
    t0: values.t0 as number,
    etaMin: values['eta-min'] as number,
    halfLife: values['half-life'] as number | null,
    regCovar: values['reg-covar'] as number,
    warmup: values.warmup as number | null,
    restarts: values.restarts as number,
    seed: values.seed as number,
    minWeight: values['min-weight'] as number,
    maxAbsValue: values['max-abs'] as number,
    ...(values['no-averaging'] === true ? { averaging: false } : {}),
  };
}

/** The flag for an engine option named in an InvalidOptionError (camelCase). */
export function flagForOption(option: string): string {
  const special: Record<string, string> = { covarianceType: 'covariance', maxAbsValue: 'max-abs' };
  return `--${special[option] ?? option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
