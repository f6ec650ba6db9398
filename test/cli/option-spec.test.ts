import { describe, expect, it } from 'vitest';
import { parseCommandLine, withSpec, type OptionSpec } from '../../src/cli/option-spec.js';

const SPECS = [
  { name: 'rate', kind: 'number', min: 0, default: 0, env: 'TEST_RATE', description: 'a rate' },
  { name: 'label', kind: 'string', env: 'TEST_LABEL', description: 'a label' },
  { name: 'quiet', kind: 'flag', env: 'TEST_QUIET', description: 'say less' },
] as const satisfies readonly OptionSpec[];

function parse(argv: readonly string[], env: Record<string, string> = {}) {
  const parsed = parseCommandLine(SPECS, argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed;
}

describe('parseCommandLine: explicit values and defaults', () => {
  it('records the options given by flag or environment variable, not those defaulted', () => {
    expect([...parse([]).explicit]).toEqual([]);
    expect([...parse(['--rate', '0']).explicit]).toEqual(['rate']);
    expect([...parse([], { TEST_RATE: '0', TEST_QUIET: 'no' }).explicit].sort()).toEqual(['quiet', 'rate']);
    // An empty variable is no value: the default stands and is not explicit.
    expect([...parse([], { TEST_LABEL: '' }).explicit]).toEqual([]);
  });

  it('an explicit value equal to the default is still explicit', () => {
    const given = parse(['--rate', '0']);
    const defaulted = parse([]);
    expect(given.values.rate).toBe(0);
    expect(defaulted.values.rate).toBe(0);
    expect(given.explicit.has('rate')).toBe(true);
    expect(defaulted.explicit.has('rate')).toBe(false);
  });

  it('a flag not given is false; an option without default is null', () => {
    expect(parse([]).values).toEqual({ rate: 0, label: null, quiet: false });
    expect(parse(['--quiet', '--label', 'x']).values).toEqual({ rate: 0, label: 'x', quiet: true });
  });

  it('--help skips the required options', () => {
    const required = withSpec(SPECS, 'label', { required: true });
    expect(parseCommandLine(required, ['--help']).help).toBe(true);
    expect(() => parseCommandLine(required, [])).toThrow(/--label is required/);
  });
});
