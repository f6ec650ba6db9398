import type { KafkaMessage } from 'kafkajs';
import type { CheckpointPointer } from './checkpoint.js';
import type { ConsumedBatch } from './consumer-batches.js';
import { decodeMessage } from './message-format.js';
import { BatchDecoding } from './message-decode/batch-decoding.js';
import type { MessageDecodeThread } from './message-decode/message-decode-thread.js';
import { partitionKey, type ModelSlot, type SlotCommit } from './model-slot.js';
import { CAUGHT_UP_COMMIT_MS, HEARTBEAT_EVERY_MESSAGES, MAX_BUFFERED_DEAD_LETTERS, MAX_OPEN_TRANSACTION_MS, MAX_TRANSACTION_SCORES_BYTES } from './commit-policy.js';
import { SCORES_BATCH_BYTES } from './scores/scores-record.js';
import { heartbeatUnlessRebalancing } from './heartbeats.js';
import { warmupBeforeIngest } from './warmup-off-loop.js';
import { SerialWork } from './serial-work.js';
import type { ProcessorEvents } from './processor-events.js';
import type { ProcessorConfig } from './processor-types.js';
import { DEAD_LETTER_BATCH_BYTES, type CommitOutput } from './transactional-publisher.js';


/** Which slot a message belongs to, and every slot of the session (for commits). */
export interface SlotRouter {
  slotFor(topic: string, partition: number, message: KafkaMessage): ModelSlot;
  all(): Iterable<ModelSlot>;
}

/** Every message to one slot: the one-model processor. */
export function singleSlot(slot: ModelSlot): SlotRouter {
  return { slotFor: () => slot, all: () => [slot] };
}

/** What a session's pipeline needs of the processor that outlives it. */
export interface PipelineContext {
  readonly config: ProcessorConfig;
  readonly events: ProcessorEvents;
  isStopping(): boolean;
  /** Commit the slots' records in one transaction; rejects when it failed. */
  commit(commits: readonly SlotCommit[]): Promise<CheckpointPointer>;
  /** Send records of the next commit now, in its transaction (absent: they wait for the commit). */
  sendAhead?(output: CommitOutput): void;
  /** Parses the JSON messages of each batch ahead of the fit (absent: each is decoded here, when its turn comes). */
  readonly decodeThread?: MessageDecodeThread | null;
}

/**
 * One session's pipeline: each fetched message decoded once, routed to its model slot
 * and fitted there by direct calls, and the slots' commits made when due (by time, by
 * the volume of held dead letters, on catching up, and on a graceful stop).
 */
export class SessionPipeline {
  /** Partitions whose last batch left a lag: reaching lag 0 on them is catching up. */
  private readonly behind = new Set<string>();
  /** Partitions on which this session already reported skipping messages below the checkpoint. */
  private readonly skipping = new Set<string>();
  private lastCommitTime = Date.now();
  /** Batches and timed commits, one at a time; nothing after a failure (the engine is then ahead of what was committed). */
  private readonly work = new SerialWork();
  /** Rejects at the first failure: the session ends at once, and no batch is handled after it. */
  readonly failed = this.work.failed;

  constructor(
    private readonly context: PipelineContext,
    private readonly slots: SlotRouter,
  ) {}

  /** Handle one fetched batch, message by message; commits when one is due. */
  handle(batch: ConsumedBatch): Promise<void> {
    const { events } = this.context;
    const work = events.wants('batch-handled')
      ? async () => {
          const started = performance.now();
          await this.process(batch);
          events.emit({ type: 'batch-handled', messages: batch.payload.batch.messages.length, durationMs: performance.now() - started });
        }
      : () => this.process(batch);
    return this.work.run(work).then(
      () => batch.done(),
      (error: unknown) => batch.done(error),
    );
  }

  /**
   * Commit what is uncommitted once the interval has passed, even if no more input
   * arrives: after a burst, the model it produced must not wait for the next message.
   */
  commitIfDue(): void {
    if (this.work.failedWith || this.context.isStopping() || !this.commitDueByTime()) return;
    void this.work.run(async () => {
      if (!this.commitDueByTime()) return;
      await this.checkpointAndCommit();
    }).catch(() => undefined);
  }

  /** Resolves when no batch or commit is under way. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  /**
   * A handover: commit whatever is uncommitted, after the batch under way. Resolves true
   * when it committed (or nothing was left to commit), false when the commit failed (the
   * new owner's fence came first): either way the next owner resumes from the last commit.
   */
  async commitHeld(): Promise<boolean> {
    try {
      await this.work.run(() => (this.uncommittedMessages() > 0 ? this.checkpointAndCommit() : Promise.resolve()));
      return true;
    } catch {
      return false;
    }
  }

  /** Shutdown: the final snapshot (or checkpoint while warming up) and the offsets, committed. */
  async finish(): Promise<void> {
    if (this.work.failedWith) throw this.work.failedWith;
    for (const slot of this.slots.all()) slot.finish();
    await this.commit();
  }

  private async process({ payload }: ConsumedBatch): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const { config, events } = this.context;
    const timeIngest = events.wants('ingested');
    const onUpdate = events.updateListener();
    let handled = 0;
    const key = partitionKey(batch.topic, batch.partition);
    let last: ModelSlot | null = null;
    const decoding = this.context.decodeThread ? new BatchDecoding(batch.messages, config.maxMessageBytes, this.context.decodeThread) : null;
    for (let m = 0; m < batch.messages.length; m++) {
      const message = batch.messages[m];
      if (this.context.isStopping() || !isRunning() || isStale()) break;
      const slot = this.slots.slotFor(batch.topic, batch.partition, message);
      last = slot;
      // Never twice into the model: a message before the checkpoint's offset is already in it
      // (the consumer can start behind the checkpoint when committed offsets were lost).
      const expected = slot.nextOffset(batch.topic, batch.partition);
      if (expected && BigInt(message.offset) < BigInt(expected.offset)) {
        if (!this.skipping.has(key)) {
          this.skipping.add(key);
          events.emit({ type: 'skipped', topic: batch.topic, partition: batch.partition, fromOffset: message.offset, toOffset: (BigInt(expected.offset) - 1n).toString() });
        }
        payload.resolveOffset(message.offset);
        continue;
      }
      const position = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const decoded = decoding ? decoding.input(m, position) : decodeMessage(message.value, message.headers, position, config.maxMessageBytes);
      // An await only where the decode thread is behind: once fitting, the hot path stays synchronous.
      const input = decoded instanceof Promise ? await decoded : decoded;
      if (decoded instanceof Promise && (this.context.isStopping() || !isRunning() || isStale())) break;
      if (slot.engine.warmupRemaining !== 0 && (await warmupBeforeIngest(slot.engine, input, heartbeat, this.context)) && (this.context.isStopping() || !isRunning() || isStale())) break;
      const started = timeIngest ? performance.now() : 0;
      const progress = slot.ingest(message, position, input, onUpdate);
      if (timeIngest) events.emit({ type: 'ingested', pointsSeen: slot.pointsSeen, durationMs: performance.now() - started });
      for (const p of progress) {
        events.emit({ type: 'engine-progress', pointsSeen: p.counters.pointsSeen, pointsPerSecond: p.pointsPerSecond, logLikelihood: p.logLikelihood.last, warmingUp: p.warmingUp });
      }
      // Scores are as large as the input: send them while the next messages are fitted.
      if (slot.scoresBytes >= SCORES_BATCH_BYTES && this.context.sendAhead) this.context.sendAhead(slot.takeScoresAhead(config.topics));
      if (!slot.hasPending && this.commitDueByTimeOrVolume(slot)) slot.requestCheckpoint();
      payload.resolveOffset(message.offset);
      if (this.anyPending()) await this.commit();
      // A rebalance ends the batch only: kafkajs rejoins, and the rest is fetched again.
      if (++handled % HEARTBEAT_EVERY_MESSAGES === 0 && !(await heartbeatUnlessRebalancing(heartbeat))) break;
    }
    const next = (last ?? firstOf(this.slots.all()))?.nextOffset(batch.topic, batch.partition);
    if (!next) return;
    const lag = Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next.offset)));
    events.emit({ type: 'lag', topic: batch.topic, partition: batch.partition, messages: lag });
    const caughtUp = lag === 0 && this.behind.delete(key);
    if (lag > 0) this.behind.add(key);
    // Just caught up with a backlog: publish what it produced now rather than at the next tick.
    // (A live stream that is never behind keeps the configured cadence.)
    if (caughtUp && !this.anyPending() && this.uncommittedMessages() > 0 && Date.now() - this.lastCommitTime >= CAUGHT_UP_COMMIT_MS) {
      await this.checkpointAndCommit();
    }
  }

  private commitDueByTimeOrVolume(slot: ModelSlot): boolean {
    // By bytes too: a thousand large dead letters are megabytes to hold and to send.
    return slot.deadLettersHeld >= MAX_BUFFERED_DEAD_LETTERS || slot.deadLetterBytes >= DEAD_LETTER_BATCH_BYTES || slot.scoresBytesInTransaction >= MAX_TRANSACTION_SCORES_BYTES || this.commitDueByTime();
  }

  private commitDueByTime(): boolean {
    if (this.uncommittedMessages() === 0) return false;
    const now = Date.now();
    return now - this.lastCommitTime >= this.context.config.snapshotIntervalMs || this.oldestOpenTransaction(now) >= MAX_OPEN_TRANSACTION_MS;
  }

  /** How long the oldest transaction that records were sent ahead in has been open (0: none). */
  private oldestOpenTransaction(now: number): number {
    let oldest = 0;
    for (const slot of this.slots.all()) {
      const since = slot.transactionOpenSince;
      if (since !== null) oldest = Math.max(oldest, now - since);
    }
    return oldest;
  }

  private uncommittedMessages(): number {
    let n = 0;
    for (const slot of this.slots.all()) n += slot.uncommittedMessages;
    return n;
  }

  private anyPending(): boolean {
    for (const slot of this.slots.all()) if (slot.hasPending) return true;
    return false;
  }

  /** Checkpoint every slot with uncommitted input, and commit. */
  private async checkpointAndCommit(): Promise<void> {
    for (const slot of this.slots.all()) if (slot.uncommittedMessages > 0) slot.requestCheckpoint();
    await this.commit();
  }

  /** One transaction of every pending slot commit that has offsets to commit. */
  private async commit(): Promise<void> {
    const commits: SlotCommit[] = [];
    const committing: ModelSlot[] = [];
    for (const slot of this.slots.all()) {
      if (!slot.hasPending) continue;
      const c = slot.takeCommit(this.context.config.topics);
      if (!c) continue;
      commits.push(c);
      committing.push(slot);
    }
    if (commits.length === 0) return;
    const started = performance.now();
    const pointer = await this.context.commit(commits);
    const durationMs = performance.now() - started;
    this.lastCommitTime = Date.now();
    for (const slot of committing) slot.committed();
    for (const c of commits) {
      const { checkpoint, published } = c;
      const state = checkpoint.engine;
      this.context.events.emit({
        type: 'committed',
        model: checkpoint.model,
        checkpoint: pointer,
        counters: { ...checkpoint.counters },
        engine: { ...state.counters },
        snapshot: published
          ? {
              number: checkpoint.counters.snapshotsPublished,
              final: published.final,
              pointsSeen: published.pointsSeen,
              logLikelihoodAverage: published.logLikelihood.average,
              stepSize: published.stepSize,
              converged: published.converged,
              weights: published.weights,
              changes: published.changes,
              lastChangeAt: published.lastChangeAt,
              anomaly: published.anomaly ?? null,
            }
          : null,
        warmupBuffered: state.dim === null ? 0 : state.warmupPoints.length / state.dim,
        deadLetters: c.deadLetters,
        durationMs,
      });
    }
  }
}

function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
