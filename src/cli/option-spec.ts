import { parseArgs } from 'node:util';
import { describeNumber, isNumberInRange, type OptionRange } from '../em/option-range.js';
import { CliError } from './cli-error.js';

export type OptionValue = string | number | boolean | null;

/**
 * One command-line option: its flag, type, range, environment variable and help.
 * A bound set by K (ComponentsBound) is not checked here, where K may be unknown:
 * the engine's resolveOptions checks it.
 */
export interface OptionSpec extends OptionRange {
  /** Flag without the dashes, e.g. `batch-size`. */
  readonly name: string;
  readonly short?: string;
  readonly kind: 'int' | 'number' | 'string' | 'choice' | 'flag';
  readonly choices?: readonly string[];
  /** An int that may also be `auto` or `auto:N` (N in the range): --components. */
  readonly orAuto?: boolean;
  readonly env?: string;
  readonly default?: OptionValue;
  readonly required?: boolean;
  /** Placeholder in the help, e.g. K. */
  readonly valueName?: string;
  readonly description: string;
}

/** The value type of one spec: a number, a flag's boolean, one of the choices, or a text. */
type ValueOfKind<S> = S extends { readonly orAuto: true }
  ? number | `auto` | `auto:${number}`
  : S extends { readonly kind: 'int' | 'number' }
  ? number
  : S extends { readonly kind: 'flag' }
    ? boolean
    : S extends { readonly kind: 'choice'; readonly choices: readonly (infer C)[] }
      ? C
      : string;

/** A flag, a required option and one with a default always have a value; the others are null when not given. */
type ValueOf<S> = S extends { readonly kind: 'flag' } | { readonly required: true } | { readonly default: string | number | boolean }
  ? ValueOfKind<S>
  : ValueOfKind<S> | null;

export type OptionName<S extends readonly OptionSpec[]> = S[number]['name'];

/** The parsed values of a spec list, by flag name, each of its spec's type. */
export type OptionValues<S extends readonly OptionSpec[]> = { readonly [Spec in S[number] as Spec['name']]: ValueOf<Spec> };

export type ParsedCommandLine<S extends readonly OptionSpec[]> =
  | { readonly help: true; readonly positionals: readonly string[] }
  | {
      readonly help: false;
      readonly values: OptionValues<S>;
      /** The options given by flag or environment variable; the others have their defaults (or null). */
      readonly explicit: ReadonlySet<OptionName<S>>;
      readonly positionals: readonly string[];
    };

type UntypedCommandLine =
  | { readonly help: true; readonly positionals: readonly string[] }
  | { readonly help: false; readonly values: Record<string, OptionValue>; readonly explicit: ReadonlySet<string>; readonly positionals: readonly string[] };

/**
 * Parse argv against the specs: flag, then environment variable, then default.
 * Every problem is a CliError naming the option and what it accepts. With --help,
 * only `help` and the positionals: a required option may be missing.
 */
export function parseCommandLine<const S extends readonly OptionSpec[]>(
  specs: S,
  argv: readonly string[],
  env?: Readonly<Record<string, string | undefined>>,
): ParsedCommandLine<S>;
// Untyped inside: each value is converted by its spec's kind (its default, or null, when absent), as OptionValues<S> says.
export function parseCommandLine(specs: readonly OptionSpec[], argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): UntypedCommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const spec of specs) {
    options[spec.name] = { type: spec.kind === 'flag' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(specs, argv), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(cleanParseError(error, specs));
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  if (raw.help === true) return { help: true, positionals: parsed.positionals };
  const values: Record<string, OptionValue> = {};
  const explicit = new Set<string>();
  for (const spec of specs) {
    const given = raw[spec.name];
    // An empty variable counts as unset: `ONLINE_EM_SEED= online-em ...` keeps the default.
    const fromEnv = spec.env && env[spec.env] !== '' ? env[spec.env] : undefined;
    if (given !== undefined) values[spec.name] = convert(spec, given, `--${spec.name}`);
    else if (fromEnv !== undefined) values[spec.name] = convert(spec, fromEnv, `${spec.env} (--${spec.name})`);
    else values[spec.name] = spec.default ?? (spec.kind === 'flag' ? false : null);
    if (given !== undefined || fromEnv !== undefined) explicit.add(spec.name);
  }
  for (const spec of specs) {
    if (spec.required && values[spec.name] === null) throw new CliError(requiredMessage(spec));
  }
  return { help: false, values, explicit, positionals: parsed.positionals };
}

/**
 * The specs with the one named `name` changed by `patch`, e.g. made required; the
 * value types follow (a required option is never null).
 */
export function withSpec<const S extends readonly OptionSpec[], N extends OptionName<S>, const P extends Partial<OptionSpec>>(
  specs: S,
  name: N,
  patch: P,
): readonly WithSpec<S[number], N, P>[];
export function withSpec(specs: readonly OptionSpec[], name: string, patch: Partial<OptionSpec>): readonly OptionSpec[] {
  return specs.map((spec) => (spec.name === name ? { ...spec, ...patch } : spec));
}

type WithSpec<Spec, N, P> = Spec extends { readonly name: N } ? Omit<Spec, keyof P> & P : Spec;

/**
 * `--t0 -1` means the value -1 (parseArgs would take -1 for an option): a numeric
 * option followed by a negative number becomes `--t0=-1`, so the range check can
 * explain what the option accepts.
 */
function joinNegativeValues(specs: readonly OptionSpec[], argv: readonly string[]): string[] {
  const numeric = new Map<string, string>();
  for (const spec of specs) {
    if (spec.kind !== 'int' && spec.kind !== 'number') continue;
    numeric.set(`--${spec.name}`, spec.name);
    if (spec.short) numeric.set(`-${spec.short}`, spec.name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = numeric.get(argv[i]);
    const next = argv[i + 1];
    if (name !== undefined && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

function convert(spec: OptionSpec, input: string | boolean, label: string): OptionValue {
  if (spec.kind === 'flag') {
    if (typeof input === 'boolean') return input;
    if (/^(1|true|yes|on)$/i.test(input)) return true;
    if (/^(0|false|no|off)$/i.test(input)) return false;
    throw new CliError(`${label} must be true or false (got '${input}')`);
  }
  const text = String(input);
  if (spec.kind === 'string') {
    if (text === '') throw new CliError(`${label} must not be empty`);
    return text;
  }
  if (spec.kind === 'choice') {
    if (!spec.choices!.includes(text)) throw new CliError(`${label} must be one of ${spec.choices!.join(', ')} (got '${text}')`);
    return text;
  }
  const auto = spec.orAuto ? /^auto(?::(\d+))?$/.exec(text) : null;
  if (auto && (auto[1] === undefined || isNumberInRange(spec.kind, spec, Number(auto[1]), null))) return text;
  const value = Number(text);
  if (text.trim() === '' || !isNumberInRange(spec.kind, spec, value, null)) {
    throw new CliError(`${label} must be ${describeNumber(spec.kind, spec, null)}${spec.orAuto ? ', auto or auto:MAX (MAX likewise)' : ''} (got '${text}')`);
  }
  return value;
}

function formatDefault(value: OptionValue): string {
  if (typeof value !== 'number' || value === 0) return String(value);
  const magnitude = Math.abs(value);
  // Powers of ten read best as 1e15; other integers (byte sizes) as they are.
  const powerOfTen = Number.isInteger(Math.log10(magnitude));
  return (magnitude >= 1e6 && powerOfTen) || magnitude < 1e-3 ? value.toExponential().replace('e+', 'e') : String(value);
}

/** `--components is required: number of mixture components, an integer from 1 to 1024 (or set ...)`. */
export function requiredMessage(spec: OptionSpec): string {
  return `--${spec.name} is required: ${spec.description}, ${describeAccepted(spec)}${spec.env ? ` (or set ${spec.env})` : ''}`;
}

/** What an option accepts, in words: `an integer from 1 to 1024`, `one of full, diag`. */
function describeAccepted(spec: OptionSpec): string {
  if (spec.kind === 'choice') return `one of ${spec.choices!.join(', ')}`;
  if (spec.kind === 'string') return 'a non-empty text';
  if (spec.kind === 'flag') return 'true or false';
  return describeNumber(spec.kind, spec, null);
}

function cleanParseError(error: unknown, specs: readonly OptionSpec[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]} (see --help)`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) {
    const flag = missing[1].replace(/^-\w, /, '').split(' ')[0];
    const spec = specs.find((s) => `--${s.name}` === flag);
    return `option ${flag} needs a value${spec ? `: ${describeAccepted(spec)}` : ''}`;
  }
  return message.split('\n')[0].replace(/\. To specify.*$/, '');
}

/** The options section of a command's help, one option per line. */
export function formatOptionsHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((spec) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${spec.name}${spec.kind === 'flag' ? '' : ` ${spec.valueName ?? (spec.kind === 'choice' ? spec.choices!.join('|') : spec.kind === 'string' ? 'TEXT' : 'N')}`}`;
    const extras: string[] = [];
    if (spec.default !== undefined && spec.default !== null && spec.kind !== 'flag') extras.push(`default ${formatDefault(spec.default)}`);
    if (spec.env) extras.push(`env ${spec.env}`);
    if (spec.required) extras.push('required');
    return [flag, `${spec.description}${extras.length ? ` (${extras.join('; ')})` : ''}`] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${flag.length >= width ? `\n  ${' '.repeat(width)}` : ''}${text}`).join('\n');
}
