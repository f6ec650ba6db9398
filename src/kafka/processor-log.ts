import type { Logger } from '../log/logger.js';
import type { CheckpointPointer } from './checkpoint.js';
import type { ProcessorEvent, ProcessorEventType, ProcessorEvents } from './processor-events.js';
import { logFields } from './processor-log-fields.js';
import type { ProcessorConfig } from './processor-types.js';

/** The events the log tells of; the others are for tools (and stay unbuilt unless one listens). */
const LOGGED: readonly ProcessorEventType[] = [
  'restored',
  'standing-by',
  'handed-over',
  'waiting-for-group',
  'consuming',
  'skipped',
  'warmup-fitted',
  'decode-thread-failed',
  'committed',
  'progress',
  'rebalanced',
  'session-failed',
  'fenced',
  'connection-refused',
  'model-reset',
  'model-state-refused',
  'left-group',
  'keys-assigned',
  'keyed-committed',
];

/**
 * The processor's log: one line per event worth telling, in words, with the event's
 * fields beside the words in JSON mode (`event` names it), so a log pipeline can filter
 * on them, and the documented fields (processor-log-fields.ts) under the same names in every
 * line, the model's name among them. Returns the function that stops logging.
 */
export function logProcessorEvents(events: ProcessorEvents, parent: Logger, config: ProcessorConfig): () => void {
  const logger = parent.child({ model: config.model });
  let changes: number | null = null;
  return events.on((event) => {
    const line = describe(event, config);
    // A change detected since the last snapshot this process saw (restores tell the count too).
    if (event.type === 'committed' && event.snapshot) {
      const s = event.snapshot;
      if (changes !== null && s.changes > changes) {
        logger.event('warn', `abrupt change in the prequential log-likelihood at ${s.lastChangeAt} points (${s.changes} so far): fitting a challenger to the points since`, {
          event: 'change-detected',
          changes: s.changes,
          lastChangeAt: s.lastChangeAt,
          points: s.pointsSeen,
          logLikelihood: s.logLikelihoodAverage,
        });
      }
      changes = s.changes;
    }
    if (!line) return;
    const { type, ...own } = event;
    const fields = { event: type, ...own, ...logFields(event) };
    if (line.status) logger.status(line.text, fields);
    else for (const [i, text] of line.lines.entries()) logger.event(line.levels[i], text, fields);
  }, LOGGED);
}

type Level = 'info' | 'warn' | 'error';
type Described = { readonly status: true; readonly text: string } | { readonly status: false; readonly lines: string[]; readonly levels: Level[] };

const at = (p: CheckpointPointer): string => `${p.partition}@${p.offset}`;

function describe(event: ProcessorEvent, config: ProcessorConfig): Described | null {
  const lines: string[] = [];
  const levels: Level[] = [];
  const say = (level: Level, text: string): void => void (lines.push(text), levels.push(level));
  switch (event.type) {
    case 'restored': {
      if (event.unreadable) say('warn', `passed over a checkpoint record that does not decode: ${event.unreadable}`);
      if (event.source === 'none') {
        say('info', `no checkpoint for group ${config.group}: starting a new fit from the ${config.startFrom} offsets`);
        break;
      }
      if (event.source === 'acknowledged') {
        say(
          'warn',
          `the group's committed offsets are behind this process's last acknowledged commit ` + `(checkpoint ${at(event.checkpoint!)}); resuming from that commit`,
        );
        break;
      }
      if (event.source === 'newer' && event.groupPointer) {
        say(
          'warn',
          `the group's offsets point at checkpoint ${at(event.groupPointer)}, but a newer committed one of this model ` +
            `exists at ${at(event.checkpoint!)} (its offsets were lost, as after a broker crash); resuming from it`,
        );
      }
      if (event.passedOver) say('warn', `not resuming from checkpoint ${at(event.passedOver.checkpoint)}: ${event.passedOver.reason}`);
      say(
        'info',
        `restored model '${event.model}' from checkpoint ${config.topics.state}/${at(event.checkpoint!)}: ` + `${event.points} points, ${event.messages} messages`,
      );
      break;
    }
    case 'consuming':
      say('info', `consuming ${event.topic} as group ${event.group}, model '${event.model}'`);
      break;
    case 'standing-by':
      say(
        'info',
        `standing by: another instance of model '${event.model}' holds the input partitions of group ${event.group}; ` +
          `this one takes over when that one stops or its session times out`,
      );
      break;
    case 'handed-over':
      say(
        event.committed ? 'info' : 'warn',
        `the group moved model '${event.model}' to another instance; ` +
          (event.committed ? 'what this one held is committed' : 'the work since the last commit was not committed (the new owner redoes it)'),
      );
      break;
    case 'waiting-for-group':
      return {
        status: true,
        text:
          `waiting for consumer group ${event.group} to assign partitions (${Math.round(event.waitedMs / 1000)} s): a member that stopped ` +
          `without leaving holds them until its session times out (${Math.round(event.sessionTimeoutMs / 1000)} s)`,
      };
    case 'skipped':
      say(
        'info',
        `${event.topic}/${event.partition}: the consumer starts at offset ${event.fromOffset}, behind the checkpoint at ${BigInt(event.toOffset) + 1n}; ` +
          `skipping offsets ${event.fromOffset} to ${event.toOffset}, already in the model`,
      );
      break;
    case 'committed': {
      const s = event.snapshot;
      if (!s) {
        say('info', `checkpoint while warming up: ${event.warmupBuffered} points buffered, ${event.counters.deadLettered} dead letters`);
        break;
      }
      const ll = s.logLikelihoodAverage;
      say(
        'info',
        `snapshot #${s.number}${s.final ? ' (final)' : ''}: ${s.pointsSeen} points, ` +
          `loglik ${ll === null ? 'n/a' : ll.toFixed(4)}${s.converged ? ' (converged)' : ''}, ` +
          `weights [${s.weights.map((w) => w.toFixed(3)).join(', ')}], ${event.counters.deadLettered} dead letters`,
      );
      break;
    }
    case 'progress': {
      if (event.idle) {
        return {
          status: true,
          text:
            `idle: ${event.pointsSeen !== null ? `${event.pointsSeen} points, ` : ''}waiting for more on ${event.topic} ` +
            `(lag ${event.lag}, ${event.snapshots} snapshots, ${event.deadLettered} dead letters)`,
        };
      }
      const ll = event.logLikelihood;
      return {
        status: true,
        text:
          `${Math.round(event.pointsPerSecond)} points/s | ${event.pointsSeen} points | lag ${event.lag} messages | ` +
          `${event.warmingUp ? 'warming up' : `loglik ${ll === null ? 'n/a' : ll.toFixed(4)}`} | ${event.snapshots} snapshots | ${event.deadLettered} dead letters` +
          (event.keys ? ` | keys ${event.keys.inMemory} in memory of ${event.keys.known} known, ${event.keys.evictions} evicted, ${event.keys.restored} read back` : ''),
      };
    }
    case 'warmup-fitted':
      if (event.error) say('warn', `the warm-up fit could not run on a worker thread (${event.error}); fitting ${event.points} points on the event loop, where the consumer cannot heartbeat`);
      else say('info', `warm-up fitted on ${event.points} points in ${(event.durationMs / 1000).toFixed(1)} s, on a worker thread while the consumer heartbeated`);
      break;
    case 'decode-thread-failed':
      say('warn', `${event.reason}; JSON messages are decoded on the main thread from now on (the same results, slower)`);
      break;
    case 'rebalanced':
      say('info', `consumer group rebalanced; this instance keeps the model and goes on (partitions ${event.partitions.join(',')})`);
      break;
    case 'session-failed':
      say(
        'warn',
        `${event.connection ? 'cannot reach Kafka' : 'Kafka session failed'}: ${event.error}; retrying in ${Math.round(event.retryInMs / 1000)} s` +
          // The brokers' hint only where they are the trouble (a record too large says what to do itself).
          (event.connection ? ` (brokers ${event.brokers.join(',')}: check --brokers / KAFKA_BROKERS and that the cluster is up)` : ''),
      );
      break;
    case 'fenced':
      say(
        event.stopping ? 'error' : 'warn',
        `another processor took over transactional id '${event.transactionalId}' (same --model); ` +
          (event.stopping ? 'this instance stops without its final commit' : 'this instance drops its uncommitted work and rejoins the group to stand by'),
      );
      break;
    case 'connection-refused':
      say('error', `cannot connect, and retrying will not help: ${event.reason}`);
      break;
    case 'model-reset':
      say(
        'warn',
        `--reset-model: deleted consumer group ${event.group}` +
          (event.checkpoint ? ` (its offsets on ${event.partitions} partitions pointed at checkpoint ${at(event.checkpoint)})` : ' (it had no committed offsets)') +
          `; model '${event.model}' starts afresh from the ${config.startFrom} offsets`,
      );
      break;
    case 'model-state-refused':
      say('error', `cannot resume model '${config.model}': ${event.reason}`);
      break;
    case 'left-group':
      say('info', 'left the consumer group; final snapshot and offsets committed');
      break;
    case 'keys-assigned': {
      const parts = [`took [${event.taken.join(', ')}]`, `kept [${event.kept.join(', ')}]`, `released [${event.released.join(', ')}]${event.releasedCommitted ? '' : ' (their last commit was fenced by the new owner)'}`];
      say('info', `input partitions: ${parts.join(', ')}; ${event.keysKnown} keys with checkpoints in those held (indexed in ${Math.round(event.durationMs)} ms)`);
      break;
    }
    case 'keyed-committed':
      say('info', `partition ${event.partition} committed to offset ${event.offset}: ${event.keys} keys changed, ${event.snapshots} snapshots, ${event.deadLetters} dead letters (${event.messages} messages, ${event.deadLettered} dead-lettered in all)`);
      break;
    default:
      return null;
  }
  return { status: false, lines, levels };
}
