import type { Admin, Consumer, Kafka } from 'kafkajs';
import { concatMap, from, type Subscription } from 'rxjs';
import type { Logger } from '../log/logger.js';
import { ActiveModel } from './active-model.js';
import type { CheckpointPointer, PartitionOffset } from './checkpoint.js';
import { restoreCheckpoint, type AcknowledgedCommit } from './checkpoint-restore.js';
import { consumedBatches, type ConsumedBatch } from './consumer-batches.js';
import { heartbeatIntervalMs, processorConsumerConfig } from './consumer-config.js';
import { classifyConnectionFailure, type ConnectionFailure } from './connection/connection-failure.js';
import { createKafka, describeKafkaError, isConnectionError, isFenced } from './kafka-client.js';
import { errorCode } from './error-chain.js';
import { ModelSlot, type SlotCommit } from './model-slot.js';
import { ModelStateError } from './model-state-error.js';
import { resetModel } from './model-reset.js';
import { GroupMembership } from './ownership/group-membership.js';
import { commitCoverageProblem } from './ownership/partition-coverage.js';
import { singleOwnerAssigner } from './ownership/single-owner-assigner.js';
import { ProcessorEvents } from './processor-events.js';
import { logProcessorEvents } from './processor-log.js';
import type { ProcessorStatus } from './processor-status.js';
import { ProcessorStatusTracker } from './processor-status-tracker.js';
import type { ProcessorConfig } from './processor-types.js';
import { ProgressReporter } from './progress-reporter.js';
import { SessionPipeline, singleSlot, type PipelineContext } from './session-pipeline.js';
import { MessageDecodeThread } from './message-decode/message-decode-thread.js';
import { resolveOptions } from '../em/options.js';
import { ensureTopics } from './topics.js';
import { KeyedSession } from './keyed/keyed-session.js';
import { KeyedStatusTracker } from './keyed/keyed-status.js';
import { whileHeartbeating } from './heartbeats.js';
import { TransactionalProducer } from './transactional-producer.js';
import { TransactionalPublisher } from './transactional-publisher.js';

/** Raised when the cluster refuses this client in a way no retry can fix (credentials, certificates, protocol). */
export class ConnectionRefusedError extends Error {
  constructor(readonly failure: ConnectionFailure) {
    super(failure.line);
    this.name = 'ConnectionRefusedError';
  }
}

/** Raised when another instance took over the model's transactional id. */
export class FencedError extends Error {
  constructor(transactionalId: string) {
    super(`another processor took over transactional id '${transactionalId}' (same --model)`);
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
  private readonly keyedTracker: KeyedStatusTracker | null;
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
  /** --reset-model is done once per process, at its first session. */
  private resetDone = false;
  /** With --decode-thread: made at the first activation, kept across sessions, closed when run ends. */
  private decodeThread: MessageDecodeThread | null = null;

  constructor(
    readonly config: ProcessorConfig,
    private readonly logger: Logger,
  ) {
    logProcessorEvents(this.events, logger, config);
    this.tracker = new ProcessorStatusTracker(this.events, config.model);
    this.keyedTracker = config.keyed ? new KeyedStatusTracker(this.events, config.keyed.keyMetrics) : null;
    this.producer = new TransactionalProducer(() => this.kafka, config.transactionalId);
  }

  private get kafka(): Kafka {
    this.client ??= createKafka({ connection: this.config.connection, logger: this.logger });
    return this.client;
  }

  /** State and counters for metrics and health checks. */
  status(): ProcessorStatus {
    const status = this.tracker.status();
    return this.keyedTracker ? { ...status, keyed: this.keyedTracker.status() } : status;
  }

  /** Finish the message in flight, publish the final snapshot, commit, leave the group. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.events.emit({ type: 'stopping' });
    this.resolveStop();
  }

  /**
   * Run sessions until stopped. Rejects only when another instance fenced this one during
   * its stop (FencedError), when the cluster refuses it in a way no retry can fix
   * (ConnectionRefusedError), or when the model's stored state cannot be resumed from
   * safely (ModelStateError).
   */
  async run(): Promise<void> {
    const reporter = new ProgressReporter(
      this.events,
      this.tracker,
      () => this.slot?.liveCounters ?? this.keyedTracker?.counters() ?? null,
      this.config.topics.input,
      this.config.group,
      this.config.sessionTimeoutMs,
      () => this.keyedTracker?.progressKeys() ?? null,
    );
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
            this.events.emit({ type: 'fenced', transactionalId: this.config.transactionalId, stopping: this.stopping });
            // The model moved on without this instance (it was expelled from the group, say):
            // rejoin and stand by. Only a stop that cannot make its final commit ends here.
            if (this.stopping) throw error;
            // What it held is not the model's state any more.
            this.lastCommitted = null;
            // Backing off: two deployments of one --model in different groups fence each other in turn.
            await Promise.race([sleep(backoff), this.stopRequested]);
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            continue;
          }
          if (error instanceof ModelStateError) {
            this.events.emit({ type: 'model-state-refused', reason: error.message });
            throw error;
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
            errorCode: errorCode(error),
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
      this.decodeThread?.close();
      await this.producer.close();
      this.events.emit({ type: 'stopped' });
    }
  }

  /**
   * One consumer-group membership. The group gives every input partition to one member
   * (singleOwnerAssigner): that one fences the model's older producers, restores the
   * checkpoint, consumes and commits; the others stand by. A rebalance that leaves the
   * model with its owner changes nothing; one that moves it hands it over (membership).
   */
  private async session(): Promise<void> {
    if (this.config.keyed) return this.keyedSession();
    const { config } = this;
    const kafka = this.kafka;
    const admin = kafka.admin();
    let active: ActiveModel | null = null;
    let failSession!: (error: unknown) => void;
    const sessionFailed = new Promise<never>((_resolve, reject) => (failSession = reject));
    sessionFailed.catch(() => undefined);
    const membership = new GroupMembership(config.group, config.model, config.topics.input, this.events, {
      take: async () => {
        active = await this.activate(kafka, admin, failSession);
      },
      keep: async (partitions) => {
        // kafkajs re-reads the group's committed offsets after every join: point it back at where the model is.
        for (const o of active!.slot.offsets()) consumer.seek({ topic: o.topic, partition: o.partition, offset: o.offset });
        this.events.emit({ type: 'rebalanced', partitions });
      },
      release: async () => {
        const handed = active!;
        active = null;
        const committed = await handed.release();
        this.slot = null;
        // The next owner commits on from here: this process's last commit is no longer the newest.
        this.lastCommitted = null;
        this.events.emit({ type: 'handed-over', model: config.model, committed });
      },
    });
    const consumer = kafka.consumer({ ...processorConsumerConfig(config.group, config.sessionTimeoutMs), partitionAssigners: [singleOwnerAssigner(() => membership.claim())] });
    let subscription: Subscription | null = null;
    try {
      await admin.connect();
      // The cluster answered: from now on a closed connection is a broker's trouble, not a protocol mismatch.
      this.answered = true;
      await ensureTopics(admin, config.topics, config.topicSettings, this.logger);
      if (config.resetModel && !this.resetDone) {
        this.events.emit(await resetModel(admin, config));
        this.resetDone = true;
      }
      this.forwardFetches(consumer);
      membership.follow(consumer);
      await consumer.connect();
      const ended = new Promise<void>((resolve, reject) => {
        subscription = consumedBatches(consumer, { topics: [config.topics.input], fromBeginning: config.startFrom === 'earliest' })
          .pipe(concatMap((batch) => from(this.handleBatch(batch, membership, () => active))))
          .subscribe({ error: reject, complete: resolve });
      });
      this.events.emit({ type: 'joining', group: config.group });
      await Promise.race([ended, this.stopRequested, membership.failed, sessionFailed]);
      if (this.stopping) {
        // No take from now on (the group may give a standby the model while it stops, when the
        // owner leaves too); one under way finishes first (its restore gives up at once on a stop).
        await membership.close();
        const last = active as ActiveModel | null;
        if (last) await last.finish();
        (subscription as Subscription | null)?.unsubscribe();
        await consumer.disconnect();
        this.events.emit({ type: 'left-group' });
      }
    } catch (error) {
      if (isFenced(error)) throw new FencedError(config.transactionalId);
      throw error;
    } finally {
      // A take under way must not outlive the session (its timed commits would go on).
      await membership.close();
      (active as ActiveModel | null)?.close();
      membership.reset();
      this.slot = null;
      (subscription as Subscription | null)?.unsubscribe();
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      this.events.emit({ type: 'session-ended' });
    }
  }

  /** One consumer-group membership of keyed mode: a model per message key (see KeyedSession). */
  private async keyedSession(): Promise<void> {
    const { config } = this;
    const kafka = this.kafka;
    const admin = kafka.admin();
    try {
      await admin.connect();
      this.answered = true;
      // A partition's keys are indexed by reading one state partition: as many as the input has.
      const input = (await admin.listTopics()).includes(config.topics.input) ? (await admin.fetchTopicOffsets(config.topics.input)).length : config.topicSettings.inputPartitions;
      await ensureTopics(admin, config.topics, { ...config.topicSettings, statePartitions: input }, this.logger);
      await new KeyedSession({ kafka, admin, config, events: this.events, stopRequested: this.stopRequested, isStopping: () => this.stopping, decodeThread: this.messageDecodeThread() }).run();
    } catch (error) {
      if (isFenced(error)) throw new FencedError(config.transactionalId);
      throw error;
    } finally {
      await admin.disconnect().catch(() => undefined);
      this.events.emit({ type: 'session-ended' });
    }
  }

  /** This member got the model: fence its older producers, then restore and start fitting. */
  private async activate(kafka: Kafka, admin: Admin, fail: (error: unknown) => void): Promise<ActiveModel> {
    const { config } = this;
    // Always a new epoch: whoever held the model before (another instance, or this one before
    // a standby turn) can no longer commit once this returns, so the restore sees its last word.
    const publisher = new TransactionalPublisher(await this.producer.fresh(), config.group);
    const restored = await restoreCheckpoint(kafka, admin, config, this.lastCommitted, this.stopRequested);
    this.events.emit(restored.event);
    const slot = new ModelSlot(config.model, this.slotOptions(), restored.checkpoint, Date.now, config.scores ?? null);
    this.slot = slot;
    const restoredOffsets = restored.checkpoint?.offsets ?? [];
    const context: PipelineContext = {
      config,
      events: this.events,
      isStopping: () => this.stopping,
      commit: (commits) => this.commit(publisher, commits, restoredOffsets),
      sendAhead: (output) => publisher.sendAhead(output),
      decodeThread: this.messageDecodeThread(),
    };
    const active = new ActiveModel(
      slot,
      new SessionPipeline(context, singleSlot(slot)),
      Math.min(1000, config.snapshotIntervalMs / 2),
      () => this.producer.markSuspect(),
      fail,
    );
    this.events.emit({ type: 'consuming', topic: config.topics.input, group: config.group, model: config.model });
    return active;
  }

  /** A batch waits until the member's role is settled (heartbeating meanwhile), then goes to the model it holds. */
  private async handleBatch(batch: ConsumedBatch, membership: GroupMembership, active: () => ActiveModel | null): Promise<void> {
    await whileHeartbeating(membership.settled(), batch.payload.heartbeat, heartbeatIntervalMs(this.config.sessionTimeoutMs));
    const model = active();
    if (!model) return batch.done();
    return model.pipeline.handle(batch);
  }

  /** The consumer's fetch instrumentation as processor events, for whoever listens (the bench probe). */
  private forwardFetches(consumer: Consumer): void {
    if (this.events.wants('fetch-started')) consumer.on(consumer.events.FETCH_START, () => this.events.emit({ type: 'fetch-started' }));
    if (this.events.wants('fetched')) {
      consumer.on(consumer.events.FETCH, ({ payload }) => this.events.emit({ type: 'fetched', durationMs: payload.duration, batches: payload.numberOfBatches }));
    }
  }

  /** The decode thread of JSON messages, when configured (made once). */
  private messageDecodeThread(): MessageDecodeThread | null {
    if (!this.config.decodeThread) return null;
    this.decodeThread ??= new MessageDecodeThread(resolveOptions(this.config.engine).maxAbsValue, (reason) =>
      this.events.emit({ type: 'decode-thread-failed', reason }),
    );
    return this.decodeThread;
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
  private async commit(publisher: TransactionalPublisher, commits: readonly SlotCommit[], restoredOffsets: readonly PartitionOffset[]): Promise<CheckpointPointer> {
    // Never a commit that drops a partition's progress (the next restore would lose it).
    const problem = commitCoverageProblem(restoredOffsets, commits.flatMap((c) => c.offsets));
    if (problem) throw new ModelStateError(`refusing to commit model '${this.config.model}': ${problem}`);
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
