import type { Message, Producer } from 'kafkajs';
import { ENGINE_OPTION_SCHEMA } from '../em/option-schema.js';
import { DEFAULT_MAX_ABS_VALUE } from '../em/point-validation.js';
import { byteSource } from '../io/byte-source.js';
import { PointFileError, readPointChunks } from '../io/point-file.js';
import { RejectionReport } from '../io/rejection-report.js';
import { createKafka, describeKafkaError } from '../kafka/kafka-client.js';
import { tooLargeAdvice, tooLargeType } from '../kafka/record-too-large.js';
import { PointMessageBatcher, type PointMessage } from '../kafka/tools/point-messages.js';
import { PointValidator } from '../kafka/tools/point-validator.js';
import { connectProducer } from '../kafka/tools/producer-connection.js';
import { CliError } from './cli-error.js';
import { CONNECTION_SPECS, connectionFrom } from './connection-options.js';
import { formatOptionsHelp, parseCommandLine, requiredMessage, withSpec, type OptionSpec } from './option-spec.js';
import { POINT_FILE_SPECS, pointFileOptionsFrom } from './point-file-options.js';
import { loggerFrom } from './run-command.js';
import { onShutdownSignals } from './signals.js';

export const PRODUCE_SPECS = [
  ...withSpec(CONNECTION_SPECS, 'brokers', { description: 'Kafka bootstrap servers (required, here or as bootstrap.servers in --kafka-config)' }),
  { name: 'topic', kind: 'string', required: true, description: 'topic to write the points to (created when missing)' },
  { name: 'partitions', kind: 'int', min: 1, max: 10_000, default: 1, description: 'partitions of the topic when it is created' },
  ...POINT_FILE_SPECS,
  { ...ENGINE_OPTION_SCHEMA.dim, name: 'dim', valueName: 'D', description: 'dimension of the points (default: that of the first valid point); points of another are refused' },
  { name: 'key-column', kind: 'string', valueName: 'NAME', description: 'CSV column or NDJSON field whose value is the message key (points are grouped per key)' },
  { name: 'points-per-message', kind: 'int', min: 1, max: 1_000_000, default: 100, description: 'points in each message (of one key)' },
  { name: 'message-format', kind: 'choice', choices: ['json', 'binary'], default: 'json', description: 'message format: {"points": [...]}, or binary little-endian float64 rows' },
  { name: 'rejects', kind: 'string', valueName: 'FILE', description: 'write refused lines as NDJSON {line, epoch, code, message} to FILE instead of stderr' },
] as const satisfies readonly OptionSpec[];

export const PRODUCE_HELP = `Usage: online-em produce --brokers HOST:PORT --topic TOPIC [options] [FILE]

Send the points of FILE (or stdin; NDJSON or CSV, read as 'fit' reads them) to a Kafka
topic, --points-per-message points per message, in order. With --key-column, each
point's message key is that column's value (the points of a key keep their order; a
keyed processor fits a model per key). Points the processor would refuse are refused
here, reported on stderr as 'line N: code: reason', and not sent.

Options:
${formatOptionsHelp(PRODUCE_SPECS)}
  -h, --help                        show this help`;

/** Bytes of message values per produce request: well below the broker's default 1 MiB batch limit. */
const REQUEST_BYTES = 512 * 1024;

export async function produceCommand(argv: readonly string[], io: { stderr: NodeJS.WritableStream } = { stderr: process.stderr }): Promise<number> {
  const parsed = parseCommandLine(PRODUCE_SPECS, argv, process.env);
  if (parsed.help) {
    process.stdout.write(`${PRODUCE_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new CliError(`produce takes at most one FILE (got ${parsed.positionals.length})`);
  const file = parsed.positionals[0] ?? null;
  const v = parsed.values;
  const logger = loggerFrom(v);
  const readOptions = { ...pointFileOptionsFrom(v), keyColumn: v['key-column'] };
  try {
    byteSource(file);
  } catch (error) {
    throw error instanceof PointFileError ? new CliError(error.message) : error;
  }
  const connection = connectionFrom(v, logger);
  if (!connection) throw new CliError(requiredMessage(PRODUCE_SPECS.find((s) => s.name === 'brokers')!));
  const kafka = createKafka({ connection, logger });
  // Idempotent, one request in flight: a retried request can neither duplicate nor reorder points.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const connected = await connectProducer(kafka, producer, connection, { name: v.topic, partitions: v.partitions }, logger);
  if (!connected.ok) return connected.exitCode;

  let stopping = false;
  const removeSignals = onShutdownSignals(logger, () => (stopping = true));
  const rejections = new RejectionReport(io.stderr, { rejectsFile: v.rejects });
  const sender = new MessageSender(producer, v.topic);
  const validator = new PointValidator(v.dim, DEFAULT_MAX_ABS_VALUE);
  let batcher: PointMessageBatcher | null = null;
  const keys = new Set<string | null>();
  let failure: unknown = null;
  try {
    for await (const chunk of readPointChunks(file, { ...readOptions, onNotice: (message) => io.stderr.write(`${message}\n`) })) {
      for (let i = 0; i < chunk.rows.length; i++) {
        const point = validator.check(chunk.rows[i]);
        if (!(point instanceof Float64Array)) {
          rejections.report(chunk.lines[i], chunk.epoch, point.code, point.message);
          continue;
        }
        batcher ??= new PointMessageBatcher(v['message-format'], v['points-per-message'], validator.dim!);
        const key = chunk.keys?.[i] ?? null;
        keys.add(key);
        await sender.add(batcher.add(point, key));
      }
      if (stopping) break;
    }
    if (batcher) await sender.add(batcher.flush());
    await sender.flush();
  } catch (error) {
    failure = error;
  }
  removeSignals();
  await producer.disconnect().catch(() => undefined);
  const summary = await rejections.close();
  if (summary !== null) io.stderr.write(`online-em: ${summary} (not sent)\n`);
  const sent = { points: sender.points, messages: sender.messages, keys: v['key-column'] === null ? null : keys.size, refused: rejections.rejected };
  if (failure instanceof PointFileError) throw new CliError(`${failure.message} (${sent.points} point(s) in ${sent.messages} message(s) were sent before)`);
  if (failure !== null) {
    const tooLarge = tooLargeType(failure);
    logger.error(
      tooLarge
        ? `the broker refused a message as too large for topic '${v.topic}' (${tooLarge}): lower --points-per-message, or ${tooLargeAdvice(v.topic)}`
        : `cannot send to ${v.topic}: ${describeKafkaError(failure)}`,
      sent,
    );
    return 1;
  }
  logger.event(
    'info',
    `produced ${sent.points} point(s) in ${sent.messages} message(s) to ${v.topic}${sent.keys === null ? '' : ` with ${sent.keys} key(s)`}; ${sent.refused} point(s) refused${stopping ? ' (stopped early)' : ''}`,
    sent,
  );
  return 0;
}

/** Sends messages in requests of about REQUEST_BYTES, in order, one request at a time. */
class MessageSender {
  private queued: Message[] = [];
  private queuedBytes = 0;
  private queuedPoints = 0;
  points = 0;
  messages = 0;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async add(messages: readonly PointMessage[]): Promise<void> {
    for (const m of messages) {
      this.queued.push(m.key === null ? { value: m.value, headers: m.headers } : { key: m.key, value: m.value, headers: m.headers });
      this.queuedBytes += m.value.length;
      this.queuedPoints += m.points;
      if (this.queuedBytes >= REQUEST_BYTES) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.queued.length === 0) return;
    await this.producer.send({ topic: this.topic, messages: this.queued });
    this.points += this.queuedPoints;
    this.messages += this.queued.length;
    this.queued = [];
    this.queuedBytes = 0;
    this.queuedPoints = 0;
  }
}
