import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { ENGINE_OPTION_SPECS, engineOptionsFrom, flagForOption } from '../../src/cli/engine-options.js';
import { FIT_SPECS } from '../../src/cli/fit-command.js';
import { parseCommandLine, type OptionSpec } from '../../src/cli/option-spec.js';
import { processorConfig, RUN_SPECS } from '../../src/cli/run-command.js';
import { InvalidOptionError } from '../../src/em/errors.js';
import type { Bound } from '../../src/em/option-range.js';
import { ENGINE_OPTION_SCHEMA, type NumericOptionSchema } from '../../src/em/option-schema.js';
import { resolveOptions, type OnlineEmOptions } from '../../src/em/options.js';

/**
 * The engine's option ranges are stated once (ENGINE_OPTION_SCHEMA); the library
 * (resolveOptions) and the command line (`fit`, `run`) must accept exactly the same
 * values, including the ranges set by K, and name the option when they refuse one.
 */

/** Accepted, or refused naming a flag (an InvalidOptionError's option as the CLI prints it). */
type Verdict = { accepted: true } | { accepted: false; names: string };

function verdict(run: () => unknown): Verdict {
  try {
    run();
    return { accepted: true };
  } catch (error) {
    if (error instanceof InvalidOptionError) return { accepted: false, names: flagForOption(error.option) };
    if (error instanceof CliError) return { accepted: false, names: /--[a-z0-9-]+/.exec(error.message)?.[0] ?? error.message };
    throw error;
  }
}

function viaLibrary(options: OnlineEmOptions): Verdict {
  return verdict(() => resolveOptions(options));
}

function viaFit(args: readonly string[]): Verdict {
  return verdict(() => {
    const parsed = parseCommandLine(FIT_SPECS, args);
    if (!parsed.help) engineOptionsFrom(parsed.values);
  });
}

function viaRun(args: readonly string[]): Verdict {
  return verdict(() => {
    const parsed = parseCommandLine(RUN_SPECS, ['--brokers', 'localhost:9092', ...args]);
    if (!parsed.help) processorConfig(parsed, { brokers: ['localhost:9092'], clientId: 'c', securityProtocol: 'PLAINTEXT', sasl: null, tls: null }, false);
  });
}

/** Values at each bound of the option for K components, and just either side of it. */
function probes(schema: NumericOptionSchema, k: number): number[] {
  const at = (bound: Bound): number => (typeof bound === 'number' ? bound : bound.ofComponents(k));
  const step = (x: number): number => (schema.kind === 'int' ? 1 : Math.max(Math.abs(x), 1e-3) * 1e-9);
  const edges = [schema.min, schema.max].filter((b): b is Bound => b !== undefined).map(at);
  const values = edges.flatMap((x) => [x - step(x), x, x + step(x)]);
  // Unbounded above: a large value must pass; and a fraction where an integer is wanted must not.
  if (schema.max === undefined) values.push(1e12);
  if (schema.kind === 'int') values.push(edges[0] + 0.5);
  return values;
}

type EngineSpec = (typeof ENGINE_OPTION_SPECS)[number];
const NUMERIC_SPECS = ENGINE_OPTION_SPECS.filter((spec): spec is Extract<EngineSpec, { kind: 'int' | 'number' }> => spec.kind === 'int' || spec.kind === 'number');

describe('engine options: the CLI and the library enforce the same ranges', () => {
  it('every numeric engine flag takes its kind, default and range from the schema', () => {
    for (const spec of NUMERIC_SPECS) {
      const { kind, min, max, exclusiveMin, exclusiveMax }: NumericOptionSchema = ENGINE_OPTION_SCHEMA[spec.option];
      const flag: OptionSpec = spec;
      expect({ kind: flag.kind, min: flag.min, max: flag.max, exclusiveMin: flag.exclusiveMin, exclusiveMax: flag.exclusiveMax }, spec.name).toEqual({
        kind,
        min,
        max,
        exclusiveMin,
        exclusiveMax,
      });
    }
  });

  for (const k of [1, 3, 4]) {
    for (const spec of NUMERIC_SPECS.filter((s) => s.option !== 'components')) {
      it(`--${spec.name} with K = ${k}: accepted and refused alike at every bound`, () => {
        for (const value of probes(ENGINE_OPTION_SCHEMA[spec.option], k)) {
          const library = viaLibrary({ components: k, [spec.option]: value });
          const args = ['-k', String(k), `--${spec.name}=${value}`];
          const expected = library.accepted ? library : { accepted: false, names: `--${spec.name}` };
          expect(library, `resolveOptions ${spec.option} = ${value}`).toEqual(expected);
          expect(viaFit(args), `fit ${args.join(' ')}`).toEqual(expected);
          expect(viaRun(args), `run ${args.join(' ')}`).toEqual(expected);
        }
      });
    }
  }

  it('--components: accepted and refused alike at every bound', () => {
    for (const value of probes(ENGINE_OPTION_SCHEMA.components, 1)) {
      const library = viaLibrary({ components: value });
      const expected = library.accepted ? library : { accepted: false, names: '--components' };
      expect(library, `components = ${value}`).toEqual(expected);
      expect(viaFit([`--components=${value}`]), `fit -k ${value}`).toEqual(expected);
      expect(viaRun([`--components=${value}`]), `run -k ${value}`).toEqual(expected);
    }
  });

  it('the three former disagreements are gone: warmup >= K, minWeight < 1/K, etaMin < 1', () => {
    const cases: [OnlineEmOptions, string[], boolean][] = [
      [{ components: 3, warmup: 2 }, ['-k', '3', '--warmup', '2'], false],
      [{ components: 3, warmup: 3 }, ['-k', '3', '--warmup', '3'], true],
      [{ components: 4, minWeight: 0.25 }, ['-k', '4', '--min-weight', '0.25'], false],
      [{ components: 4, minWeight: 0.2499 }, ['-k', '4', '--min-weight', '0.2499'], true],
      [{ components: 2, etaMin: 0.9999995 }, ['-k', '2', '--eta-min', '0.9999995'], true],
      [{ components: 2, etaMin: 1 }, ['-k', '2', '--eta-min', '1'], false],
    ];
    for (const [options, args, accepted] of cases) {
      expect(viaLibrary(options).accepted, JSON.stringify(options)).toBe(accepted);
      expect(viaFit(args).accepted, `fit ${args.join(' ')}`).toBe(accepted);
      expect(viaRun(args).accepted, `run ${args.join(' ')}`).toBe(accepted);
    }
  });

  it('a value the chosen schedule does not use is still checked (--alpha with --half-life)', () => {
    expect(viaLibrary({ components: 2, halfLife: 100, alpha: 3 })).toEqual({ accepted: false, names: '--alpha' });
    expect(viaFit(['-k', '2', '--half-life', '100', '--alpha', '3'])).toEqual({ accepted: false, names: '--alpha' });
  });

  it('an environment variable is held to the same range as its flag', () => {
    const parsed = parseCommandLine(FIT_SPECS, ['-k', '3'], { ONLINE_EM_WARMUP: '2' });
    expect(parsed.help).toBe(false);
    if (!parsed.help) expect(() => engineOptionsFrom(parsed.values)).toThrow(/warmup: must be an integer from 3 to 10000000, got 2/);
    expect(() => parseCommandLine(FIT_SPECS, ['-k', '3'], { ONLINE_EM_ETA_MIN: '1' })).toThrow(/ONLINE_EM_ETA_MIN \(--eta-min\) must be a number in \[0, 1\)/);
  });
});
