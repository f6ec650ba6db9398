import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/option-spec.js';
import { processorConfig, RUN_SPECS } from '../../src/cli/run-command.js';
import { DEFAULTS } from '../../src/em/options.js';

/** The engine options `run` hands the processor, embedded default or not. */
function engineOf(args: readonly string[], env: Record<string, string> = {}) {
  const embedded = !args.includes('--brokers');
  const parsed = parseCommandLine(RUN_SPECS, args, env);
  if (parsed.help) throw new Error('unexpected --help');
  return processorConfig(parsed, { brokers: ['127.0.0.1:9092'], clientId: 'c', securityProtocol: 'PLAINTEXT', sasl: null, tls: null }, embedded).engine;
}

describe('run: the embedded default\'s engine options', () => {
  it('fits the demo stream with a step-size floor of 0.01 when --eta-min is not given', () => {
    expect(engineOf([])).toMatchObject({ components: 3, etaMin: 0.01 });
  });

  it('keeps an explicit --eta-min 0 (flag or environment), which is not a default', () => {
    expect(engineOf(['--eta-min', '0']).etaMin).toBe(0);
    expect(engineOf([], { ONLINE_EM_ETA_MIN: '0' }).etaMin).toBe(0);
    expect(engineOf(['--eta-min', '0.2']).etaMin).toBe(0.2);
  });

  it('adds no floor to a forgetting schedule, and takes an explicit -k', () => {
    expect(engineOf(['--half-life', '500']).etaMin).toBe(DEFAULTS.etaMin);
    expect(engineOf(['-k', '5']).components).toBe(5);
  });

  it('a run against --brokers has the schema\'s defaults only', () => {
    expect(engineOf(['--brokers', '127.0.0.1:9092', '-k', '2']).etaMin).toBe(DEFAULTS.etaMin);
    expect(() => engineOf(['--brokers', '127.0.0.1:9092'])).toThrow(/--components is required/);
  });
});
