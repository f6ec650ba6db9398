import type { Admin, KafkaMessage, Message, Producer } from 'kafkajs';
import { concatMap, from, Subject, type Subscription } from 'rxjs';
import type { OnlineEmOptions } from '../em/options.js';
import type { MixtureSnapshot } from '../em/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { EngineState } from '../em/online-em.js';
import { onlineEm } from '../stream/online-em-operator.js';
import type { OnlineEmEvent, ProgressEvent } from '../stream/online-em-events.js';
import { isFloat64Input, type PointInput } from '../stream/point-input.js';
import { encodeCheckpoint, type Checkpoint, type CheckpointPointer, type PartitionOffset, type ProcessorCounters } from './checkpoint.js';
import { committedPointer, readCheckpoint } from './checkpoint-store.js';
import { consumedBatches, type ConsumedBatch } from './consumer-batches.js';
import { deadLetterFor } from './dead-letter.js';
import { createKafka, describeKafkaError, isConnectionError, isFenced } from './kafka-client.js';
import { decodeMessage, type MessagePosition } from './message-format.js';
import { ensureTopics, type TopicNames, type TopicSettings } from './topics.js';
import { DEAD_LETTER_BATCH_BYTES, recordBytes, TransactionalPublisher } from './transactional-publisher.js';

export interface ProcessorConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Name of the model: key of its snapshots and checkpoints. */
  readonly model: string;
  readonly group: string;
  readonly transactionalId: string;
  readonly topics: TopicNames;
  readonly topicSettings: TopicSettings;
  readonly engine: OnlineEmOptions;
  /** Publish after this many minibatches (null: by time only). */
  readonly snapshotEvery: number | null;
  /** Publish (and checkpoint) at least this often while input arrives. */
  readonly snapshotIntervalMs: number;
  readonly progressIntervalMs: number;
  readonly maxMessageBytes: number;
  /** Where a group without committed offsets starts. */
  readonly startFrom: 'earliest' | 'latest';
  /** Consumer group session timeout: how soon a dead instance's partitions move on. */
  readonly sessionTimeoutMs: number;
}

/** Raised when another instance took over the model: restarting would only fight it. */
export class FencedError extends Error {
  constructor(transactionalId: string) {
    super(`another processor took over transactional id '${transactionalId}' (same --model); this instance stops`);
    this.name = 'FencedError';
  }
}

class RestartSession extends Error {}

/** Dead letters held before a commit is forced, so memory stays bounded under a flood of bad input. */
const MAX_BUFFERED_DEAD_LETTERS = 1000;
const HEARTBEAT_EVERY_MESSAGES = 64;
const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const CHECKPOINT_READ_TIMEOUT_MS = 60_000;
const IDLE_REPORT_MS = 60_000;

interface PendingCommit {
  readonly state: EngineState;
  readonly snapshot: MixtureSnapshot | null;
  readonly final: boolean;
}

/** What a snapshot record holds: the engine's snapshot plus where it stands in the input. */
export interface PublishedSnapshot extends MixtureSnapshot {
  readonly model: string;
  /** Next offset per input partition: the snapshot reflects every message before them. */
  readonly offsets: readonly PartitionOffset[];
  readonly input: { readonly messages: number; readonly deadLettered: number };
  readonly final: boolean;
}

/**
 * The long-lived processor: consumes point messages in a consumer group, runs the
 * online-EM operator, and commits dead letters, snapshots, checkpoints and input
 * offsets together in Kafka transactions. Any failure ends the session; the next one
 * restores the last committed checkpoint and resumes from the offsets committed with it,
 * so nothing is lost or counted twice. Sessions restart with backoff until `stop()`.
 */
export class Processor {
  private stopping = false;
  private resolveStop!: () => void;
  private readonly stopRequested = new Promise<void>((resolve) => (this.resolveStop = resolve));
  /** The last checkpoint this process committed: saves reading it back after a failure. */
  private lastCommitted: { pointer: CheckpointPointer; checkpoint: Checkpoint } | null = null;
  private counters: ProcessorCounters = { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 };
  private lag = new Map<string, number>();
  private lastProgress: ProgressEvent | null = null;
  private lastReportedPoints = -1;
  private lastIdleReport = 0;
  private consuming = false;
  private client!: ReturnType<typeof createKafka>;
  private producer: Producer | null = null;
  private producerSuspect = false;

  constructor(
    readonly config: ProcessorConfig,
    private readonly logger: Logger,
  ) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Finish the message in flight, publish the final snapshot, commit, leave the group. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.resolveStop();
  }

  /** Run sessions until stopped; rejects only when another instance fenced this one. */
  async run(): Promise<void> {
    this.client = createKafka({ brokers: this.config.brokers, clientId: this.config.clientId, logger: this.logger });
    const progress = setInterval(() => this.reportProgress(), this.config.progressIntervalMs);
    let backoff = MIN_BACKOFF_MS;
    try {
      while (!this.stopping) {
        try {
          await this.session();
          backoff = MIN_BACKOFF_MS;
        } catch (error) {
          if (error instanceof FencedError) throw error;
          if (error instanceof RestartSession) {
            this.logger.info('consumer group rebalanced: resuming from the last committed checkpoint');
            continue;
          }
          if (this.stopping) break;
          const what = isConnectionError(error) ? 'cannot reach Kafka' : 'Kafka session failed';
          this.logger.warn(
            `${what}: ${describeKafkaError(error)}; retrying in ${Math.round(backoff / 1000)} s ` +
              `(brokers ${this.config.brokers.join(',')}: check --brokers / KAFKA_BROKERS and that the cluster is up)`,
          );
          await Promise.race([sleep(backoff), this.stopRequested]);
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
      }
    } finally {
      clearInterval(progress);
      await this.producer?.disconnect().catch(() => undefined);
    }
  }

  private async session(): Promise<void> {
    const { config, logger } = this;
    const kafka = this.client;
    const admin = kafka.admin();
    const consumer = kafka.consumer({
      groupId: config.group,
      readUncommitted: false,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(config.sessionTimeoutMs / 10)),
      // A short fetch wait keeps shutdown and rebalances quick when the topic is idle.
      maxWaitTimeInMs: 1_000,
      maxBytes: 16 * 1024 * 1024,
      maxBytesPerPartition: Math.max(1024 * 1024, config.maxMessageBytes),
      retry: { retries: 5, restartOnFailure: async () => false },
    });
    let subscription: Subscription | null = null;
    try {
      await admin.connect();
      await ensureTopics(admin, config.topics, config.topicSettings, logger);
      const producer = await this.transactionalProducer();
      const checkpoint = await this.restore(kafka, admin);
      const pipeline = new SessionPipeline(this, checkpoint, new TransactionalPublisher(producer, config.topics, config.group, config.model));
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
      logger.info(`consuming ${config.topics.input} as group ${config.group}, model '${config.model}'`);
      this.consuming = true;
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
        logger.info('left the consumer group; final snapshot and offsets committed');
      }
    } catch (error) {
      if (isFenced(error)) throw new FencedError(config.transactionalId);
      throw error;
    } finally {
      this.consuming = false;
      (subscription as Subscription | null)?.unsubscribe();
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * The transactional producer, kept across sessions: initialising one fences every
   * older producer of the same transactional id, so an instance that merely rejoins
   * the group must not re-initialise, or a stale instance waking up would fence the
   * one that took over. It is replaced only after a failed transaction, whose state
   * the old one may no longer know.
   */
  private async transactionalProducer(): Promise<Producer> {
    if (this.producer && !this.producerSuspect) return this.producer;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
    const producer = this.client.producer({
      transactionalId: this.config.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // kafkajs waits 300 ms by default when a new transaction meets the last one's markers.
      retry: { initialRetryTime: 20, maxRetryTime: 2_000, retries: 10 },
    });
    // Initialising the transactional producer fences older instances and aborts their open transaction.
    await producer.connect();
    this.producer = producer;
    this.producerSuspect = false;
    return producer;
  }

  /** @internal a transaction failed: the next session starts with a new producer. */
  markProducerSuspect(): void {
    this.producerSuspect = true;
  }

  /** The checkpoint committed with the group's offsets, from memory when this process wrote it. */
  private async restore(kafka: ReturnType<typeof createKafka>, admin: Admin): Promise<Checkpoint | null> {
    const { config, logger } = this;
    const pointer = await committedPointer(admin, config.group, config.topics.input);
    if (!pointer) {
      this.counters = { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 };
      logger.info(`no checkpoint for group ${config.group}: starting a new fit from the ${config.startFrom} offsets`);
      return null;
    }
    const cached = this.lastCommitted;
    const checkpoint =
      cached && cached.pointer.partition === pointer.partition && cached.pointer.offset === pointer.offset
        ? cached.checkpoint
        : await readCheckpoint(kafka, admin, config.topics.state, pointer, CHECKPOINT_READ_TIMEOUT_MS);
    if (checkpoint.model !== config.model) {
      throw new Error(`the checkpoint committed for group ${config.group} belongs to model '${checkpoint.model}', not '${config.model}': use a group per model`);
    }
    this.counters = { ...checkpoint.counters };
    logger.info(
      `restored model '${config.model}' from checkpoint ${config.topics.state}/${pointer.partition}@${pointer.offset}: ` +
        `${checkpoint.engine.counters.pointsSeen} points, ${checkpoint.counters.messages} messages`,
    );
    return checkpoint;
  }

  /** @internal counters shared with the session pipeline. */
  get processorCounters(): ProcessorCounters {
    return this.counters;
  }

  /** @internal */
  recordCommit(pointer: CheckpointPointer, checkpoint: Checkpoint, snapshot: PublishedSnapshot | null): void {
    this.lastCommitted = { pointer, checkpoint };
    if (!snapshot) return;
    const ll = snapshot.logLikelihood.average;
    this.logger.info(
      `snapshot #${this.counters.snapshotsPublished}${snapshot.final ? ' (final)' : ''}: ${snapshot.pointsSeen} points, ` +
        `loglik ${ll === null ? 'n/a' : ll.toFixed(4)}${snapshot.converged ? ' (converged)' : ''}, ` +
        `weights [${snapshot.weights.map((w) => w.toFixed(3)).join(', ')}], ${snapshot.input.deadLettered} dead letters`,
    );
  }

  /** @internal */
  recordLag(topic: string, partition: number, lag: number): void {
    this.lag.set(`${topic}:${partition}`, lag);
  }

  /** @internal */
  recordProgress(event: ProgressEvent): void {
    this.lastProgress = event;
  }

  private reportProgress(): void {
    const p = this.lastProgress;
    const lag = [...this.lag.values()].reduce((a, b) => a + b, 0);
    const c = this.counters;
    if (!this.consuming) return;
    if (!p || p.counters.pointsSeen === this.lastReportedPoints) {
      // Idle: say so once, then once a minute, rather than filling the log.
      if (Date.now() - this.lastIdleReport < IDLE_REPORT_MS) return;
      this.lastIdleReport = Date.now();
      this.logger.status(`idle: waiting for points on ${this.config.topics.input} (lag ${lag}, ${c.snapshotsPublished} snapshots, ${c.deadLettered} dead letters)`);
      return;
    }
    this.lastIdleReport = 0;
    this.lastReportedPoints = p.counters.pointsSeen;
    const ll = p.logLikelihood.last;
    this.logger.status(
      `${Math.round(p.pointsPerSecond)} points/s | ${p.counters.pointsSeen} points | lag ${lag} messages | ` +
        `${p.warmingUp ? 'warming up' : `loglik ${ll === null ? 'n/a' : ll.toFixed(4)}`} | ${c.snapshotsPublished} snapshots | ${c.deadLettered} dead letters`,
    );
  }
}

/** One session's pipeline: the operator fed message by message, and the commits. */
class SessionPipeline {
  restartRequested = false;
  private readonly inputs = new Subject<PointInput<MessagePosition>>();
  private readonly checkpointRequests = new Subject<void>();
  private readonly subscription: Subscription;
  private readonly nextOffsets = new Map<string, PartitionOffset>();
  private deadLetters: Message[] = [];
  private deadLetterBytes = 0;
  private pending: PendingCommit | null = null;
  private uncommittedMessages = 0;
  private lastCommitTime = Date.now();
  private current: { message: KafkaMessage; rows: number } | null = null;
  private failure: unknown = null;
  private lock: Promise<void> = Promise.resolve();
  private rejectFailed!: (error: unknown) => void;
  /** Rejects at the first failure: the session ends at once, and no batch is handled after it. */
  readonly failed = new Promise<never>((_resolve, reject) => (this.rejectFailed = reject));
  private readonly config: ProcessorConfig;

  constructor(
    private readonly processor: Processor,
    checkpoint: Checkpoint | null,
    private readonly publisher: TransactionalPublisher,
  ) {
    this.config = processor.config;
    for (const o of checkpoint?.offsets ?? []) this.nextOffsets.set(`${o.topic}:${o.partition}`, o);
    this.subscription = this.inputs
      .pipe(
        onlineEm<MessagePosition>({
          ...this.config.engine,
          snapshotEvery: this.config.snapshotEvery,
          snapshotIntervalMs: this.config.snapshotIntervalMs,
          progressIntervalMs: Math.max(250, Math.floor(this.config.progressIntervalMs / 2)),
          flushOnComplete: false,
          includeState: true,
          checkpointRequests: this.checkpointRequests,
          ...(checkpoint ? { initialState: checkpoint.engine } : {}),
        }),
      )
      .subscribe({ next: (event) => this.onEvent(event), error: (error: unknown) => (this.failure = error) });
    this.failed.catch(() => undefined);
  }

  /** Handle one fetched batch, message by message; commits when one is due. */
  handle(batch: ConsumedBatch): Promise<void> {
    return this.serially(() => this.process(batch)).then(
      () => batch.done(),
      (error: unknown) => batch.done(error),
    );
  }

  /**
   * Commit what is uncommitted once the interval has passed, even if no more input
   * arrives: after a burst, the model it produced must not wait for the next message.
   */
  commitIfDue(): void {
    if (this.failure || this.processor.isStopping || !this.commitDueByTime()) return;
    void this.serially(async () => {
      if (!this.commitDueByTime()) return;
      this.checkpointRequests.next();
      if (this.pending) await this.commit();
    }).catch(() => undefined);
  }

  /** Resolves when no batch or commit is under way. */
  idle(): Promise<void> {
    return this.lock.then(() => undefined, () => undefined);
  }

  /** Batches and timed commits run one at a time; after a failure, nothing runs. */
  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.lock.then(() => {
      if (this.failure) throw this.failure;
      return work();
    });
    this.lock = run.catch((error: unknown) => {
      // The engine is now ahead of what was committed: nothing more may be processed.
      this.failure ??= error;
      this.rejectFailed(error);
    });
    return run;
  }

  /** Shutdown: the final snapshot (or checkpoint while warming up) and the offsets, committed. */
  async finish(): Promise<void> {
    this.inputs.complete();
    if (this.failure) throw this.failure;
    if (this.pending && this.nextOffsets.size > 0) await this.commit();
    this.subscription.unsubscribe();
  }

  private async process({ payload }: ConsumedBatch): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    if (this.restartRequested) throw new RestartSession('the consumer group rebalanced');
    const counters = this.processor.processorCounters;
    let handled = 0;
    for (const message of batch.messages) {
      if (this.processor.isStopping || !isRunning() || isStale()) break;
      const position = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const input = decodeMessage(message.value, message.headers, position, this.config.maxMessageBytes);
      this.current = { message, rows: isFloat64Input(input) ? input.data.length / input.dim : (input as { points: unknown[] }).points.length };
      this.inputs.next(input);
      if (this.failure) throw this.failure;
      this.nextOffsets.set(`${batch.topic}:${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(message.offset) + 1n).toString() });
      counters.messages++;
      this.uncommittedMessages++;
      if (!this.pending && this.commitDueByTimeOrVolume()) this.checkpointRequests.next();
      payload.resolveOffset(message.offset);
      if (this.pending) await this.commit();
      if (++handled % HEARTBEAT_EVERY_MESSAGES === 0) await heartbeat();
    }
    const next = this.nextOffsets.get(`${batch.topic}:${batch.partition}`);
    if (next) this.processor.recordLag(batch.topic, batch.partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next.offset))));
  }

  private commitDueByTimeOrVolume(): boolean {
    // By bytes too: a thousand large dead letters are megabytes to hold and to send.
    return this.deadLetters.length >= MAX_BUFFERED_DEAD_LETTERS || this.deadLetterBytes >= DEAD_LETTER_BATCH_BYTES || this.commitDueByTime();
  }

  private commitDueByTime(): boolean {
    return this.uncommittedMessages > 0 && Date.now() - this.lastCommitTime >= this.config.snapshotIntervalMs;
  }

  private onEvent(event: OnlineEmEvent<MessagePosition>): void {
    switch (event.type) {
      case 'rejected': {
        const current = this.current!;
        const deadLetter = deadLetterFor(current.message, event.position!, event.rejections, current.rows, this.config.model);
        this.deadLetters.push(deadLetter);
        this.deadLetterBytes += recordBytes(deadLetter);
        this.processor.processorCounters.deadLettered++;
        break;
      }
      case 'snapshot':
        this.pending = { state: event.state!, snapshot: event.snapshot, final: event.final };
        break;
      case 'checkpoint':
        this.pending = { state: event.state, snapshot: event.snapshot, final: event.final };
        break;
      case 'progress':
        this.processor.recordProgress(event);
        break;
    }
  }

  private async commit(): Promise<void> {
    const { state, snapshot, final } = this.pending!;
    this.pending = null;
    const counters = this.processor.processorCounters;
    const offsets = [...this.nextOffsets.values()];
    counters.checkpoints++;
    if (snapshot) counters.snapshotsPublished++;
    const checkpoint: Checkpoint = {
      version: 1,
      model: this.config.model,
      engine: state,
      counters: { ...counters },
      offsets,
      createdAt: new Date().toISOString(),
    };
    const published: PublishedSnapshot | null = snapshot
      ? { ...snapshot, model: this.config.model, offsets, input: { messages: counters.messages, deadLettered: counters.deadLettered }, final }
      : null;
    let pointer: CheckpointPointer;
    try {
      pointer = await this.publisher.commit({
        deadLetters: this.deadLetters,
        snapshot: published ? Buffer.from(JSON.stringify(published)) : null,
        checkpoint: encodeCheckpoint(checkpoint),
        offsets,
      });
    } catch (error) {
      this.processor.markProducerSuspect();
      throw error;
    }
    this.deadLetters = [];
    this.deadLetterBytes = 0;
    this.uncommittedMessages = 0;
    this.lastCommitTime = Date.now();
    this.processor.recordCommit(pointer, checkpoint, published);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

