import type { KafkaMessage, Message } from 'kafkajs';
import { Subject, type Subscription } from 'rxjs';
import type { EngineState } from '../em/online-em.js';
import type { MixtureSnapshot } from '../em/snapshot.js';
import { onlineEm } from '../stream/online-em-operator.js';
import type { OnlineEmEvent } from '../stream/online-em-events.js';
import { isFloat64Input, type PointInput } from '../stream/point-input.js';
import { encodeCheckpoint, type Checkpoint, type CheckpointPointer, type PartitionOffset } from './checkpoint.js';
import type { ConsumedBatch } from './consumer-batches.js';
import { deadLetterFor } from './dead-letter.js';
import { decodeMessage, type MessagePosition } from './message-format.js';
import type { PipelineHost, ProcessorConfig, PublishedSnapshot } from './processor-types.js';
import { DEAD_LETTER_BATCH_BYTES, recordBytes, type TransactionalPublisher } from './transactional-publisher.js';

/** The consumer group rebalanced: resume from the last committed checkpoint. */
export class RestartSession extends Error {}

/** Dead letters held before a commit is forced, so memory stays bounded under a flood of bad input. */
const MAX_BUFFERED_DEAD_LETTERS = 1000;
const HEARTBEAT_EVERY_MESSAGES = 64;
/** Least time between commits made because the consumer caught up (a lag hovering about 0 catches up often). */
const CAUGHT_UP_COMMIT_MS = 1000;

interface PendingCommit {
  readonly state: EngineState;
  readonly snapshot: MixtureSnapshot | null;
  readonly final: boolean;
}

/** One session's pipeline: the operator fed message by message, and the commits. */
export class SessionPipeline {
  restartRequested = false;
  private readonly inputs = new Subject<PointInput<MessagePosition>>();
  private readonly checkpointRequests = new Subject<void>();
  private readonly subscription: Subscription;
  private readonly nextOffsets = new Map<string, PartitionOffset>();
  /** Partitions whose last batch left a lag: reaching lag 0 on them is catching up. */
  private readonly behind = new Set<string>();
  /** Partitions on which this session already reported skipping messages below the checkpoint. */
  private readonly skipping = new Set<string>();
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
    private readonly processor: PipelineHost,
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
    const key = `${batch.topic}:${batch.partition}`;
    for (const message of batch.messages) {
      if (this.processor.isStopping || !isRunning() || isStale()) break;
      // Never twice into the model: a message before the checkpoint's offset is already in it
      // (the consumer can start behind the checkpoint when committed offsets were lost).
      const expected = this.nextOffsets.get(key);
      if (expected && BigInt(message.offset) < BigInt(expected.offset)) {
        if (!this.skipping.has(key)) {
          this.skipping.add(key);
          this.processor.recordSkipped({ topic: batch.topic, partition: batch.partition, offset: message.offset }, expected.offset);
        }
        payload.resolveOffset(message.offset);
        continue;
      }
      const position = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const input = decodeMessage(message.value, message.headers, position, this.config.maxMessageBytes);
      this.current = { message, rows: isFloat64Input(input) ? input.data.length / input.dim : (input as { points: unknown[] }).points.length };
      this.inputs.next(input);
      if (this.failure) throw this.failure;
      this.nextOffsets.set(key, { topic: batch.topic, partition: batch.partition, offset: (BigInt(message.offset) + 1n).toString() });
      counters.messages++;
      this.uncommittedMessages++;
      if (!this.pending && this.commitDueByTimeOrVolume()) this.checkpointRequests.next();
      payload.resolveOffset(message.offset);
      if (this.pending) await this.commit();
      if (++handled % HEARTBEAT_EVERY_MESSAGES === 0) await heartbeat();
    }
    const next = this.nextOffsets.get(key);
    if (!next) return;
    const lag = Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next.offset)));
    this.processor.recordLag(batch.topic, batch.partition, lag);
    const caughtUp = lag === 0 && this.behind.delete(key);
    if (lag > 0) this.behind.add(key);
    // Just caught up with a backlog: publish what it produced now rather than at the next tick.
    // (A live stream that is never behind keeps the configured cadence.)
    if (caughtUp && !this.pending && this.uncommittedMessages > 0 && Date.now() - this.lastCommitTime >= CAUGHT_UP_COMMIT_MS) {
      this.checkpointRequests.next();
      if (this.pending) await this.commit();
    }
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
      case 'checkpoint':
        // The operator adds the state to snapshots here (includeState).
        this.pending = { state: event.state!, snapshot: event.snapshot, final: event.final };
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

