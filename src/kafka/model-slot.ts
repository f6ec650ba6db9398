import type { KafkaMessage, Message } from 'kafkajs';
import type { EngineState, OnlineEm, UpdateListener } from '../em/online-em.js';
import type { MixtureSnapshot } from '../em/snapshot.js';
import type { AnomalySummary, AnomalyThresholdState } from '../score/anomaly-threshold.js';
import { FittingSession, type FittingSessionOptions } from '../stream/fitting-session.js';
import { ItemScoring } from '../stream/item-scoring.js';
import type { CheckpointEvent, ProgressEvent, SnapshotEvent } from '../stream/online-em-events.js';
import { rowCount, type PointInput } from '../stream/point-input.js';
import { encodeCheckpoint, type Checkpoint, type PartitionOffset, type ProcessorCounters } from './checkpoint.js';
import { deadLetterFor } from './dead-letter.js';
import type { MessagePosition } from './message-format.js';
import type { PublishedSnapshot, ScoresConfig } from './processor-types.js';
import { SCORES_BATCH_BYTES, scoresCompressionType, scoresMessage } from './scores/scores-record.js';
import type { TopicNames } from './topics.js';
import { recordBytes, type CommitOutput } from './transactional-publisher.js';

/** What the next commit of a slot holds: the state at one point of its input. */
interface PendingState {
  readonly state: EngineState;
  readonly snapshot: MixtureSnapshot | null;
  readonly final: boolean;
  /** The anomaly rule's state and summary at the same point (with scores). */
  readonly scoring: { readonly state: AnomalyThresholdState; readonly summary: AnomalySummary } | null;
}

/** A slot's part of one transaction, and what to record once it committed. */
export interface SlotCommit {
  readonly outputs: readonly CommitOutput[];
  readonly offsets: readonly PartitionOffset[];
  readonly checkpoint: Checkpoint;
  readonly published: PublishedSnapshot | null;
  readonly deadLetters: number;
}

/**
 * One model being fitted, with everything that belongs to it between two commits: its
 * fitting session (engine, cadence), the next input offset of every partition it has
 * read, its counters, its pending dead letters, and its checkpoint key. It is created
 * from its last committed checkpoint (or afresh), so nothing else sets its counters.
 * Today's processor holds one slot, keyed by --model; a slot per message key or per
 * partition set is the same object with another id.
 */
export class ModelSlot {
  private readonly session: FittingSession<MessagePosition>;
  private readonly nextOffsets = new Map<string, PartitionOffset>();
  private readonly counters: ProcessorCounters;
  private deadLetters: Message[] = [];
  private deadLetterBytesHeld = 0;
  private pending: PendingState | null = null;
  private uncommitted = 0;
  /** With --scores-topic: the scoring of each message, and its records until they are committed. */
  private readonly scoring: ItemScoring | null;
  private scores: Message[] = [];
  private scoresBytesHeld = 0;
  /** Bytes of scores records already sent ahead in the open transaction (see takeScoresAhead). */
  private scoresBytesAhead = 0;
  /** When scores were first sent ahead in the open transaction (ms since the epoch); null: none open. */
  private aheadSince: number | null = null;

  constructor(
    /** The checkpoint and snapshot key. */
    readonly id: string,
    options: FittingSessionOptions,
    checkpoint: Checkpoint | null,
    now: () => number,
    private readonly scoresConfig: ScoresConfig | null = null,
  ) {
    this.scoring = scoresConfig ? new ItemScoring(scoresConfig.anomaly, checkpoint?.scoring) : null;
    this.session = new FittingSession<MessagePosition>({ ...options, includeState: true, ...(checkpoint ? { initialState: checkpoint.engine } : {}) }, now);
    this.counters = checkpoint ? { ...checkpoint.counters } : { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 };
    for (const o of checkpoint?.offsets ?? []) this.nextOffsets.set(partitionKey(o.topic, o.partition), o);
  }

  /** The next offset this slot expects on a partition (undefined before it read any). */
  nextOffset(topic: string, partition: number): PartitionOffset | undefined {
    return this.nextOffsets.get(partitionKey(topic, partition));
  }

  /** The next offset of every partition this slot has read (or restored). */
  offsets(): PartitionOffset[] {
    return [...this.nextOffsets.values()];
  }

  get liveCounters(): Readonly<ProcessorCounters> {
    return this.counters;
  }

  get pointsSeen(): number {
    return this.session.engine.counters.pointsSeen;
  }

  /** The engine, for the warm-up fit off the event loop (warmup-off-loop.ts); ingest goes through `ingest`. */
  get engine(): OnlineEm {
    return this.session.engine;
  }

  get deadLettersHeld(): number {
    return this.deadLetters.length;
  }

  get deadLetterBytes(): number {
    return this.deadLetterBytesHeld;
  }

  /** Bytes of scores records held for the next commit. */
  get scoresBytes(): number {
    return this.scoresBytesHeld;
  }

  /** Since when records were sent ahead in a transaction that is still open (null: none). */
  get transactionOpenSince(): number | null {
    return this.aheadSince;
  }

  /** Bytes of scores records of the next commit, held or sent ahead. */
  get scoresBytesInTransaction(): number {
    return this.scoresBytesHeld + this.scoresBytesAhead;
  }

  /**
   * The scores records held, to be sent ahead in the open transaction (they are then no
   * longer this slot's to send; a commit that fails ends the session, and the transaction
   * with them).
   */
  takeScoresAhead(topics: TopicNames): CommitOutput {
    const output = this.scoresOutput(topics);
    this.scoresBytesAhead += this.scoresBytesHeld;
    this.aheadSince ??= Date.now();
    this.scores = [];
    this.scoresBytesHeld = 0;
    return output;
  }

  /** The scores records held, as a chunked output of the commit (or sent ahead). */
  private scoresOutput(topics: TopicNames): CommitOutput {
    const compression = scoresCompressionType(this.scoresConfig!.compression);
    return { role: 'scores', topic: scoresTopic(topics), messages: this.scores, chunked: true, chunkBytes: SCORES_BATCH_BYTES, compression };
  }

  /** Messages taken in since the last commit. */
  get uncommittedMessages(): number {
    return this.uncommitted;
  }

  get hasPending(): boolean {
    return this.pending !== null;
  }

  /**
   * One decoded message into the model: its refused points become one dead letter, a
   * snapshot due on the cadence becomes the pending commit, and the offset moves past it.
   * Returns the session's progress events. `onUpdate` hears each stepwise update (metrics).
   */
  ingest(message: KafkaMessage, position: MessagePosition, input: PointInput<MessagePosition>, onUpdate?: UpdateListener): ProgressEvent[] {
    const events = this.scoring ? this.score(message, position, input, onUpdate) : this.session.ingest(input, onUpdate);
    const progress: ProgressEvent[] = [];
    for (const event of events) {
      if (event.type === 'rejected') this.holdDeadLetter(deadLetterFor(message, position, event.rejections, rowCount(input), this.id));
      else if (event.type === 'progress') progress.push(event);
      else this.hold(event);
    }
    this.nextOffsets.set(partitionKey(position.topic, position.partition), {
      topic: position.topic,
      partition: position.partition,
      offset: (BigInt(position.offset) + 1n).toString(),
    });
    this.counters.messages++;
    this.uncommitted++;
    return progress;
  }

  /** Ingest with scores: one scores record for a message with accepted points. */
  private score(message: KafkaMessage, position: MessagePosition, input: PointInput<MessagePosition>, onUpdate: UpdateListener | undefined) {
    const { events, scores } = this.scoring!.ingest(this.session, input, onUpdate);
    if (scores.n > scores.refused.size) {
      const config = this.scoresConfig!;
      const record = scoresMessage(scores, config.format, this.id, position, message.key, config.responsibilities);
      this.scores.push(record);
      this.scoresBytesHeld += recordBytes(record);
      this.counters.scoresPublished = (this.counters.scoresPublished ?? 0) + 1;
      this.counters.pointsScored = (this.counters.pointsScored ?? 0) + scores.scored;
      this.counters.anomalies = (this.counters.anomalies ?? 0) + scores.anomalies;
    }
    return events;
  }

  /** Make the current state the pending commit. */
  requestCheckpoint(): void {
    this.hold(this.session.checkpoint());
  }

  /** A graceful stop: the state as it is (the partial minibatch stays buffered) is the pending commit. */
  finish(): void {
    for (const event of this.session.complete(false)) if (event.type === 'snapshot' || event.type === 'checkpoint') this.hold(event);
  }

  /**
   * The records of the pending commit, or null when none is pending or nothing was read
   * (no offsets to commit). The counters count it: a failed transaction ends the session,
   * and the next one starts again from the last committed checkpoint.
   */
  takeCommit(topics: TopicNames): SlotCommit | null {
    const pending = this.pending;
    // Nothing read yet (a stop before the first message): no offsets, nothing to commit.
    if (!pending || this.nextOffsets.size === 0) return null;
    this.pending = null;
    const offsets = this.offsets();
    const counters = this.counters;
    counters.checkpoints++;
    if (pending.snapshot) counters.snapshotsPublished++;
    const checkpoint: Checkpoint = {
      version: 1,
      model: this.id,
      engine: pending.state,
      counters: { ...counters },
      offsets,
      ...(pending.scoring ? { scoring: pending.scoring.state } : {}),
      createdAt: new Date().toISOString(),
    };
    const published: PublishedSnapshot | null = pending.snapshot
      ? { ...pending.snapshot, model: this.id, offsets, input: { messages: counters.messages, deadLettered: counters.deadLettered }, final: pending.final, ...(pending.scoring ? { anomaly: pending.scoring.summary } : {}) }
      : null;
    const outputs: CommitOutput[] = [
      { role: 'dead-letter', topic: topics.deadLetter, messages: this.deadLetters, chunked: true },
      ...(this.scoresConfig ? [this.scoresOutput(topics)] : []),
      { role: 'checkpoint', topic: topics.state, messages: [{ key: this.id, value: encodeCheckpoint(checkpoint) }] },
    ];
    if (published) outputs.push({ role: 'snapshot', topic: topics.snapshot, messages: [{ key: this.id, value: Buffer.from(JSON.stringify(published)) }] });
    return { outputs, offsets, checkpoint, published, deadLetters: this.deadLetters.length };
  }

  /** The commit taken went through: what it held is no longer this slot's to send. */
  committed(): void {
    this.deadLetters = [];
    this.deadLetterBytesHeld = 0;
    this.scores = [];
    this.scoresBytesHeld = 0;
    this.scoresBytesAhead = 0;
    this.aheadSince = null;
    this.uncommitted = 0;
  }

  private hold(event: SnapshotEvent<MessagePosition> | CheckpointEvent<MessagePosition>): void {
    // Snapshots carry the state here (includeState).
    const scoring = this.scoring ? { state: this.scoring.state(), summary: this.scoring.anomaly } : null;
    this.pending = { state: event.state!, snapshot: event.snapshot, final: event.final, scoring };
  }

  private holdDeadLetter(deadLetter: Message): void {
    this.deadLetters.push(deadLetter);
    this.deadLetterBytesHeld += recordBytes(deadLetter);
    this.counters.deadLettered++;
  }
}

function scoresTopic(topics: TopicNames): string {
  if (!topics.scores) throw new Error('scores are configured but topics.scores is not set');
  return topics.scores;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
