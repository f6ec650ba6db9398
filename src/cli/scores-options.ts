import type { ProcessorConfig } from '../kafka/processor-types.js';
import { zstdAvailable } from '../kafka/compression/zstd-codec.js';
import { defaultAnomalyWindow } from '../score/anomaly-threshold.js';
import { CliError } from './cli-error.js';
import type { OptionSpec } from './option-spec.js';

/** run's options of the scores topic: a scores record per input message, and how anomalies are flagged. */
export const SCORES_SPECS = [
  {
    name: 'scores-topic',
    kind: 'string',
    env: 'ONLINE_EM_SCORES_TOPIC',
    valueName: 'TOPIC',
    description: 'publish a record per input message with each point\'s log-likelihood, component, responsibilities and anomaly flag, scored before the point trains the model (default: off)',
  },
  { name: 'scores-format', kind: 'choice', choices: ['json', 'binary'], default: 'json', env: 'ONLINE_EM_SCORES_FORMAT', description: 'scores records as JSON, or the compact binary form (content-type application/x-online-em-scores)' },
  {
    name: 'scores-compression',
    kind: 'choice',
    choices: ['zstd', 'none'],
    default: 'zstd',
    env: 'ONLINE_EM_SCORES_COMPRESSION',
    description: "the scores topic's record batches: zstd (3–5× smaller; consumers need zstd, which every maintained Kafka client has) or none",
  },
  {
    name: 'scores-responsibilities',
    kind: 'choice',
    choices: ['on', 'off'],
    default: 'on',
    env: 'ONLINE_EM_SCORES_RESPONSIBILITIES',
    description: "each point's responsibilities in the scores records; off: log-likelihood, component and anomaly flag only (binary: 13 bytes a point, a third of the size at K = 6)",
  },
  {
    name: 'anomaly-quantile',
    kind: 'number',
    min: 1e-6,
    max: 0.5,
    default: 0.001,
    env: 'ONLINE_EM_ANOMALY_QUANTILE',
    valueName: 'Q',
    description: 'flag a point whose log-likelihood is below the Q-quantile of recent points\' (a streaming sketch over --anomaly-window points)',
  },
  { name: 'anomaly-window', kind: 'int', min: 100, max: 100_000_000, env: 'ONLINE_EM_ANOMALY_WINDOW', valueName: 'POINTS', description: 'recent points the quantile is estimated over (default max(20000, 100/Q))' },
  { name: 'anomaly-threshold', kind: 'number', env: 'ONLINE_EM_ANOMALY_THRESHOLD', valueName: 'NATS', description: 'flag a point whose log-likelihood is below this fixed value instead of a quantile' },
] as const satisfies readonly OptionSpec[];

interface ScoresValues {
  readonly 'scores-topic': string | null;
  readonly 'scores-format': 'json' | 'binary';
  readonly 'scores-compression': 'zstd' | 'none';
  readonly 'scores-responsibilities': 'on' | 'off';
  readonly 'anomaly-quantile': number;
  readonly 'anomaly-window': number | null;
  readonly 'anomaly-threshold': number | null;
}

/** The scores topic's name and configuration (both null without --scores-topic). */
export function scoresConfigFrom(values: ScoresValues, explicit: ReadonlySet<string>, keyed: boolean): { topic: string | null; scores: ProcessorConfig['scores'] } {
  const topic = values['scores-topic'];
  const anomalyFlags = ['scores-format', 'scores-compression', 'scores-responsibilities', 'anomaly-quantile', 'anomaly-window', 'anomaly-threshold'].filter((name) => explicit.has(name));
  if (topic === null) {
    if (anomalyFlags.length > 0) throw new CliError(`--${anomalyFlags[0]} applies to the scores topic only: add --scores-topic TOPIC`);
    return { topic: null, scores: null };
  }
  if (keyed) throw new CliError('--scores-topic is not available with --keyed yet: score keyed models with a consumer of the snapshot topic and `online-em score`');
  const threshold = values['anomaly-threshold'];
  if (threshold !== null && (explicit.has('anomaly-quantile') || explicit.has('anomaly-window'))) {
    throw new CliError('--anomaly-threshold is a fixed threshold: leave out --anomaly-quantile and --anomaly-window, or drop --anomaly-threshold');
  }
  const quantile = values['anomaly-quantile'];
  return {
    topic,
    scores: {
      format: values['scores-format'],
      compression: scoresCompression(values['scores-compression'], explicit.has('scores-compression'), zstdAvailable()),
      anomaly: threshold !== null ? { kind: 'fixed', threshold } : { kind: 'quantile', quantile, window: values['anomaly-window'] ?? defaultAnomalyWindow(quantile) },
      responsibilities: values['scores-responsibilities'] === 'on',
    },
  };
}

/**
 * The compression asked for; the default zstd falls back to none on a Node without zstd (before
 * 22.15), so that an older Node still runs, and an explicit zstd there is refused in one line.
 */
export function scoresCompression(asked: 'zstd' | 'none', explicit: boolean, haveZstd: boolean): 'zstd' | 'none' {
  if (asked === 'none' || haveZstd) return asked;
  if (explicit) throw new CliError(`--scores-compression zstd needs Node.js 22.15 or newer (this is ${process.version}): run on Node 24, or pass --scores-compression none`);
  return 'none';
}
