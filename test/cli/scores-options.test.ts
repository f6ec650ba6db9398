import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/option-spec.js';
import { processorConfig, RUN_SPECS } from '../../src/cli/run-command.js';
import { scoresCompression } from '../../src/cli/scores-options.js';
import type { ProcessorConfig } from '../../src/kafka/processor-types.js';

const CONNECTION = { brokers: ['127.0.0.1:9092'], clientId: 'c', securityProtocol: 'PLAINTEXT', sasl: null, tls: null } as const;

function config(args: string[], env: Record<string, string> = {}): ProcessorConfig {
  const parsed = parseCommandLine(RUN_SPECS, ['--brokers', 'b:9092', '-k', '2', ...args], env);
  if (parsed.help) throw new Error('help');
  return processorConfig(parsed, CONNECTION, false);
}

describe('run: the scores topic options', () => {
  it('are off without --scores-topic', () => {
    const c = config([]);
    expect(c.scores).toBeNull();
    expect(c.topics.scores).toBeUndefined();
  });

  it('default to JSON and the 0.001 quantile over max(20000, 100/q) points', () => {
    expect(config(['--scores-topic', 's'])).toMatchObject({ topics: { scores: 's' }, scores: { format: 'json', compression: 'zstd', anomaly: { kind: 'quantile', quantile: 0.001, window: 100_000 } } });
    expect(config(['--scores-topic', 's', '--anomaly-quantile', '0.05']).scores?.anomaly).toEqual({ kind: 'quantile', quantile: 0.05, window: 20_000 });
  });

  it('take the binary form, a window, a fixed threshold, and their variables', () => {
    expect(config(['--scores-topic', 's', '--scores-format', 'binary', '--anomaly-window', '5000']).scores).toEqual({
      format: 'binary',
      compression: 'zstd',
      anomaly: { kind: 'quantile', quantile: 0.001, window: 5000 },
      responsibilities: true,
    });
    expect(config([], { ONLINE_EM_SCORES_TOPIC: 's', ONLINE_EM_ANOMALY_THRESHOLD: '-12.5' }).scores).toEqual({ format: 'json', compression: 'zstd', anomaly: { kind: 'fixed', threshold: -12.5 }, responsibilities: true });
    expect(config(['--scores-topic', 's', '--scores-compression', 'none']).scores?.compression).toBe('none');
    expect(config([], { ONLINE_EM_SCORES_TOPIC: 's', ONLINE_EM_SCORES_COMPRESSION: 'none' }).scores?.compression).toBe('none');
    expect(config(['--scores-topic', 's', '--scores-responsibilities', 'off']).scores?.responsibilities).toBe(false);
    expect(config([], { ONLINE_EM_SCORES_TOPIC: 's', ONLINE_EM_SCORES_RESPONSIBILITIES: 'off' }).scores?.responsibilities).toBe(false);
  });

  it('refuse, in one line each, what cannot apply', () => {
    expect(() => config(['--anomaly-quantile', '0.01'])).toThrow(/^--anomaly-quantile applies to the scores topic only: add --scores-topic TOPIC$/);
    expect(() => config(['--scores-topic', 's', '--anomaly-threshold', '-3', '--anomaly-quantile', '0.01'])).toThrow(/--anomaly-threshold is a fixed threshold/);
    expect(() => config(['--scores-topic', 's', '--keyed'])).toThrow(/--scores-topic is not available with --keyed/);
    expect(() => config(['--scores-topic', 's', '-k', 'auto:6'])).toThrow(/^--scores-topic needs a fixed --components K/);
    expect(config(['-k', 'auto:6']).scores).toBeNull();
    expect(() => config(['--scores-topic', 's', '--anomaly-quantile', '0.9'])).toThrow(/--anomaly-quantile must be/);
    expect(() => config(['--scores-topic', 's', '--scores-format', 'xml'])).toThrow(/--scores-format must be one of json, binary/);
    expect(() => config(['--scores-topic', 's', '--scores-compression', 'gzip'])).toThrow(/--scores-compression must be one of zstd, none/);
    expect(() => config(['--scores-compression', 'none'])).toThrow(/^--scores-compression applies to the scores topic only/);
    expect(() => config(['--scores-responsibilities', 'off'])).toThrow(/^--scores-responsibilities applies to the scores topic only/);
    expect(() => config(['--scores-topic', 's', '--scores-responsibilities', 'no'])).toThrow(/--scores-responsibilities must be one of on, off/);
  });
});

describe('run: the scores compression on a Node without zstd', () => {
  it('falls back to none by default, and refuses an explicit zstd in one line', () => {
    expect(scoresCompression('zstd', false, true)).toBe('zstd');
    expect(scoresCompression('zstd', false, false)).toBe('none');
    expect(scoresCompression('none', true, false)).toBe('none');
    expect(() => scoresCompression('zstd', true, false)).toThrow(/^--scores-compression zstd needs Node\.js 22\.15 or newer \(this is v[\d.]+\): run on Node 24, or pass --scores-compression none$/);
  });
});
