import type { Admin, Producer } from 'kafkajs';
import { concatMap, from, type Subscription } from 'rxjs';
import type { Logger } from '../log/logger.js';
import type { ProgressEvent } from '../stream/online-em-events.js';
import type { Checkpoint, CheckpointPointer, PartitionOffset, ProcessorCounters } from './checkpoint.js';
import { committedPointer, readCheckpointsFrom } from './checkpoint-store.js';
import { consumedBatches } from './consumer-batches.js';
import { processorConsumerConfig } from './consumer-config.js';
import { createKafka, describeKafkaError, isConnectionError, isFenced } from './kafka-client.js';
import type { ProcessorState, ProcessorStatus } from './processor-status.js';
import type { PipelineHost, ProcessorConfig, PublishedSnapshot } from './processor-types.js';
import { newerCheckpointRefusal, restoreSource } from './restore-source.js';
import { RestartSession, SessionPipeline } from './session-pipeline.js';
import { ensureTopics } from './topics.js';
import { TransactionalPublisher } from './transactional-publisher.js';

/** Raised when another instance took over the model: restarting would only fight it. */
export class FencedError extends Error {
  constructor(transactionalId: string) {
    super(`another processor took over transactional id '${transactionalId}' (same --model); this instance stops`);
    this.name = 'FencedError';
  }
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const CHECKPOINT_READ_TIMEOUT_MS = 60_000;
const IDLE_REPORT_MS = 60_000;

/**
 * The long-lived processor: consumes point messages in a consumer group, runs the
 * online-EM operator, and commits dead letters, snapshots, checkpoints and input
 * offsets together in Kafka transactions. Any failure ends the session; the next one
 * restores the last committed checkpoint and resumes from the offsets committed with it,
 * so nothing is lost or counted twice. Sessions restart with backoff until `stop()`.
 */
export class Processor implements PipelineHost {
  private stopping = false;
  private resolveStop!: () => void;
  private readonly stopRequested = new Promise<void>((resolve) => (this.resolveStop = resolve));
  /** The last checkpoint this process committed: saves reading it back after a failure. */
  private lastCommitted: { pointer: CheckpointPointer; checkpoint: Checkpoint } | null = null;
  private counters: ProcessorCounters = { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 };
  /** Consumer lag by partition, at each partition's last fetched batch. */
  private lag = new Map<string, { topic: string; partition: number; messages: number }>();
  private lastProgress: ProgressEvent | null = null;
  private lastReportedPoints = -1;
  private lastIdleReport = 0;
  private consuming = false;
  private client!: ReturnType<typeof createKafka>;
  private producer: Producer | null = null;
  private producerSuspect = false;
  private state: ProcessorState = 'starting';
  private lastError: string | null = null;
  private sessions = 0;
  private sessionFailures = 0;
  /**
   * The newest committed checkpoint known, for status(): this process's last commit (with its
   * time and snapshot), or the checkpoint a session restored from an earlier process.
   */
  private committedView: { checkpoint: Checkpoint; at: number | null; snapshot: PublishedSnapshot | null } | null = null;

  constructor(
    readonly config: ProcessorConfig,
    private readonly logger: Logger,
  ) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  /** State and counters for metrics and health checks. */
  status(): ProcessorStatus {
    const view = this.committedView;
    const snapshot = view?.snapshot ?? null;
    return {
      model: this.config.model,
      state: this.state,
      lastError: this.lastError,
      sessions: this.sessions,
      sessionFailures: this.sessionFailures,
      committed: view
        ? {
              counters: { ...view.checkpoint.counters },
              engine: { ...view.checkpoint.engine.counters },
              at: view.at,
              logLikelihoodAverage: snapshot?.logLikelihood.average ?? null,
              stepSize: snapshot?.stepSize ?? null,
              converged: snapshot ? snapshot.converged : null,
            }
        : null,
      live: this.lastProgress
        ? { pointsSeen: this.lastProgress.counters.pointsSeen, pointsPerSecond: this.lastProgress.pointsPerSecond, warmingUp: this.lastProgress.warmingUp }
        : null,
      lag: [...this.lag.values()].map((l) => ({ ...l })),
    };
  }

  /** Finish the message in flight, publish the final snapshot, commit, leave the group. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.state = 'stopping';
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
          this.sessions++;
          await this.session();
          backoff = MIN_BACKOFF_MS;
        } catch (error) {
          if (error instanceof FencedError) throw error;
          if (error instanceof RestartSession) {
            this.logger.info('consumer group rebalanced: resuming from the last committed checkpoint');
            continue;
          }
          if (this.stopping) break;
          this.sessionFailures++;
          this.state = 'retrying';
          this.lastError = describeKafkaError(error);
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
      this.state = 'stopped';
      clearInterval(progress);
      await this.producer?.disconnect().catch(() => undefined);
    }
  }

  private async session(): Promise<void> {
    const { config, logger } = this;
    const kafka = this.client;
    const admin = kafka.admin();
    const consumer = kafka.consumer(processorConsumerConfig(config.group, config.sessionTimeoutMs));
    let subscription: Subscription | null = null;
    try {
      await admin.connect();
      await ensureTopics(admin, config.topics, config.topicSettings, logger);
      const producer = await this.transactionalProducer();
      const checkpoint = await this.restore(admin);
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
      if (!this.stopping) this.state = 'consuming';
      this.lastError = null;
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
      if (this.state === 'consuming') this.state = 'starting';
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
  private async restore(admin: Admin): Promise<Checkpoint | null> {
    const { config, logger } = this;
    const source = restoreSource(await committedPointer(admin, config.group, config.topics.input), this.lastCommitted);
    if (source.kind === 'acknowledged') {
      // That commit's checkpoint is the truth; the pipeline skips the messages it already
      // holds, and the next commit writes the offsets again.
      const { pointer, checkpoint } = source.commit;
      logger.warn(
        `the group's committed offsets are behind this process's last acknowledged commit ` +
          `(checkpoint ${pointer.partition}@${pointer.offset}); resuming from that commit`,
      );
      this.counters = { ...checkpoint.counters };
      return checkpoint;
    }
    if (source.kind === 'none') {
      this.counters = { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 };
      logger.info(`no checkpoint for group ${config.group}: starting a new fit from the ${config.startFrom} offsets`);
      return null;
    }
    let { pointer } = source;
    let checkpoint: Checkpoint;
    if (source.inMemory) {
      checkpoint = source.inMemory.checkpoint;
    } else {
      const read = await readCheckpointsFrom(this.client, admin, config.topics.state, pointer, config.model, CHECKPOINT_READ_TIMEOUT_MS);
      if (read.unreadable) logger.warn(`passed over a checkpoint record that does not decode: ${read.unreadable}`);
      const refusal = read.newest ? newerCheckpointRefusal(read.atPointer, read.newest.checkpoint, config.model, config.topics.input) : null;
      if (read.newest && refusal === null) {
        // Its transaction committed (read_committed shows it), but its offsets were lost:
        // the pipeline skips what it holds, and the next commit writes the offsets again.
        logger.warn(
          `the group's offsets point at checkpoint ${pointer.partition}@${pointer.offset}, but a newer committed one of this model ` +
            `exists at ${read.newest.pointer.partition}@${read.newest.pointer.offset} (its offsets were lost, as after a broker crash); resuming from it`,
        );
        ({ pointer, checkpoint } = read.newest);
      } else {
        if (read.newest) logger.warn(`not resuming from checkpoint ${read.newest.pointer.partition}@${read.newest.pointer.offset}: ${refusal}`);
        if (!read.atPointer) throw new Error(`checkpoint ${config.topics.state}/${pointer.partition}@${pointer.offset} is gone (compacted away)`);
        checkpoint = read.atPointer;
      }
    }
    if (checkpoint.model !== config.model) {
      throw new Error(`the checkpoint committed for group ${config.group} belongs to model '${checkpoint.model}', not '${config.model}': use a group per model`);
    }
    this.counters = { ...checkpoint.counters };
    if (this.committedView?.checkpoint !== checkpoint) this.committedView = { checkpoint, at: null, snapshot: null };
    logger.info(
      `restored model '${config.model}' from checkpoint ${config.topics.state}/${pointer.partition}@${pointer.offset}: ` +
        `${checkpoint.engine.counters.pointsSeen} points, ${checkpoint.counters.messages} messages`,
    );
    return checkpoint;
  }

  /** @internal */
  recordSkipped(from: PartitionOffset, checkpointAt: string): void {
    this.logger.info(
      `${from.topic}/${from.partition}: the consumer starts at offset ${from.offset}, behind the checkpoint at ${checkpointAt}; ` +
        `skipping offsets ${from.offset} to ${BigInt(checkpointAt) - 1n}, already in the model`,
    );
  }

  /** @internal counters shared with the session pipeline. */
  get processorCounters(): ProcessorCounters {
    return this.counters;
  }

  /** @internal */
  recordCommit(pointer: CheckpointPointer, checkpoint: Checkpoint, snapshot: PublishedSnapshot | null): void {
    this.lastCommitted = { pointer, checkpoint };
    this.committedView = { checkpoint, at: Date.now(), snapshot };
    if (!snapshot) {
      const state = checkpoint.engine;
      const buffered = state.dim === null ? 0 : state.warmupPoints.length / state.dim;
      this.logger.info(`checkpoint while warming up: ${buffered} points buffered, ${checkpoint.counters.deadLettered} dead letters`);
      return;
    }
    const ll = snapshot.logLikelihood.average;
    this.logger.info(
      `snapshot #${this.counters.snapshotsPublished}${snapshot.final ? ' (final)' : ''}: ${snapshot.pointsSeen} points, ` +
        `loglik ${ll === null ? 'n/a' : ll.toFixed(4)}${snapshot.converged ? ' (converged)' : ''}, ` +
        `weights [${snapshot.weights.map((w) => w.toFixed(3)).join(', ')}], ${snapshot.input.deadLettered} dead letters`,
    );
  }

  /** @internal */
  recordLag(topic: string, partition: number, lag: number): void {
    this.lag.set(`${topic}:${partition}`, { topic, partition, messages: lag });
  }

  /** @internal */
  recordProgress(event: ProgressEvent): void {
    this.lastProgress = event;
  }

  private reportProgress(): void {
    const p = this.lastProgress;
    const lag = [...this.lag.values()].reduce((a, l) => a + l.messages, 0);
    const c = this.counters;
    if (!this.consuming) return;
    if (!p || p.counters.pointsSeen === this.lastReportedPoints) {
      // Idle: say so once, then once a minute, rather than filling the log.
      if (Date.now() - this.lastIdleReport < IDLE_REPORT_MS) return;
      this.lastIdleReport = Date.now();
      this.logger.status(
        `idle: ${p ? `${p.counters.pointsSeen} points, ` : ''}waiting for more on ${this.config.topics.input} ` +
          `(lag ${lag}, ${c.snapshotsPublished} snapshots, ${c.deadLettered} dead letters)`,
      );
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

