import { createKafka } from '../kafka/kafka-client.js';
import { DEMO_STREAM, DemoProducer } from '../kafka/demo-producer.js';
import { connectWithin } from '../kafka/tools/tool-connection.js';
import { createMissingTopics, replicationFor } from '../kafka/topics.js';
import { CliError } from './cli-error.js';
import { CONNECTION_SPECS, connectionFrom } from './connection-options.js';
import { formatOptionsHelp, parseCommandLine, requiredMessage, withSpec, type OptionSpec } from './option-spec.js';
import { loggerFrom } from './run-command.js';
import { onShutdownSignals } from './signals.js';

export const DEMO_PRODUCER_SPECS = [
  ...withSpec(CONNECTION_SPECS, 'brokers', { description: 'Kafka bootstrap servers (required, here or as bootstrap.servers in --kafka-config)' }),
  { name: 'topic', kind: 'string', default: 'online-em-points', env: 'ONLINE_EM_INPUT_TOPIC', description: 'topic to write the points to (created when missing)' },
  { name: 'components', short: 'k', kind: 'int', min: 1, max: 1024, default: DEMO_STREAM.components, description: 'components of the generating mixture' },
  { name: 'dim', kind: 'int', min: 1, max: 4096, default: DEMO_STREAM.dim, description: 'dimension of the points' },
  { name: 'rate', kind: 'number', min: 0, exclusiveMin: true, default: DEMO_STREAM.rate, description: 'points per second' },
  { name: 'points-per-message', kind: 'int', min: 1, max: 1_000_000, default: DEMO_STREAM.pointsPerMessage, description: 'points in each message' },
  { name: 'format', kind: 'choice', choices: ['json', 'binary'], default: 'json', description: 'message format (binary: little-endian float64 rows)' },
  { name: 'drift-period', kind: 'number', min: 0, default: DEMO_STREAM.driftPeriod, valueName: 'POINTS', description: 'points per full turn of the drifting means (0: stationary)' },
  { name: 'bad-fraction', kind: 'number', min: 0, max: 1, default: 0, description: 'fraction of messages sent malformed on purpose' },
  { name: 'seed', kind: 'int', min: 0, default: DEMO_STREAM.seed, description: 'seed of the mixture and of the points' },
  { name: 'count', kind: 'int', min: 1, valueName: 'POINTS', description: 'stop after this many points (default: until Ctrl-C)' },
] as const satisfies readonly OptionSpec[];

export const DEMO_PRODUCER_HELP = `Usage: online-em demo-producer --brokers HOST:PORT [options]

Stream points of a synthetic mixture whose means drift slowly, for feeding a
processor on a real cluster.

Options:
${formatOptionsHelp(DEMO_PRODUCER_SPECS)}
  -h, --help                        show this help`;

export async function demoProducerCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(DEMO_PRODUCER_SPECS, argv, process.env);
  if (parsed.help) {
    process.stdout.write(`${DEMO_PRODUCER_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new CliError(`demo-producer takes no positional arguments (got '${parsed.positionals[0]}')`);
  const v = parsed.values;
  const logger = loggerFrom(v);
  const connection = connectionFrom(v, logger);
  if (!connection) throw new CliError(requiredMessage(DEMO_PRODUCER_SPECS.find((s) => s.name === 'brokers')!));
  const kafka = createKafka({ connection, logger });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  // One clear line on failure, as the other tools give: exit 3 when retrying cannot help, else 5.
  const connected = await connectWithin(connection, logger, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createMissingTopics(admin, [{ topic: v.topic, numPartitions: 1, replicationFactor: await replicationFor(admin, null) }], logger);
    await admin.disconnect();
    await producer.connect();
  });
  if (!connected.ok) return connected.exitCode;
  const demo = new DemoProducer(
    producer,
    {
      topic: v.topic,
      components: v.components,
      dim: v.dim,
      rate: v.rate,
      pointsPerMessage: v['points-per-message'],
      format: v.format,
      driftPeriod: v['drift-period'],
      badFraction: v['bad-fraction'],
      seed: v.seed,
      maxPoints: v.count,
    },
    logger,
  );
  const removeSignals = onShutdownSignals(logger, () => void demo.stop());
  const progress = setInterval(() => logger.status(`${demo.pointsSent} points sent to ${v.topic}`), 2000);
  demo.start();
  await demo.done;
  clearInterval(progress);
  removeSignals();
  await producer.disconnect();
  logger.info(`${demo.pointsSent} points sent`);
  return 0;
}
