import { COMPONENTS, ONE_PER_COMPONENT, type OptionRange } from './option-range.js';
import type { OnlineEmOptions } from './options.js';
import { DEFAULT_MAX_ABS_VALUE } from './point-validation.js';
import { COVARIANCE_TYPES, type CovarianceType } from './types.js';

export interface NumericOptionSchema extends OptionRange {
  readonly kind: 'int' | 'number';
  readonly default?: number;
}

export interface ChoiceOptionSchema {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
}

export interface FlagOptionSchema {
  readonly kind: 'flag';
}

export type OptionSchema = NumericOptionSchema | ChoiceOptionSchema | FlagOptionSchema;

/**
 * Every option of the engine: its type, default and valid range, stated once.
 * resolveOptions validates against it and the CLI's flags are derived from it.
 * An option without a default is required (components) or derived when absent
 * (halfLife: off; warmup: defaultWarmup; averaging: on for the decaying schedule;
 * dim: taken from the first valid point).
 */
export const ENGINE_OPTION_SCHEMA = {
  components: { kind: 'int', min: 1, max: 1024 },
  covarianceType: { kind: 'choice', choices: COVARIANCE_TYPES, default: 'full' as CovarianceType },
  batchSize: { kind: 'int', min: 1, max: 1_000_000, default: 200 },
  alpha: { kind: 'number', min: 0.5, max: 1, exclusiveMin: true, default: 0.6 },
  t0: { kind: 'number', min: 0, default: 2 },
  // η_min = 1 would replace the statistics by each minibatch's: no memory at all.
  etaMin: { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0 },
  halfLife: { kind: 'number', min: 0, exclusiveMin: true },
  averaging: { kind: 'flag' },
  regCovar: { kind: 'number', min: 0, default: 1e-6 },
  warmup: { kind: 'int', min: COMPONENTS, max: 10_000_000 },
  restarts: { kind: 'int', min: 1, max: 1000, default: 10 },
  initMaxIter: { kind: 'int', min: 1, max: 100_000, default: 300 },
  initTol: { kind: 'number', min: 0, exclusiveMin: true, default: 1e-5 },
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1, default: 0 },
  minWeight: { kind: 'number', min: 0, max: ONE_PER_COMPONENT, exclusiveMax: true, default: 1e-4 },
  maxAbsValue: { kind: 'number', min: 0, exclusiveMin: true, default: DEFAULT_MAX_ABS_VALUE },
  convergenceWindow: { kind: 'int', min: 1, max: 100_000, default: 20 },
  convergenceTol: { kind: 'number', min: 0, exclusiveMin: true, default: 1e-3 },
  changeDetection: { kind: 'choice', choices: ['auto', 'on', 'off'], default: 'auto' as 'auto' | 'on' | 'off' },
  // As many coordinates as a binary message may carry (message-format.ts).
  dim: { kind: 'int', min: 1, max: 65536 },
  // The library computes on the calling thread unless told otherwise; the CLI defaults to the cores but one.
  threads: { kind: 'int', min: 1, max: 256, default: 1 },
} as const satisfies { readonly [N in keyof Required<OnlineEmOptions>]: OptionSchema };

type Schema = typeof ENGINE_OPTION_SCHEMA;

export type EngineOptionName = keyof Schema;

/** The options with a number value. */
export type NumericOptionName = { [N in EngineOptionName]: Schema[N] extends { readonly kind: 'int' | 'number' } ? N : never }[EngineOptionName];

/** The options with a fixed default, each with the default's type. */
export type EngineDefaults = {
  readonly [N in EngineOptionName as Schema[N] extends { readonly default: unknown } ? N : never]: Schema[N] extends { readonly default: infer D }
    ? D extends number
      ? number
      : D
    : never;
};

// Untyped inside: the loop keeps exactly the options with a default, as EngineDefaults says.
function defaultsOf(schema: Schema): EngineDefaults;
function defaultsOf(schema: Readonly<Record<string, OptionSchema>>): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(schema)) if ('default' in option) defaults[name] = option.default;
  return defaults;
}

export const ENGINE_DEFAULTS: EngineDefaults = defaultsOf(ENGINE_OPTION_SCHEMA);
