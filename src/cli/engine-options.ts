import { ENGINE_OPTION_SCHEMA, type EngineOptionName } from '../em/option-schema.js';
import { resolveOptions, type OnlineEmOptions } from '../em/options.js';
import { defaultThreads } from '../em/parallel/executors.js';
import { CliError } from './cli-error.js';
import { requiredMessage, type OptionValues } from './option-spec.js';

/** What the CLI adds to an engine option of the schema: the flag and its help. */
interface EngineFlag {
  readonly name: string;
  readonly short?: string;
  readonly env: string;
  readonly valueName?: string;
  readonly description: string;
}

/** The flag of an engine option: kind, default and range from the schema, the rest from `flag`. */
function engineFlag<const N extends EngineOptionName, const F extends EngineFlag>(option: N, flag: F) {
  return { ...ENGINE_OPTION_SCHEMA[option], ...flag, option };
}

/** The engine's options as flags, shared by `fit` and `run`. */
export const ENGINE_OPTION_SPECS = [
  engineFlag('components', {
    name: 'components',
    short: 'k',
    env: 'ONLINE_EM_COMPONENTS',
    valueName: 'K|auto[:MAX]',
    orAuto: true,
    description: 'number of mixture components; auto: fit K = 1..MAX (default 10) on the warm-up and keep the least BIC',
  }),
  engineFlag('covarianceType', { name: 'covariance', env: 'ONLINE_EM_COVARIANCE', description: 'covariance type of every component' }),
  engineFlag('batchSize', { name: 'batch-size', env: 'ONLINE_EM_BATCH_SIZE', description: 'points per minibatch (one stepwise update)' }),
  engineFlag('alpha', { name: 'alpha', env: 'ONLINE_EM_ALPHA', description: 'decay exponent of the step size eta_t = (t + t0)^-alpha' }),
  engineFlag('t0', { name: 't0', env: 'ONLINE_EM_T0', description: 'offset t0 of the decaying step size' }),
  engineFlag('etaMin', { name: 'eta-min', env: 'ONLINE_EM_ETA_MIN', description: 'floor of the decaying step size (keeps adapting to slow drift)' }),
  engineFlag('halfLife', { name: 'half-life', env: 'ONLINE_EM_HALF_LIFE', valueName: 'POINTS', description: 'forget with this half-life in points (constant step size) instead of decaying' }),
  engineFlag('changeDetection', {
    name: 'change-detection',
    env: 'ONLINE_EM_CHANGE_DETECTION',
    description: 'detect abrupt change in the prequential log-likelihood and recover from it (auto: on with --half-life or --eta-min)',
  }),
  engineFlag('regCovar', { name: 'reg-covar', env: 'ONLINE_EM_REG_COVAR', description: 'added to every covariance diagonal (as scikit-learn reg_covar)' }),
  engineFlag('warmup', { name: 'warmup', env: 'ONLINE_EM_WARMUP', valueName: 'POINTS', description: 'points buffered to initialise, at least K (default: 10 per free parameter, 1,000 to 20,000)' }),
  engineFlag('restarts', { name: 'restarts', env: 'ONLINE_EM_RESTARTS', description: 'k-means++ restarts of the warm-up fit (the best is kept)' }),
  engineFlag('seed', { name: 'seed', env: 'ONLINE_EM_SEED', description: 'seed of every random choice (runs are reproducible)' }),
  engineFlag('minWeight', { name: 'min-weight', env: 'ONLINE_EM_MIN_WEIGHT', description: 'a component lighter than this is dead and re-seeded (below 1/K)' }),
  engineFlag('dim', {
    name: 'dim',
    env: 'ONLINE_EM_DIM',
    valueName: 'D',
    description: 'dimension of the points, fixed from the start (default: that of the first valid point, which a stray first line could get wrong)',
  }),
  engineFlag('threads', {
    name: 'threads',
    env: 'ONLINE_EM_THREADS',
    valueName: 'N',
    // The CLI's default (the library's is 1): the cores but one, at most 8.
    default: defaultThreads(),
    description: 'threads computing each minibatch (the E-step and statistics in fixed chunks; the M-step of large full covariances by component): the same results for every N',
  }),
  engineFlag('maxAbsValue', { name: 'max-abs', env: 'ONLINE_EM_MAX_ABS', description: 'points with a coordinate beyond +-this are rejected' }),
  // The schema's `averaging` is on by default for the decaying schedule: the CLI can only turn it off.
  { name: 'no-averaging', kind: 'flag', env: 'ONLINE_EM_NO_AVERAGING', description: 'publish the last iterate instead of the averaged statistics', option: 'averaging' },
] as const;

export type EngineOptionValues = OptionValues<typeof ENGINE_OPTION_SPECS>;

/**
 * The engine options of a command line, with `overrides` on top (a command's own
 * defaults, for the options not given explicitly), checked by resolveOptions, so a
 * bad value (or one outside a range set by K) fails before anything starts.
 */
export function engineOptionsFrom(values: EngineOptionValues, overrides: Partial<OnlineEmOptions> = {}): OnlineEmOptions {
  const components = overrides.components ?? values.components;
  if (components === null) throw new CliError(requiredMessage(ENGINE_OPTION_SPECS.find((s) => s.option === 'components')!));
  const options: OnlineEmOptions = {
    covarianceType: values.covariance,
    batchSize: values['batch-size'],
    alpha: values.alpha,
    t0: values.t0,
    etaMin: values['eta-min'],
    halfLife: values['half-life'],
    changeDetection: values['change-detection'],
    regCovar: values['reg-covar'],
    warmup: values.warmup,
    restarts: values.restarts,
    seed: values.seed,
    minWeight: values['min-weight'],
    maxAbsValue: values['max-abs'],
    dim: values.dim,
    threads: values.threads,
    ...(values['no-averaging'] ? { averaging: false } : {}),
    ...overrides,
    components,
  };
  resolveOptions(options);
  return options;
}

/** The flag for an engine option named in an InvalidOptionError (camelCase). */
export function flagForOption(option: string): string {
  const spec = ENGINE_OPTION_SPECS.find((s) => s.option === option);
  return `--${spec?.name ?? option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
