import { DashboardServer } from '../dashboard/dashboard-server.js';
import { loadSnapshotFile } from '../dashboard/file-snapshot-source.js';
import { ScoreSummaries } from '../dashboard/score-summary.js';
import { DEFAULT_STORE_LIMITS, SnapshotStore } from '../dashboard/snapshot-store.js';
import type { Logger } from '../log/logger.js';
import { CliError } from './cli-error.js';
import { CONNECTION_SPECS, connectionFrom } from './connection-options.js';
import { formatOptionsHelp, parseCommandLine, withSpec, type OptionSpec } from './option-spec.js';
import { loggerFrom, RUN_SPECS } from './run-command.js';
import { followDashboardTopics } from './follow-snapshot-topic.js';
import { onShutdownSignals } from './signals.js';

const RUN_SNAPSHOT_TOPIC = RUN_SPECS.find((s) => s.name === 'snapshot-topic')!;

export const DASHBOARD_SPECS = [
  ...withSpec(CONNECTION_SPECS, 'brokers', { description: 'Kafka bootstrap servers (here or as bootstrap.servers in --kafka-config); not with --snapshots' }),
  { name: 'snapshot-topic', kind: 'string', default: RUN_SNAPSHOT_TOPIC.default, env: RUN_SNAPSHOT_TOPIC.env, description: 'topic the snapshots are published to (as run)' },
  { name: 'scores-topic', kind: 'string', valueName: 'S', description: 'run\'s --scores-topic, if any: follow it from its end (new records only) for each model\'s recent log-likelihoods and flagged points; not with --snapshots' },
  { name: 'snapshots', kind: 'string', valueName: 'FILE', description: 'replay fit\'s NDJSON snapshots from FILE with a time slider, offline (no Kafka)' },
  { name: 'port', kind: 'int', min: 0, max: 65535, default: 8080, env: 'ONLINE_EM_DASHBOARD_PORT', description: 'HTTP port (0: any free one)' },
  { name: 'host', kind: 'string', default: '127.0.0.1', env: 'ONLINE_EM_DASHBOARD_HOST', valueName: 'H', description: 'address to listen on (0.0.0.0 for every interface, as in a container)' },
  { name: 'max-models', kind: 'int', min: 1, default: DEFAULT_STORE_LIMITS.maxModels, valueName: 'N', description: 'models and keys kept (the least recently updated forgotten first)' },
  { name: 'history', kind: 'int', min: 1, default: DEFAULT_STORE_LIMITS.historyLength, valueName: 'N', description: 'snapshots kept per model for the charts (with --snapshots: the whole file)' },
] as const satisfies readonly OptionSpec[];

export const DASHBOARD_HELP = `Usage: online-em dashboard --brokers HOST:PORT [options]
       online-em dashboard --snapshots FILE [options]

Serve a live dashboard of the mixtures on the snapshot topic: every partition is read from
the beginning (read_committed), committing nothing, and the latest snapshot of every model
and key kept with a bounded history. The page draws each component's 1σ and 2σ ellipses
on a pair of dimensions (or every pair, for d ≤ 6), the prequential log-likelihood, points/s,
dead letters, the converged flag, change alarms and the anomaly rate. With --scores-topic S
it also follows run's scores records (JSON or binary) from the end of S, and shows per model
a histogram of the last 2,000 scored points' log-likelihood (with the anomaly threshold), the
points scored, refused, warming up and flagged, and the last 20 flagged points.
  GET /             the page (self-contained: no CDN)
  GET /events       Server-Sent Events: each data: one snapshot, id: its partition:offset;
                    a client gets the latest snapshot of every model at once, then live ones;
                    with --scores-topic also 'event: scores' (data: one model's summary),
                    each model's latest at once, then at most once a second per model
  GET /api/models   the models and keys with their latest snapshots
  GET /api/history?id=MODEL   the snapshots kept of one model
  GET /api/scores?id=MODEL    the model's scores summary (404 until one of its records is read)
With --snapshots FILE it replays fit's output instead, with a time slider. Ctrl-C stops it.
Exit codes: 0 stopped, 3 or 5 cannot connect (as produce).

Options:
${formatOptionsHelp(DASHBOARD_SPECS)}
  -h, --help                        show this help`;

export async function dashboardCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream } = { stdout: process.stdout }): Promise<number> {
  const parsed = parseCommandLine(DASHBOARD_SPECS, argv, process.env);
  if (parsed.help) {
    io.stdout.write(`${DASHBOARD_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new CliError(`dashboard takes no positional arguments (got '${parsed.positionals[0]}')`);
  const v = parsed.values;
  const logger = loggerFrom(v);
  const file = v.snapshots;
  const connection = connectionFrom(v, logger);
  if (file !== null && connection !== null) throw new CliError('dashboard takes --snapshots FILE or --brokers, not both');
  if (file === null && connection === null) throw new CliError('dashboard needs --brokers HOST:PORT (or --kafka-config), or --snapshots FILE to replay fit\'s output');

  if (file !== null && v['scores-topic'] !== null) throw new CliError('dashboard takes --scores-topic with --brokers, not with --snapshots (a file holds no scores)');

  if (file !== null) {
    const store = new SnapshotStore({ maxModels: v['max-models'], historyLength: Number.MAX_SAFE_INTEGER });
    let counts;
    try {
      counts = await loadSnapshotFile(file, store);
    } catch (error) {
      throw new CliError(`cannot read --snapshots ${file}: ${(error as Error).message}`);
    }
    if (counts.loaded === 0) throw new CliError(`${file} holds no snapshot (fit's output: one JSON snapshot a line)`);
    if (counts.skipped > 0) logger.warn(`${file}: ${counts.skipped} line(s) are not JSON snapshots, skipped`);
    const server = await listen(store, v.host, v.port, true);
    logger.info(`dashboard of ${counts.loaded} snapshot(s) from ${file} on ${server.url}/`);
    await untilSignal(logger);
    await server.close();
    return 0;
  }

  const store = new SnapshotStore({ maxModels: v['max-models'], historyLength: v.history });
  const scoresTopic = v['scores-topic'];
  const scores = scoresTopic === null ? undefined : new ScoreSummaries();
  const followed = await followDashboardTopics(connection!, { snapshot: v['snapshot-topic'], scores: scoresTopic }, store, scores, logger);
  if (!followed.ok) return followed.exitCode;
  const server = await listen(store, v.host, v.port, false, scores).catch(async (error: unknown) => {
    await followed.source.stop();
    throw error;
  });
  logger.info(`dashboard of ${v['snapshot-topic']}${scoresTopic === null ? '' : ` and ${scoresTopic}`} on ${server.url}/`);
  await untilSignal(logger);
  await server.close();
  await followed.source.stop();
  return 0;
}


async function listen(store: SnapshotStore, host: string, port: number, replay: boolean, scores?: ScoreSummaries): Promise<DashboardServer> {
  try {
    return await DashboardServer.start(store, { host, port, replay, ...(scores ? { scores } : {}) });
  } catch (error) {
    throw new CliError(`cannot listen on ${host}:${port}: ${(error as Error).message} (another --port?)`);
  }
}

function untilSignal(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const remove = onShutdownSignals(logger, () => {
      remove();
      resolve();
    });
  });
}
