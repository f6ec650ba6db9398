import { beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/option-spec.js';
import { DEMO_SCORES_TOPIC, parseRunCommandLine, processorConfig, RUN_SPECS } from '../../src/cli/run-command.js';
import { DEFAULTS } from '../../src/em/options.js';
import { ProcessorProcess } from '../kafka/support/processor-process.js';
import { ensureDistBuilt } from './build-dist.js';
import { runCli } from './run-cli.js';

/** The configuration `run` hands the processor, embedded default or not. */
function configOf(args: readonly string[], env: Record<string, string> = {}) {
  const embedded = !args.includes('--brokers');
  const parsed = parseCommandLine(RUN_SPECS, args, env);
  if (parsed.help) throw new Error('unexpected --help');
  return processorConfig(parsed, { brokers: ['127.0.0.1:9092'], clientId: 'c', securityProtocol: 'PLAINTEXT', sasl: null, tls: null }, embedded);
}

function engineOf(args: readonly string[], env: Record<string, string> = {}) {
  return configOf(args, env).engine;
}

describe('run: the embedded default\'s scores topic', () => {
  it('scores the demo stream to online-em-scores, which its dashboard follows', () => {
    expect(configOf([]).topics.scores).toBe(DEMO_SCORES_TOPIC);
    expect(configOf([]).scores).toMatchObject({ format: 'json', anomaly: { kind: 'quantile', quantile: 0.001 } });
  });

  it('takes an explicit --scores-topic, and has none with --components auto (which a scores topic does not take) or against --brokers', () => {
    expect(configOf(['--scores-topic', 'mine']).topics.scores).toBe('mine');
    expect(configOf(['--components', 'auto']).topics.scores).toBeUndefined();
    expect(configOf(['--brokers', '127.0.0.1:9092', '-k', '2']).topics.scores).toBeUndefined();
  });
});

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

/** What Kubernetes sets in every pod of a namespace with a Service named `kafka`. */
const KUBERNETES_KAFKA_PORT = 'tcp://10.96.0.12:9092';

describe('run: the embedded port\'s variable', () => {
  beforeAll(() => ensureDistBuilt());

  it('is never parsed when the run names its cluster (--brokers, KAFKA_BROKERS or --kafka-config)', () => {
    const env = { KAFKA_PORT: KUBERNETES_KAFKA_PORT, ONLINE_EM_EMBEDDED_PORT: 'abc' };
    for (const [argv, extra] of [
      [['--brokers', '127.0.0.1:1', '-k', '2'], {}],
      [['-k', '2'], { KAFKA_BROKERS: '127.0.0.1:1' }],
      [['--kafka-config', '/nowhere/client.properties', '-k', '2'], {}],
      [['-k', '2'], { ONLINE_EM_KAFKA_CONFIG: '/nowhere/client.properties' }],
    ] as const) {
      const parsed = parseRunCommandLine(argv, { ...env, ...extra });
      if (parsed.help) throw new Error('unexpected --help');
      expect(parsed.explicit.has('embedded-port')).toBe(false);
      expect(parsed.values['embedded-port']).toBe(9092);
    }
  });

  it('is ONLINE_EM_EMBEDDED_PORT for the embedded default, and KAFKA_PORT is not read', () => {
    const port = (env: Record<string, string>): number => {
      const parsed = parseRunCommandLine([], env);
      if (parsed.help) throw new Error('unexpected --help');
      return parsed.values['embedded-port'];
    };
    expect(port({ ONLINE_EM_EMBEDDED_PORT: '9192' })).toBe(9192);
    expect(port({ KAFKA_PORT: KUBERNETES_KAFKA_PORT })).toBe(9092);
    expect(port({ KAFKA_PORT: '9192' })).toBe(9092);
    expect(() => port({ ONLINE_EM_EMBEDDED_PORT: 'abc' })).toThrow(/^ONLINE_EM_EMBEDDED_PORT \(--embedded-port\) must be an integer from 1 to 65534 \(got 'abc'\)$/);
  });

  it('a run with --brokers and KAFKA_PORT=tcp://... in its environment gets as far as trying the broker', async () => {
    const proc = new ProcessorProcess(['--brokers', '127.0.0.1:1', '-k', '2'], { KAFKA_PORT: KUBERNETES_KAFKA_PORT, ONLINE_EM_EMBEDDED_PORT: 'abc' });
    try {
      const failed = await proc.waitForEvent('session-failed', undefined, 60_000);
      expect(failed.error).toMatch(/ECONNREFUSED 127\.0\.0\.1:1/);
    } finally {
      proc.kill('SIGTERM');
    }
    expect((await proc.exited).code).toBe(0);
    expect(proc.output).not.toMatch(/embedded-port|KAFKA_PORT|EMBEDDED_PORT/);
  });

  it('ONLINE_EM_EMBEDDED_PORT=abc stops the embedded default with one line naming the variable', async () => {
    const run = await runCli(['run'], { env: { ONLINE_EM_EMBEDDED_PORT: 'abc' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("online-em: ONLINE_EM_EMBEDDED_PORT (--embedded-port) must be an integer from 1 to 65534 (got 'abc')\n");
  });
});

describe('run --decode-thread', () => {
  const args = ['--brokers', '127.0.0.1:9092', '-k', '2'];
  it('is off by default (on 2 cores beside a broker it cost throughput), on when asked, with --keyed too', () => {
    expect(configOf(args).decodeThread).toBe(false);
    expect(configOf([...args, '--decode-thread', 'on']).decodeThread).toBe(true);
    expect(configOf(args, { ONLINE_EM_DECODE_THREAD: 'on' }).decodeThread).toBe(true);
    expect(configOf([...args, '--decode-thread', 'on', '--keyed']).decodeThread).toBe(true);
    expect(configOf([...args, '--keyed']).decodeThread).toBe(false);
  });

  it('auto takes it from 4 cores', async () => {
    const { availableParallelism } = await import('node:os');
    expect(configOf([...args, '--decode-thread', 'auto']).decodeThread).toBe(availableParallelism() >= 4);
  });
});
