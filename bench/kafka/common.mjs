// Shared by the Kafka bench (run.mjs) and its child processes: the data, the message
// formats, the engine options of `online-em run` and small helpers. Plain ESM over dist/.
import { randomMixture, sampleMixture } from '../../dist/synthetic/mixture-generator.js';
import { binaryHeaders, encodeBinaryPoints, JSON_CONTENT_TYPE, CONTENT_TYPE_HEADER } from '../../dist/kafka/message-format.js';
import { ENGINE_OPTION_SPECS, engineOptionsFrom } from '../../dist/cli/engine-options.js';
import { parseCommandLine } from '../../dist/cli/option-spec.js';
import { RUN_SPECS } from '../../dist/cli/run-command.js';
import { processorConsumerConfig } from '../../dist/kafka/consumer-config.js';

export const DIM = 8;
export const COMPONENTS = 6;
export const POINTS_PER_MESSAGE = 1000;
/** The generating mixture: K = 6 full-covariance components in d = 8. */
export const MIXTURE = randomMixture({ k: COMPONENTS, dim: DIM, seed: 20240607, separation: 3 });

/** Epoch milliseconds with sub-millisecond resolution (comparable across processes and with log timestamps). */
export { nowMs } from './instrument.mjs';

/** The points of message `index` of a stream with seed `seed` (deterministic: every process regenerates the same data). */
export function messagePoints(seed, index, n = POINTS_PER_MESSAGE) {
  return sampleMixture(MIXTURE, n, (seed * 1_000_003 + index) >>> 0).data;
}

/** {"points": [[...], ...]} with full float64 precision, as a producer serialising doubles would write it. */
export function jsonValue(data, dim = DIM) {
  const rows = new Array(data.length / dim);
  for (let i = 0; i < rows.length; i++) rows[i] = Array.from(data.subarray(i * dim, i * dim + dim));
  return Buffer.from(JSON.stringify({ points: rows }));
}

/** A Kafka message of the given format holding `data`. */
export function encodeMessage(format, data) {
  if (format === 'binary') return { value: Buffer.from(encodeBinaryPoints(data)), headers: binaryHeaders(DIM) };
  return { value: jsonValue(data), headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } };
}

/** The engine options `online-em run --components 6` resolves to (every other engine flag at its default). */
export function runEngineOptions() {
  return engineOptionsFrom(parseCommandLine(ENGINE_OPTION_SPECS, ['--components', String(COMPONENTS)], {}).values);
}

/** Consumer settings of the processor as `online-em run` configures it by default, for the bare consumer. */
export function bareConsumerConfig(groupId) {
  return processorConsumerConfig(groupId, RUN_SPECS.find((s) => s.name === 'session-timeout').default);
}

/** A logger for dist's createKafka that drops everything. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, status() {} };
