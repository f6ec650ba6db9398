import { decodeThreadSpec, usesDecodeThread } from './decode-thread-option.js';
import { tmpdir } from 'node:os';
import type { OnlineEmOptions } from '../em/options.js';
import { createKafka } from '../kafka/kafka-client.js';
import { DEAD_LETTER_BUDGET } from '../kafka/dead-letter.js';
import { DEMO_STREAM, DemoProducer } from '../kafka/demo-producer.js';
import { EXIT_CONNECTION_REFUSED } from '../kafka/connection/connection-failure.js';
import type { ConnectionSettings } from '../kafka/connection/connection-settings.js';
import { ModelStateError } from '../kafka/model-state-error.js';
import { ConnectionRefusedError, FencedError, Processor } from '../kafka/processor.js';
import type { ProcessorConfig } from '../kafka/processor-types.js';
import { ensureTopics } from '../kafka/topics.js';
import { createLogger, type Logger } from '../log/logger.js';
import { routeProcessWarnings } from '../log/process-warnings.js';
import { CliError } from './cli-error.js';
import { CONNECTION_SPECS, connectionFrom, namesCluster } from './connection-options.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { startDemoDashboard, type DemoDashboard } from './demo-dashboard.js';
import { MetricsServer } from './metrics-server.js';
import { ProcessorMetrics } from '../kafka/metrics/processor-metrics.js';
import { ENGINE_OPTION_SPECS, engineOptionsFrom } from './engine-options.js';
import { formatOptionsHelp, parseCommandLine, type OptionSpec, type OptionValues, type ParsedCommandLine } from './option-spec.js';
import { SCORES_SPECS, scoresConfigFrom } from './scores-options.js';
import { onShutdownSignals } from './signals.js';

/** The embedded default's demo stream, with 1% malformed messages to show the dead-letter topic. */
const DEMO = { ...DEMO_STREAM, badFraction: 0.01 };
/** The embedded default's scores topic: the demo shows the anomaly scores on its dashboard too. */
export const DEMO_SCORES_TOPIC = 'online-em-scores';

/**
 * The variable of --embedded-port: a name of the project's own, as Kubernetes sets
 * KAFKA_PORT=tcp://10.96.0.12:9092 in every pod of a namespace with a Service named kafka.
 */
const EMBEDDED_PORT_VARIABLE = 'ONLINE_EM_EMBEDDED_PORT';

export const RUN_SPECS = [
  ...CONNECTION_SPECS,
  { name: 'input-topic', kind: 'string', default: 'online-em-points', env: 'ONLINE_EM_INPUT_TOPIC', description: 'topic of the points to fit' },
  { name: 'snapshot-topic', kind: 'string', default: 'online-em-snapshots', env: 'ONLINE_EM_SNAPSHOT_TOPIC', description: 'compacted topic the snapshots are published to, keyed by model' },
  { name: 'dead-letter-topic', kind: 'string', default: 'online-em-dead-letters', env: 'ONLINE_EM_DEAD_LETTER_TOPIC', description: 'topic of refused messages, with reason headers' },
  { name: 'state-topic', kind: 'string', default: 'online-em-state', env: 'ONLINE_EM_STATE_TOPIC', description: 'compacted topic of the checkpoints (full model state), keyed by model' },
  { name: 'model', kind: 'string', default: 'default', env: 'ONLINE_EM_MODEL', description: 'name of the model: the key of its snapshots and checkpoints' },
  { name: 'group', kind: 'string', env: 'ONLINE_EM_GROUP', valueName: 'ID', description: 'consumer group (default online-em-MODEL)' },
  { name: 'transactional-id', kind: 'string', env: 'ONLINE_EM_TRANSACTIONAL_ID', valueName: 'ID', description: 'transactional id; fences a stale instance of the same model (default online-em-MODEL)' },
  ...ENGINE_OPTION_SPECS,
  { name: 'snapshot-every', kind: 'int', min: 1, env: 'ONLINE_EM_SNAPSHOT_EVERY', valueName: 'BATCHES', description: 'also publish after this many minibatches' },
  { name: 'snapshot-interval', kind: 'int', min: 100, default: 5000, env: 'ONLINE_EM_SNAPSHOT_INTERVAL', valueName: 'MS', description: 'publish a snapshot and a checkpoint at least this often while points arrive' },
  { name: 'progress-interval', kind: 'int', min: 100, default: 5000, env: 'ONLINE_EM_PROGRESS_INTERVAL', valueName: 'MS', description: 'how often the progress line is printed' },
  // At most what a dead letter keeps of a value: every message read keeps its value whole in its dead letter.
  { name: 'max-message-bytes', kind: 'int', min: 16, max: DEAD_LETTER_BUDGET.valueBytes, default: 8 * 1024 * 1024, env: 'ONLINE_EM_MAX_MESSAGE_BYTES', description: 'larger input messages are dead-lettered unread' },
  decodeThreadSpec('parse JSON messages on a thread of its own while the main thread fits (auto: with 4 cores or more; with --keyed too); the same results either way; on 2 cores beside a broker it cost 5-25%', 'off'),
  { name: 'session-timeout', kind: 'int', min: 1000, max: 3_600_000, default: 10_000, env: 'ONLINE_EM_SESSION_TIMEOUT', valueName: 'MS', description: 'consumer group session timeout: how soon a dead instance\'s partitions are taken over (the broker allows 6000 and up by default)' },
  ...SCORES_SPECS,
  { name: 'metrics-port', kind: 'int', min: 0, max: 65535, env: 'ONLINE_EM_METRICS_PORT', valueName: 'PORT', description: 'serve /metrics (Prometheus), /healthz and /readyz on this port (0: any free port, logged; default: off)' },
  { name: 'metrics-host', kind: 'string', default: '0.0.0.0', env: 'ONLINE_EM_METRICS_HOST', valueName: 'HOST', description: 'address the metrics server listens on' },
  { name: 'keyed', kind: 'flag', env: 'ONLINE_EM_KEYED', description: 'a model per message key: each key gets its own mixture, seeded from the key, with snapshots and checkpoints keyed MODEL/KEY; the instances of the group share the partitions and their keys' },
  { name: 'max-keys', kind: 'int', min: 1, max: 100_000_000, default: 100_000, env: 'ONLINE_EM_MAX_KEYS', description: 'with --keyed: models kept in memory at most; the least recently used is evicted to a local spill file and read back at its key\'s next message' },
  { name: 'spill-dir', kind: 'string', env: 'ONLINE_EM_SPILL_DIR', valueName: 'DIR', description: 'with --keyed: directory of the local file where evicted models wait to be read back (a cache of the state topic, deleted at exit; default: the system temp directory)' },
  { name: 'key-metrics', kind: 'flag', env: 'ONLINE_EM_KEY_METRICS', description: 'with --keyed: export each key\'s log-likelihood average (one metric series per key: mind the cardinality)' },
  { name: 'reset-model', kind: 'flag', description: 'start the model afresh: delete its consumer group (the committed offsets that point at its checkpoint) first; every instance of the model must be stopped' },
  { name: 'start-from', kind: 'choice', choices: ['earliest', 'latest'], default: 'earliest', env: 'ONLINE_EM_START_FROM', description: 'where a group without committed offsets starts reading' },
  { name: 'input-partitions', kind: 'int', min: 1, max: 10_000, default: 1, env: 'ONLINE_EM_INPUT_PARTITIONS', description: 'partitions of the input topic when it has to be created' },
  { name: 'replication-factor', kind: 'int', min: 1, max: 100, env: 'ONLINE_EM_REPLICATION_FACTOR', description: 'replication of topics it creates (default min(3, brokers))' },
  { name: 'dashboard-port', kind: 'int', min: 0, max: 65535, default: 8080, env: 'ONLINE_EM_DASHBOARD_PORT', description: 'embedded default only: port of its dashboard on 127.0.0.1 (taken: any free one)' },
  { name: 'embedded-port', kind: 'int', min: 1, max: 65534, default: 9092, env: EMBEDDED_PORT_VARIABLE, description: 'port of the local broker of the embedded default (its variable is read only without --brokers and --kafka-config)' },
] as const satisfies readonly OptionSpec[];

/** Exit code of a run that stops because the model's stored state cannot be resumed from safely (see ModelStateError). */
export const EXIT_MODEL_STATE_REFUSED = 4;

/**
 * run's command line. The embedded port's variable is read only for the embedded default: a
 * run that names its cluster (--brokers, KAFKA_BROKERS, --kafka-config) never parses it, so a
 * stray value cannot stop it.
 */
export function parseRunCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedCommandLine<typeof RUN_SPECS> {
  const { [EMBEDDED_PORT_VARIABLE]: _port, ...withoutPort } = env;
  const parsed = parseCommandLine(RUN_SPECS, argv, withoutPort);
  if (parsed.help || namesCluster(parsed.values)) return parsed;
  return parseCommandLine(RUN_SPECS, argv, env);
}

export const RUN_HELP = `Usage: online-em run [options]

The long-lived processor: consumes point messages from --input-topic in a consumer
group, fits a Gaussian mixture by stepwise online EM, and publishes snapshots to
--snapshot-topic, refused messages to --dead-letter-topic and checkpoints to
--state-topic, each commit one Kafka transaction with the input offsets. SIGINT or
SIGTERM stops it gracefully (final snapshot, offsets committed, group left).

Without --brokers (or KAFKA_BROKERS) it runs the embedded default: it starts a local
broker, creates the topics, streams a drifting demo mixture into them and fits it
(--components ${DEMO.components}), scoring its points to ${DEMO_SCORES_TOPIC} (unless --scores-topic
says otherwise), until Ctrl-C, which stops all of it.

Options:
${formatOptionsHelp(RUN_SPECS)}
  -h, --help                        show this help`;

export async function runCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseRunCommandLine(argv, process.env);
  if (parsed.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new CliError(`run takes no positional arguments (got '${parsed.positionals[0]}')`);
  const values = parsed.values;
  // Every JSON line of run names its model.
  const logger = loggerFrom(values).child({ model: values.model });
  const given = connectionFrom(values, logger);
  const embedded = given === null;
  const broker = embedded ? new EmbeddedBroker(values['embedded-port'], logger) : null;
  const connection = given ?? plaintextConnection([broker!.address], values['client-id'] ?? 'online-em');
  // Checks the engine options too, before anything starts (--components is required with --brokers).
  const config = processorConfig(parsed, connection, embedded);

  const processor = new Processor(config, logger);
  let metrics: MetricsServer | null = null;
  let demo: DemoProducer | null = null;
  let demoClient: ReturnType<typeof createKafka> | null = null;
  let dashboard: DemoDashboard | null = null;
  const removeSignals = onShutdownSignals(logger, () => {
    void demo?.stop();
    processor.stop();
  });
  try {
    if (values['metrics-port'] !== null) {
      const registry = new ProcessorMetrics(processor.events, () => processor.status(), { model: config.model, keyed: config.keyed });
      metrics = await MetricsServer.start(values['metrics-host'], values['metrics-port'], () => processor.status(), registry);
      logger.info(`metrics on ${metrics.url}/metrics, health on ${metrics.url}/healthz and ${metrics.url}/readyz`);
    }
    if (broker) {
      await broker.start();
      logger.info(`embedded default: fitting a drifting ${DEMO.components}-component mixture in ${DEMO.dim}-d streamed to ${config.topics.input}; Ctrl-C stops it all`);
      demoClient = createKafka({ connection: { ...connection, clientId: 'online-em-demo' }, logger });
      const admin = demoClient.admin();
      await admin.connect();
      await ensureTopics(admin, config.topics, config.topicSettings, logger);
      await admin.disconnect();
      const producer = demoClient.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      demo = new DemoProducer(
        producer,
        { ...DEMO, topic: config.topics.input, format: 'json', maxPoints: null },
        logger,
      );
      demo.start();
      void demo.done.then(() => producer.disconnect());
      dashboard = await startDemoDashboard(connection, config.topics, values['dashboard-port'], logger);
    }
    await processor.run();
    return 0;
  } catch (error) {
    // The processor's log already told (its `fenced` or `connection-refused` event).
    if (error instanceof FencedError) return 1;
    if (error instanceof ConnectionRefusedError) return EXIT_CONNECTION_REFUSED;
    if (error instanceof ModelStateError) return EXIT_MODEL_STATE_REFUSED;
    throw error;
  } finally {
    removeSignals();
    await metrics?.close();
    await demo?.stop();
    await dashboard?.close();
    await broker?.stop();
  }
}

/** The embedded default's floor on the step size: the demo stream drifts. */
const DEMO_ETA_MIN = 0.01;

type RunCommandLine = Extract<ParsedCommandLine<typeof RUN_SPECS>, { help: false }>;

/**
 * The embedded default scores the demo stream (to DEMO_SCORES_TOPIC) unless told otherwise
 * or unless K is chosen by --components auto, which a scores topic does not take.
 */
function embeddedScoresDefault<V extends { readonly 'scores-topic': string | null; readonly components: unknown }>(values: V): V {
  const auto = typeof values.components === 'string' && values.components.startsWith('auto');
  return values['scores-topic'] !== null || auto ? values : { ...values, 'scores-topic': DEMO_SCORES_TOPIC };
}

/** The embedded default fits the demo stream: its K, and a step-size floor to follow its drift, unless given. */
function embeddedEngineDefaults(explicit: RunCommandLine['explicit']): Partial<OnlineEmOptions> {
  return {
    ...(explicit.has('components') ? {} : { components: DEMO.components }),
    // An explicit --eta-min 0 stays 0; a forgetting schedule needs no floor.
    ...(explicit.has('eta-min') || explicit.has('half-life') ? {} : { etaMin: DEMO_ETA_MIN }),
  };
}

export function processorConfig({ values, explicit }: RunCommandLine, connection: ConnectionSettings, embedded: boolean): ProcessorConfig {
  const model = values.model;
  if (!values.keyed && (explicit.has('max-keys') || values['key-metrics'] || values['spill-dir'] !== null)) throw new CliError('--max-keys, --spill-dir and --key-metrics apply to keyed mode only: add --keyed');
  // The keys' checkpoints outlive the group's offsets: deleting the group would not start them afresh.
  if (values.keyed && values['reset-model']) throw new CliError('--reset-model does not apply to --keyed (the keys\' checkpoints stay in the state topic): use another --model to start afresh');
  if (values.keyed && embedded) throw new CliError('--keyed needs a cluster (--brokers): the embedded demo stream has no keys');
  const engine = engineOptionsFrom(values, embedded ? embeddedEngineDefaults(explicit) : {});
  const scores = scoresConfigFrom(embedded ? embeddedScoresDefault(values) : values, explicit, values.keyed);
  // Scores lay out K responsibilities per point, and auto changes K inside the warm-up's last item.
  if (scores.topic !== null && values.components !== null && typeof values.components === 'string' && values.components.startsWith('auto')) {
    throw new CliError('--scores-topic needs a fixed --components K: choose K with `online-em fit --components auto` on a sample, then run with that K');
  }
  return {
    connection,
    model,
    group: values.group ?? `online-em-${model}`,
    transactionalId: values['transactional-id'] ?? `online-em-${model}`,
    topics: {
      input: values['input-topic'],
      snapshot: values['snapshot-topic'],
      deadLetter: values['dead-letter-topic'],
      state: values['state-topic'],
      ...(scores.topic === null ? {} : { scores: scores.topic }),
    },
    topicSettings: { inputPartitions: values['input-partitions'], replicationFactor: values['replication-factor'] },
    engine,
    snapshotEvery: values['snapshot-every'],
    snapshotIntervalMs: values['snapshot-interval'],
    progressIntervalMs: values['progress-interval'],
    maxMessageBytes: values['max-message-bytes'],
    decodeThread: usesDecodeThread(values['decode-thread'], 4),
    startFrom: values['start-from'],
    sessionTimeoutMs: values['session-timeout'],
    resetModel: values['reset-model'],
    scores: scores.scores,
    keyed: values.keyed ? { maxKeys: values['max-keys'], keyMetrics: values['key-metrics'], spillDir: values['spill-dir'] ?? tmpdir() } : null,
  };
}

/** The log of a command (and of the process's runtime warnings: process-warnings.ts). */
export function loggerFrom(values: Pick<OptionValues<typeof CONNECTION_SPECS>, 'log-level' | 'log-format'>): Logger {
  const logger = createLogger({ level: values['log-level'], json: values['log-format'] === 'json' });
  routeProcessWarnings(logger);
  return logger;
}

function plaintextConnection(brokers: string[], clientId: string): ConnectionSettings {
  return { brokers, clientId, securityProtocol: 'PLAINTEXT', sasl: null, tls: null };
}
