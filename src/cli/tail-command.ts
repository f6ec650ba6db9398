import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createKafka, describeKafkaError } from '../kafka/kafka-client.js';
import { belongsToModel, MODEL_HEADER, tailRecord } from '../kafka/tools/tail-record.js';
import { CONNECT_DEADLINE_MS, connectWithin } from '../kafka/tools/tool-connection.js';
import { CliError } from './cli-error.js';
import { CONNECTION_SPECS, connectionFrom } from './connection-options.js';
import { formatOptionsHelp, parseCommandLine, requiredMessage, withSpec, type OptionSpec } from './option-spec.js';
import { loggerFrom } from './run-command.js';
import { onShutdownSignals } from './signals.js';

/** Exit code of `tail` and `snapshot` when there is nothing to read: no such topic (tail), no snapshot of the model (snapshot). */
export const EXIT_NOTHING_TO_READ = 4;

export const TAIL_SPECS = [
  ...withSpec(CONNECTION_SPECS, 'brokers', { description: 'Kafka bootstrap servers (required, here or as bootstrap.servers in --kafka-config)' }),
  { name: 'topic', kind: 'string', required: true, description: 'topic to read' },
  { name: 'from-beginning', kind: 'flag', description: 'start at the first record of each partition (default: only records written from now on)' },
  { name: 'model', kind: 'string', valueName: 'M', description: `only the records of model M: key M or M/KEY, or header ${MODEL_HEADER} M` },
  { name: 'count', kind: 'int', min: 1, valueName: 'N', description: 'exit after printing N records' },
  { name: 'timeout', kind: 'int', min: 1, valueName: 'MS', description: 'exit (code 0) once MS milliseconds pass without a new record printed' },
] as const satisfies readonly OptionSpec[];

export const TAIL_HELP = `Usage: online-em tail --brokers HOST:PORT --topic TOPIC [options]

Print the committed records of a topic (read_committed: aborted transactions never show)
as NDJSON, one line per record:
  {"topic", "partition", "offset", "timestamp", "key", "headers", "value"}
JSON values are parsed; binary points (application/x-online-em-f64le) become rows, NaN
as null; binary scores (application/x-online-em-scores) take their JSON form; other text
is a string with "valueEncoding": "utf8", anything else base64 with "valueEncoding":
"base64". It joins no group that matters: its own, new each time, commits nothing and is
deleted at exit. Ctrl-C stops it; so does a closed pipe ('| head').
Exit codes: 0 done, 3 or 5 cannot connect (as produce), 4 no such topic.

Options:
${formatOptionsHelp(TAIL_SPECS)}
  -h, --help                        show this help`;

type Outcome = { readonly kind: 'count' | 'timeout' | 'signal' | 'closed' } | { readonly kind: 'failed'; readonly error: unknown };

export async function tailCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream } = { stdout: process.stdout }): Promise<number> {
  const parsed = parseCommandLine(TAIL_SPECS, argv, process.env);
  if (parsed.help) {
    io.stdout.write(`${TAIL_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new CliError(`tail takes no positional arguments (got '${parsed.positionals[0]}')`);
  const v = parsed.values;
  const logger = loggerFrom(v);
  const connection = connectionFrom(v, logger);
  if (!connection) throw new CliError(requiredMessage(TAIL_SPECS.find((s) => s.name === 'brokers')!));
  const kafka = createKafka({ connection, logger });
  const admin = kafka.admin();
  const groupId = `online-em-tail-${randomUUID()}`;
  // kafkajs cannot assign partitions without a group: a group of its own, that never commits.
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, retry: { retries: 5, restartOnFailure: async () => false } });
  const connected = await connectWithin(connection, logger, async () => {
    await admin.connect();
    if (!(await admin.listTopics()).includes(v.topic)) return null;
    // "From now on" is from the committed end of each partition as the command starts (a
    // group's own "latest" would be resolved only at its first fetch, after the join).
    const ends = v['from-beginning'] ? null : new Map((await admin.fetchTopicOffsets(v.topic)).map((p) => [p.partition, p.high]));
    await consumer.connect();
    await consumer.subscribe({ topics: [v.topic], fromBeginning: v['from-beginning'] });
    return { ends };
  });
  if (!connected.ok || connected.value === null) {
    await Promise.allSettled([consumer.disconnect(), admin.disconnect()]);
    if (connected.ok) logger.error(`topic ${v.topic} does not exist (brokers ${connection.brokers.join(',')})`);
    return connected.ok ? EXIT_NOTHING_TO_READ : connected.exitCode;
  }
  /** Where "from now on" starts, used at the first join only (a later one resumes where it was). */
  let startAt = connected.value.ends;

  let outcome: Outcome | null = null;
  let ended!: (outcome: Outcome) => void;
  const done = new Promise<Outcome>((resolve) => (ended = resolve));
  const finish = (o: Outcome): void => {
    if (outcome !== null) return;
    outcome = o;
    ended(o);
  };
  let idle: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    if (v.timeout === null) return;
    clearTimeout(idle);
    idle = setTimeout(() => finish({ kind: 'timeout' }), v.timeout);
  };
  const onStdoutError = (error: NodeJS.ErrnoException): void => finish(error.code === 'EPIPE' ? { kind: 'closed' } : { kind: 'failed', error });
  io.stdout.on('error', onStdoutError);
  const removeSignals = onShutdownSignals(logger, () => finish({ kind: 'signal' }));
  const joinDeadline = setTimeout(() => finish({ kind: 'failed', error: new Error(`the consumer did not join its group within ${CONNECT_DEADLINE_MS / 1000} s`) }), CONNECT_DEADLINE_MS);
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    clearTimeout(joinDeadline);
    const partitions = payload.memberAssignment[v.topic] ?? [];
    for (const partition of partitions) {
      const offset = startAt?.get(partition);
      if (offset !== undefined) consumer.seek({ topic: v.topic, partition, offset });
    }
    startAt = null;
    logger.info(`tailing ${v.topic} (${partitions.length} partition(s)) ${v['from-beginning'] ? 'from the beginning' : 'from now on'}`, { group: groupId });
    armIdle();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => finish({ kind: 'failed', error: payload.error }));

  let printed = 0;
  try {
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (outcome !== null) return;
        if (v.model !== null && !belongsToModel(message.key, message.headers, v.model)) return;
        const flowing = io.stdout.write(`${JSON.stringify(tailRecord(topic, partition, message))}\n`);
        printed++;
        armIdle();
        if (v.count !== null && printed >= v.count) finish({ kind: 'count' });
        else if (!flowing) await Promise.race([once(io.stdout, 'drain').catch(() => undefined), done]);
      },
    });
  } catch (error) {
    finish({ kind: 'failed', error });
  }
  const end = await done;
  clearTimeout(idle);
  clearTimeout(joinDeadline);
  removeSignals();
  await consumer.disconnect().catch(() => undefined);
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  io.stdout.off('error', onStdoutError);
  if (end.kind === 'failed') {
    logger.error(`reading ${v.topic} failed: ${describeKafkaError(end.error)} (${printed} record(s) printed)`);
    return 1;
  }
  if (end.kind !== 'closed') logger.debug(`tail stopped (${end.kind}): ${printed} record(s) printed`);
  return 0;
}
