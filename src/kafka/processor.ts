import type { Consumer, Kafka } from 'kafkajs';
import { concatMap, from, type Subscription } from 'rxjs';
import type { Logger } from '../log/logger.js';
import type { CheckpointPointer } from './checkpoint.js';
import { restoreCheckpoint, type AcknowledgedCommit } from './checkpoint-restore.js';
import { consumedBatches } from './consumer-batches.js';
import { processorConsumerConfig } from './consumer-config.js';
import { classifyConnectionFailure, type ConnectionFailure } from './connection/connection-failure.js';
import { createKafka, describeKafkaError, isConnectionError, isFenced } from './kafka-client.js';
import { ModelSlot, type SlotCommit } from './model-slot.js';
import { ProcessorEvents } from './processor-events.js';
import { logProcessorEvents } from './processor-log.js';
import type { ProcessorStatus } from './processor-status.js';
import { ProcessorStatusTracker } from './processor-status-tracker.js';
import type { ProcessorConfig } from './processor-types.js';
import { ProgressReporter } from './progress-reporter.js';
import { RestartSession, SessionPipeline, singleSlot, type PipelineContext } from './session-pipeline.js';
import { ensureTopics } from './topics.js';
import { TransactionalProducer } from './transactional-producer.js';
import { TransactionalPublisher } from './transactional-publisher.js';

/** Raised when the cluster refuses this client in a way no retry can fix (credentials, certificates, protocol). */
export class ConnectionRefusedError extends Error {
  constructor(readonly failure: ConnectionFailure) {
    super(failure.line);
    this.name = 'ConnectionRefusedError';
  }
}

/** Raised when another instance took over the model: restarting would only fight it. */
export class FencedError extends Error {
  constructor(transactionalId: string) {
    super(`another processor took over transactional id '${transactionalId}' (same --model); this instance stops`);
    this.name = 'FencedError';
  }
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The long-lived processor: consumes point messages in a consumer group, fits them in
 * a model slot, and commits dead letters, snapshots, checkpoints and input offsets
 * together in Kafka transactions. Any failure ends the session; the next one restores
 * the last committed checkpoint and resumes from the offsets committed with it, so
 * nothing is lost or counted twice. Sessions restart with backoff until `stop()`.
 *
 * It tells what it does as typed events (`events`): the log, the status for metrics,
 * the tests and the bench all follow those.
 */
export class Processor {
  readonly events = new ProcessorEvents();
  private readonly tracker: ProcessorStatusTracker;
  private stopping = false;
  private resolveStop!: () => void;
  private readonly stopRequested = new Promise<void>((resolve) => (this.resolveStop = resolve));
  /** The last checkpoint this process committed: saves reading it back after a failure. */
  private lastCommitted: AcknowledgedCommit | null = null;
  private client: Kafka | null = null;
  private readonly producer: TransactionalProducer;
  /** The slot of the session under way (for the live counters of the progress report). */
  private slot: ModelSlot | null = null;
  /** Whether the cluster ever answered this process (see classifyConnectionFailure). */
  private answered = false;

  constructor(
    readonly config: ProcessorConfig,
    private readonly logger: Logger,
  ) {
    logProcessorEvents(this.events, logger, config);
    this.tracker = new ProcessorStatusTracker(this.events, config.model);
    this.producer = new TransactionalProducer(() => this.kafka, config.transactionalId);
  }

  private get kafka(): Kafka {
    this.client ??= createKafka({ connection: this.config.connection, logger: this.logger });
    return this.client;
  }

  /** State and counters for metrics and health checks. */
  status(): ProcessorStatus {
    return this.tracker.status();
  }

  /** Finish the message in flight, publish the final snapshot, commit, leave the group. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.events.emit({ type: 'stopping' });
    this.resolveStop();
  }

  /** Run sessions until stopped; rejects only when another instance fenced this one (FencedError), or the cluster refuses it in a way no retry can fix (ConnectionRefusedError). */
  async run(): Promise<void> {
    const reporter = new ProgressReporter(this.events, this.tracker, () => this.slot?.liveCounters ?? null, this.config.topics.input);
    const progress = setInterval(() => reporter.report(), this.config.progressIntervalMs);
    let backoff = MIN_BACKOFF_MS;
    let sessions = 0;
    try {
      while (!this.stopping) {
        try {
          this.events.emit({ type: 'session-started', session: ++sessions });
          await this.session();
          backoff = MIN_BACKOFF_MS;
        } catch (error) {
          if (error instanceof FencedError) {
            this.events.emit({ type: 'fenced', transactionalId: this.config.transactionalId });
            throw error;
          }
          if (error instanceof RestartSession) {
            this.events.emit({ type: 'rebalanced' });
            continue;
          }
          if (this.stopping) break;
          const failure = await classifyConnectionFailure(error, this.config.connection, this.answered);
          if (failure.kind !== 'transient') {
            this.events.emit({ type: 'connection-refused', kind: failure.kind, reason: failure.line });
            throw new ConnectionRefusedError(failure);
          }
          this.events.emit({
            type: 'session-failed',
            error: describeKafkaError(error),
            connection: isConnectionError(error),
            retryInMs: backoff,
            brokers: this.config.connection.brokers,
          });
          await Promise.race([sleep(backoff), this.stopRequested]);
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
      }
    } finally {
      clearInterval(progress);
      await this.producer.close();
      this.events.emit({ type: 'stopped' });
    }
  }

  /** One consumer-group membership: restore, consume and commit until it fails, rebalances or stops. */
  private async session(): Promise<void> {
    const { config } = this;
    const kafka = this.kafka;
    const admin = kafka.admin();
    const consumer = kafka.consumer(processorConsumerConfig(config.group, config.sessionTimeoutMs));
    let subscription: Subscription | null = null;
    try {
      await admin.connect();
      // The cluster answered: from now on a closed connection is a broker's trouble, not a protocol mismatch.
      this.answered = true;
      await ensureTopics(admin, config.topics, config.topicSettings, this.logger);
      const publisher = new TransactionalPublisher(await this.producer.get(), config.group);
      const restored = await restoreCheckpoint(kafka, admin, config, this.lastCommitted);
      this.events.emit(restored.event);
      const slot = new ModelSlot(config.model, this.slotOptions(), restored.checkpoint, Date.now);
      this.slot = slot;
      const context: PipelineContext = {
        config,
        events: this.events,
        isStopping: () => this.stopping,
        commit: (commits) => this.commit(publisher, commits),
      };
      const pipeline = new SessionPipeline(context, singleSlot(slot));
      this.forwardFetches(consumer);
      let joins = 0;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (++joins > 1) pipeline.restartRequested = true;
      });
      await consumer.connect();
      const ended = new Promise<void>((resolve, reject) => {
        subscription = consumedBatches(consumer, { topics: [config.topics.input], fromBeginning: config.startFrom === 'earliest' })
          .pipe(concatMap((batch) => from(pipeline.handle(batch))))
          .subscribe({ error: reject, complete: resolve });
      });
      this.events.emit({ type: 'consuming', topic: config.topics.input, group: config.group, model: config.model });
      const timedCommits = setInterval(() => pipeline.commitIfDue(), Math.min(1000, config.snapshotIntervalMs / 2));
      try {
        await Promise.race([ended, this.stopRequested, pipeline.failed]);
      } finally {
        clearInterval(timedCommits);
      }
      if (this.stopping) {
        await pipeline.idle();
        await pipeline.finish();
        (subscription as Subscription | null)?.unsubscribe();
        await consumer.disconnect();
        this.events.emit({ type: 'left-group' });
      }
    } catch (error) {
      if (isFenced(error)) throw new FencedError(config.transactionalId);
      throw error;
    } finally {
      (subscription as Subscription | null)?.unsubscribe();
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      this.events.emit({ type: 'session-ended' });
    }
  }

  /** The consumer's fetch instrumentation as processor events, for whoever listens (the bench probe). */
  private forwardFetches(consumer: Consumer): void {
    if (this.events.wants('fetch-started')) consumer.on(consumer.events.FETCH_START, () => this.events.emit({ type: 'fetch-started' }));
    if (this.events.wants('fetched')) {
      consumer.on(consumer.events.FETCH, ({ payload }) => this.events.emit({ type: 'fetched', durationMs: payload.duration, batches: payload.numberOfBatches }));
    }
  }

  /** The engine and its cadence, as every slot of this processor fits. */
  private slotOptions(): ConstructorParameters<typeof ModelSlot>[1] {
    const { config } = this;
    return {
      ...config.engine,
      snapshotEvery: config.snapshotEvery,
      snapshotIntervalMs: config.snapshotIntervalMs,
      progressIntervalMs: Math.max(250, Math.floor(config.progressIntervalMs / 2)),
    };
  }

  /** One transaction; a failure makes the next session start with a new producer. */
  private async commit(publisher: TransactionalPublisher, commits: readonly SlotCommit[]): Promise<CheckpointPointer> {
    try {
      const pointer = await publisher.commit({ outputs: commits.flatMap((c) => c.outputs), offsets: commits.flatMap((c) => c.offsets) });
      // One slot today: its checkpoint is the one the offsets point at.
      this.lastCommitted = { pointer, checkpoint: commits[0].checkpoint };
      return pointer;
    } catch (error) {
      this.producer.markSuspect();
      throw error;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
