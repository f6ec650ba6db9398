import { createKafka, describeKafkaError } from '../kafka/kafka-client.js';
import { latestRecord, snapshotRecordKey, type LatestRecord } from '../kafka/tools/latest-snapshot.js';
import { connectWithin } from '../kafka/tools/tool-connection.js';
import { CliError } from './cli-error.js';
import { CONNECTION_SPECS, connectionFrom } from './connection-options.js';
import { formatOptionsHelp, parseCommandLine, requiredMessage, withSpec, type OptionSpec } from './option-spec.js';
import { loggerFrom, RUN_SPECS } from './run-command.js';
import { EXIT_NOTHING_TO_READ } from './tail-command.js';

/** run's --snapshot-topic: where run publishes, by default. */
const RUN_SNAPSHOT_TOPIC = RUN_SPECS.find((s) => s.name === 'snapshot-topic')!;

export const SNAPSHOT_SPECS = [
  ...withSpec(CONNECTION_SPECS, 'brokers', { description: 'Kafka bootstrap servers (required, here or as bootstrap.servers in --kafka-config)' }),
  { name: 'model', kind: 'string', required: true, valueName: 'M', description: 'the model (run --model)' },
  { name: 'key', kind: 'string', valueName: 'K', description: 'with a --keyed processor: the message key whose model to print (its snapshots are keyed M/K)' },
  { name: 'snapshot-topic', kind: 'string', default: RUN_SNAPSHOT_TOPIC.default, env: RUN_SNAPSHOT_TOPIC.env, description: 'topic the snapshots are published to (as run)' },
  { name: 'pretty', kind: 'flag', description: 'print the snapshot indented over several lines (default: one line, as score --snapshot reads)' },
] as const satisfies readonly OptionSpec[];

export const SNAPSHOT_HELP = `Usage: online-em snapshot --brokers HOST:PORT --model M [--key K] [options]

Print the latest committed snapshot of model M (of its key K with --key) from the
snapshot topic, as one line of JSON: every partition is read (read_committed) to its end
as of the start, and the last snapshot of the model kept. The line feeds
'online-em score --snapshot FILE'.
Exit codes: 0 printed, 3 or 5 cannot connect (as produce), 4 no snapshot of the model
(or no snapshot topic).

Options:
${formatOptionsHelp(SNAPSHOT_SPECS)}
  -h, --help                        show this help`;

export async function snapshotCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream } = { stdout: process.stdout }): Promise<number> {
  const parsed = parseCommandLine(SNAPSHOT_SPECS, argv, process.env);
  if (parsed.help) {
    io.stdout.write(`${SNAPSHOT_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new CliError(`snapshot takes no positional arguments (got '${parsed.positionals[0]}')`);
  const v = parsed.values;
  const logger = loggerFrom(v);
  const connection = connectionFrom(v, logger);
  if (!connection) throw new CliError(requiredMessage(SNAPSHOT_SPECS.find((s) => s.name === 'brokers')!));
  const topic = v['snapshot-topic'];
  const recordKey = snapshotRecordKey(v.model, v.key);
  const kafka = createKafka({ connection, logger });
  const admin = kafka.admin();
  const connected = await connectWithin(connection, logger, async () => {
    await admin.connect();
    return (await admin.listTopics()).includes(topic);
  });
  if (!connected.ok || !connected.value) {
    await admin.disconnect().catch(() => undefined);
    if (connected.ok) logger.error(`no snapshot of ${recordKey}: topic ${topic} does not exist (--snapshot-topic)`);
    return connected.ok ? EXIT_NOTHING_TO_READ : connected.exitCode;
  }
  let latest: LatestRecord | null;
  try {
    latest = await latestRecord(kafka, admin, topic, recordKey);
  } catch (error) {
    logger.error(`reading ${topic} failed: ${describeKafkaError(error)}`);
    return 1;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (latest === null) {
    logger.error(`no snapshot of ${recordKey} in ${topic}${v.key === null ? ' (a --keyed model\'s snapshots need --key)' : ''}`);
    return EXIT_NOTHING_TO_READ;
  }
  let snapshot: unknown;
  try {
    snapshot = JSON.parse(latest.value.toString('utf8'));
  } catch {
    logger.error(`the latest record of ${recordKey} in ${topic} (partition ${latest.partition}, offset ${latest.offset}) is not JSON`);
    return 1;
  }
  io.stdout.write(`${JSON.stringify(snapshot, null, v.pretty ? 2 : undefined)}\n`);
  logger.debug(`snapshot of ${recordKey} from ${topic} partition ${latest.partition} offset ${latest.offset}`);
  return 0;
}
