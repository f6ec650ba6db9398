import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

export type OptionValue = string | number | boolean | null;

/** One command-line option: its flag, type, range, environment variable and help. */
export interface OptionSpec {
  /** Flag without the dashes, e.g. `batch-size`. */
  readonly name: string;
  readonly short?: string;
  readonly kind: 'int' | 'number' | 'string' | 'choice' | 'flag';
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The value must be strictly greater than `min`. */
  readonly exclusiveMin?: boolean;
  readonly env?: string;
  readonly default?: OptionValue;
  readonly required?: boolean;
  /** Placeholder in the help, e.g. K. */
  readonly valueName?: string;
  readonly description: string;
}

export interface ParsedCommandLine {
  readonly values: Readonly<Record<string, OptionValue>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

/**
 * Parse argv against the specs: flag, then environment variable, then default.
 * Every problem is a CliError naming the option and what it accepts.
 */
export function parseCommandLine(
  specs: readonly OptionSpec[],
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommandLine {
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
  const values: Record<string, OptionValue> = {};
  for (const spec of specs) {
    const given = raw[spec.name];
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (given !== undefined) values[spec.name] = convert(spec, given, `--${spec.name}`);
    else if (fromEnv !== undefined && fromEnv !== '') values[spec.name] = convert(spec, fromEnv, `${spec.env} (--${spec.name})`);
    else values[spec.name] = spec.default ?? null;
  }
  const help = raw.help === true;
  if (!help) {
    for (const spec of specs) {
      if (spec.required && values[spec.name] === null) {
        throw new CliError(requiredMessage(spec));
      }
    }
  }
  return { values, positionals: parsed.positionals, help };
}

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
  const value = Number(text);
  const range = describeRange(spec);
  if (text.trim() === '' || !Number.isFinite(value) || (spec.kind === 'int' && !Number.isInteger(value))) {
    throw new CliError(`${label} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}${range} (got '${text}')`);
  }
  const belowMin = spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min);
  if (belowMin || (spec.max !== undefined && value > spec.max)) {
    throw new CliError(`${label} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}${range} (got '${text}')`);
  }
  return value;
}

function describeRange(spec: OptionSpec): string {
  const { min, max, exclusiveMin } = spec;
  if (min !== undefined && max !== undefined) return exclusiveMin ? ` in (${min}, ${max}]` : ` from ${min} to ${max}`;
  if (min !== undefined) return exclusiveMin ? ` > ${min}` : ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
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
  return `${spec.kind === 'int' ? 'an integer' : 'a number'}${describeRange(spec)}`;
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
