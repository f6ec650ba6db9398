import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { concatMap, from, type Subscription } from 'rxjs';
import { consumedBatches, type ConsumedBatch } from '../consumer-batches.js';
import { heartbeatIntervalMs, processorConsumerConfig } from '../consumer-config.js';
import { isFenced } from '../kafka-client.js';
import { ModelStateError } from '../model-state-error.js';
import { isRebalance } from '../ownership/group-membership.js';
import { heartbeatUnlessRebalancing, whileHeartbeating } from '../heartbeats.js';
import { warmupBeforeIngest } from '../warmup-off-loop.js';
import type { ProcessorEvents } from '../processor-events.js';
import type { ProcessorConfig } from '../processor-types.js';
import { TransactionalProducer } from '../transactional-producer.js';
import { DEAD_LETTER_BATCH_BYTES } from '../transactional-publisher.js';
import { CAUGHT_UP_COMMIT_MS, HEARTBEAT_EVERY_MESSAGES, MAX_BUFFERED_DEAD_LETTERS } from '../commit-policy.js';
import { SerialWork } from '../serial-work.js';
import { BatchDecoding } from '../message-decode/batch-decoding.js';
import type { MessageDecodeThread } from '../message-decode/message-decode-thread.js';
import { decodeKeyCheckpoint } from './keyed-records.js';
import { indexPartition, type PartitionIndex } from './partition-index.js';
import { KeyMemory } from './key-memory.js';
import { PartitionKeys, spillId } from './partition-keys.js';
import { SpillStore } from './spill-store.js';
import { StateTopicReader } from './state-topic-reader.js';


/** What a keyed session needs of the processor that outlives it. */
export interface KeyedSessionContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly config: ProcessorConfig;
  readonly events: ProcessorEvents;
  readonly stopRequested: Promise<void>;
  isStopping(): boolean;
  /** Parses the JSON messages of each batch ahead of the fit (absent: each is decoded when its turn comes). */
  readonly decodeThread?: MessageDecodeThread | null;
}

/**
 * One consumer-group membership of keyed mode (`run --keyed`): every message key has its
 * own model, and the group spreads the input partitions over the instances (kafkajs's
 * round-robin assigner). The instance that owns a partition owns its keys:
 * - taking a partition fences the partition's older producers (its transactional id is
 *   the partition's), then indexes its keys with one scan of their state partition;
 * - a batch first reads back the checkpoints of its evicted keys, then fits each message
 *   into its key's model;
 * - a commit writes, per partition and in one transaction, the dead letters, the changed
 *   keys' snapshots and checkpoints, the partition's record and its input offset;
 * - a partition the group moves away is committed and dropped.
 * A key's messages are in one partition, in order, and each of its checkpoints is committed
 * with the offset it reflects: its model is the same, bit for bit, whatever rebalances and
 * crashes happen. Memory holds at most --max-keys unchanged models (least recently used
 * evicted). Any failure ends the session; the next one starts from the commits.
 */
export class KeyedSession {
  private readonly units = new Map<number, PartitionKeys>();
  /** Partitions whose last batch left a lag: reaching lag 0 on them is catching up. */
  private readonly behind = new Set<number>();
  /** A partition caught up with a backlog since the last commit: what it produced is due soon. */
  private caughtUpSinceCommit = false;
  private readonly producers = new Map<number, TransactionalProducer>();
  /** Partitions taken whose keys are being indexed (their fetches paused meanwhile). */
  private readonly indexing = new Map<number, { readonly take: { cancelled: boolean }; readonly done: Promise<void> }>();
  private readonly memory: KeyMemory;
  private readonly reader: StateTopicReader;
  private readonly spill: SpillStore;
  private consumer: Consumer | null = null;
  private statePartitions = 1;
  private assignments: Promise<void> = Promise.resolve();
  private closed = false;
  private joins = 0;
  /** Batches, commits and changes of partitions, one at a time; nothing after a failure. */
  private readonly work = new SerialWork();
  private lastCommitTime = Date.now();

  constructor(private readonly context: KeyedSessionContext) {
    this.memory = new KeyMemory(context.config.keyed!.maxKeys);
    this.reader = new StateTopicReader(context.kafka, context.admin, context.config.topics.state);
    this.spill = new SpillStore(context.config.keyed!.spillDir);
  }

  async run(): Promise<void> {
    const { config, events, kafka, admin } = this.context;
    this.statePartitions = (await admin.fetchTopicOffsets(config.topics.state)).length;
    const consumer = kafka.consumer(processorConsumerConfig(config.group, config.sessionTimeoutMs));
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = [...(payload.memberAssignment[config.topics.input] ?? [])].sort((a, b) => a - b);
      events.emit({ type: 'assigned', group: config.group, memberId: payload.memberId, partitions, generation: ++this.joins });
      this.assignments = this.assignments.then(() => this.changeTo(partitions)).catch((error: unknown) => this.work.fail(error));
    });
    const timer = setInterval(() => this.commitIfDue(), Math.min(1000, config.snapshotIntervalMs / 2));
    const progress = setInterval(() => this.reportProgress(), Math.max(250, Math.floor(config.progressIntervalMs / 2)));
    let subscription: Subscription | null = null;
    try {
      await consumer.connect();
      const ended = new Promise<void>((resolve, reject) => {
        subscription = consumedBatches(consumer, { topics: [config.topics.input], fromBeginning: config.startFrom === 'earliest' })
          .pipe(concatMap((batch) => from(this.handle(batch))))
          .subscribe({ error: reject, complete: resolve });
      });
      events.emit({ type: 'joining', group: config.group });
      await Promise.race([ended, this.context.stopRequested, this.work.failed]);
      if (this.context.isStopping()) {
        // No change of partitions from now on; the batch under way ends, then the final commits.
        this.closed = true;
        await this.assignments;
        await Promise.allSettled([...this.indexing.values()].map((i) => i.done));
        await this.work.run(() => this.commitAll(true));
        (subscription as Subscription | null)?.unsubscribe();
        await consumer.disconnect();
        events.emit({ type: 'left-group' });
      }
    } finally {
      this.closed = true;
      clearInterval(timer);
      clearInterval(progress);
      (subscription as Subscription | null)?.unsubscribe();
      await consumer.disconnect().catch(() => undefined);
      // Reads under way fail at once; takes under way end before their spill file and producers go.
      await this.reader.close();
      await Promise.allSettled([...this.indexing.values()].map((i) => i.done));
      this.spill.close();
      await Promise.all([...this.producers.values()].map((p) => p.close()));
      this.units.clear();
      this.memory.clear();
    }
  }

  private async changeTo(partitions: readonly number[]): Promise<void> {
    if (this.closed) return;
    const { config, events } = this.context;
    const held = [...this.units.keys(), ...this.indexing.keys()];
    const released = held.filter((p) => !partitions.includes(p));
    const kept = held.filter((p) => partitions.includes(p));
    const taken = partitions.filter((p) => !held.includes(p));
    const started = performance.now();
    let releasedCommitted = true;
    await this.work.run(async () => {
      for (const p of released) releasedCommitted = (await this.release(p)) && releasedCommitted;
      // kafkajs re-reads the group's committed offsets after every join: point it back at where the keys are.
      for (const p of kept) if (this.units.has(p)) this.seek(p, this.units.get(p)!.nextOffset);
    });
    if (partitions.length === 0) events.emit({ type: 'standing-by', model: config.model, group: config.group });
    // Taken partitions are indexed in the background: the others go on meanwhile.
    const takes = taken.map((p) => this.startTake(p));
    void Promise.all(takes).then(() => {
      if (this.closed || this.work.failedWith) return;
      this.lastProgress = null;
      const keysKnown = this.keysKnown();
      events.emit({ type: 'keys-assigned', taken, kept, released, releasedCommitted, keysKnown, durationMs: performance.now() - started });
      events.emit({ type: 'keys', inMemory: this.memory.size, known: keysKnown, evictionsTotal: this.memory.evicted });
      if (partitions.length > 0 && (taken.length > 0 || released.length > 0)) events.emit({ type: 'consuming', topic: config.topics.input, group: config.group, model: config.model });
    }, (error: unknown) => this.work.fail(error));
  }

  /**
   * Index a taken partition while the others are consumed: its fetches are paused until its
   * keys are known (a batch of it fetched before is handled again after). A release while it
   * indexes cancels it.
   */
  private startTake(partition: number): Promise<void> {
    const topic = this.context.config.topics.input;
    const take = { cancelled: false };
    this.consumer!.pause([{ topic, partitions: [partition] }]);
    const done = this.take(partition, take).finally(() => {
      if (this.indexing.get(partition)?.take === take) this.indexing.delete(partition);
      // (Unless a newer take of it indexes now.)
      if (!this.closed && !this.indexing.has(partition)) this.consumer!.resume([{ topic, partitions: [partition] }]);
    });
    this.indexing.set(partition, { take, done });
    return done;
  }

  /** Fence the partition's older producers, then index its keys from the state topic. */
  private async take(partition: number, take: { cancelled: boolean }): Promise<void> {
    const { config, kafka } = this.context;
    const producer = new TransactionalProducer(() => kafka, `${config.transactionalId}-${config.topics.input}-${partition}`);
    const statePartition = partition % this.statePartitions;
    const gone = (): boolean => take.cancelled || this.closed;
    let found: PartitionIndex;
    let fenced: Producer;
    try {
      fenced = await producer.fresh();
      // Cancelled (or the session ended) while fencing: nothing was read.
      if (gone()) return await producer.close();
      found = await indexPartition(this.reader, this.spill, config.model, partition, statePartition, gone);
    } catch (error) {
      await producer.close();
      if (gone()) return;
      throw error;
    }
    const register = this.work.run(async () => {
      if (gone()) {
        this.spill.deleteWhere((id) => id.startsWith(spillId(partition, '')));
        await producer.close();
        return;
      }
      // In the same step as the unit appears: a release from now on finds the unit, not the take.
      if (this.indexing.get(partition)?.take === take) this.indexing.delete(partition);
      this.producers.set(partition, producer);
      const unit = new PartitionKeys(config.model, config.topics, partition, statePartition, config.engine, config.maxMessageBytes, fenced, found.index, this.spill, found.record);
      this.units.set(partition, unit);
      // The partition's record is the truth (its offset was committed with it); the group's offsets only mirror it.
      this.seek(partition, unit.nextOffset);
    });
    await register.catch(async (error: unknown) => {
      // The session failed meanwhile: the producer is nobody's.
      if (!this.producers.has(partition)) await producer.close();
      throw error;
    });
  }

  /** The group moved the partition away: commit what it holds (unless the new owner fenced it first) and drop its keys. */
  private async release(partition: number): Promise<boolean> {
    const indexing = this.indexing.get(partition);
    if (indexing && !this.units.has(partition)) {
      // Still indexing: nothing of it was read, so nothing to commit.
      indexing.take.cancelled = true;
      this.indexing.delete(partition);
      return true;
    }
    const unit = this.units.get(partition)!;
    let committed = true;
    try {
      await this.commitUnit(unit, false);
    } catch (error) {
      if (!isFenced(error) && !isRebalance(error)) throw error;
      committed = false;
    }
    this.memory.dropPartition(unit);
    unit.dropSpilled();
    this.units.delete(partition);
    await this.producers.get(partition)?.close();
    this.producers.delete(partition);
    return committed;
  }

  private seek(partition: number, offset: bigint | null): void {
    if (offset !== null) this.consumer!.seek({ topic: this.context.config.topics.input, partition, offset: offset.toString() });
  }

  /** A batch waits until the partitions are settled (heartbeating meanwhile), then goes to its partition's keys. */
  private async handle(batch: ConsumedBatch): Promise<void> {
    const { heartbeat } = batch.payload;
    try {
      await whileHeartbeating(this.assignments, heartbeat, heartbeatIntervalMs(this.context.config.sessionTimeoutMs));
      // Not (yet) this instance's, or still indexing: unresolved, the batch is fetched again once the partition resumes.
      const unit = this.units.get(batch.payload.batch.partition);
      if (!unit || this.closed) return batch.done();
      await this.work.run(() => this.process(batch, unit));
      batch.done();
    } catch (error) {
      batch.done(error);
    }
  }

  private async process({ payload }: ConsumedBatch, unit: PartitionKeys): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const { events, config } = this.context;
    // The stop may have come while the batch waited: it is fetched again by the next owner.
    if (this.units.get(batch.partition) !== unit || this.context.isStopping()) return;
    // Sent before the read-back: the thread parses while the evicted keys come back.
    const decoding = this.context.decodeThread ? new BatchDecoding(batch.messages, config.maxMessageBytes, this.context.decodeThread) : null;
    await this.readBack(unit, batch.messages, heartbeat);
    let handled = 0;
    const onUpdate = events.updateListener();
    for (let m = 0; m < batch.messages.length; m++) {
      const message = batch.messages[m];
      if (this.context.isStopping() || !isRunning() || isStale()) break;
      const decoded = decoding?.input(m, unit.positionOf(message));
      // An await only where the decode thread is behind: once fitting, the hot path stays synchronous.
      const input = decoded instanceof Promise ? await decoded : decoded;
      if (decoded instanceof Promise && (this.context.isStopping() || !isRunning() || isStale())) break;
      const target = unit.warmingUpTarget(message, input);
      if (target && (await warmupBeforeIngest(target.engine, target.input, heartbeat, this.context)) && (this.context.isStopping() || !isRunning() || isStale())) break;
      const result = unit.ingest(message, onUpdate, target?.input ?? input);
      if (result.kind === 'fitted') this.memory.use(unit, result.model);
      payload.resolveOffset(message.offset);
      if (++handled % HEARTBEAT_EVERY_MESSAGES === 0 && !(await heartbeatUnlessRebalancing(heartbeat))) break;
    }
    const next = unit.nextOffset;
    const lag = next === null ? null : Math.max(0, Number(BigInt(batch.highWatermark) - next));
    if (lag !== null) events.emit({ type: 'lag', topic: batch.topic, partition: batch.partition, messages: lag });
    // Just caught up with a backlog: publish what it produced now rather than at the next tick.
    // (Within CAUGHT_UP_COMMIT_MS of the last commit, the timer makes it once that has passed.)
    if (lag === 0 && this.behind.delete(batch.partition)) this.caughtUpSinceCommit = true;
    if (lag !== null && lag > 0) this.behind.add(batch.partition);
    const caughtUp = this.caughtUpDue();
    if (caughtUp || unit.deadLettersHeld >= MAX_BUFFERED_DEAD_LETTERS || unit.deadLetterBytes >= DEAD_LETTER_BATCH_BYTES || this.commitDueByTime()) await this.commitAll(false);
    // Memory full of changed models: commit, so the oldest can go.
    this.memory.evictOverLimit();
    if (this.memory.size > config.keyed!.maxKeys) {
      await this.commitAll(false);
      this.memory.evictOverLimit();
    }
    events.emit({ type: 'keys', inMemory: this.memory.size, known: this.keysKnown(), evictionsTotal: this.memory.evicted });
  }

  /** The evicted keys of a batch, read back before its messages: from the spill file, or (a key it lacks) from the state topic in one pass. */
  private async readBack(unit: PartitionKeys, messages: readonly KafkaMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const wanted = unit.evictedKeys(messages);
    if (wanted.size === 0) return;
    const started = performance.now();
    const count = wanted.size;
    for (const key of [...wanted.keys()]) {
      const model = unit.restoreFromSpill(key);
      if (!model) continue;
      this.memory.use(unit, model);
      wanted.delete(key);
    }
    // Not in the spill file (it is a cache): from the state topic, where the index says.
    const read = this.reader.records(unit.statePartition, [...wanted.values()].map(BigInt));
    const records = await whileHeartbeating(read, heartbeat, heartbeatIntervalMs(this.context.config.sessionTimeoutMs));
    for (const [key, offset] of wanted) {
      const record = records.get(offset);
      if (!record?.value) {
        throw new ModelStateError(
          `the checkpoint of key '${key}' of model '${this.context.config.model}' is gone from ${this.context.config.topics.state}/${unit.statePartition}@${offset}: the state topic was deleted or truncated; use another --model to start afresh`,
        );
      }
      this.memory.use(unit, unit.restore(decodeKeyCheckpoint(record.value)));
    }
    this.context.events.emit({ type: 'keys-restored', partition: unit.partition, keys: count, fromStateTopic: wanted.size, durationMs: performance.now() - started });
  }

  private commitIfDue(): void {
    if (this.work.failedWith || this.closed || !(this.commitDueByTime() || this.caughtUpDue())) return;
    void this.work.run(async () => {
      if (this.commitDueByTime() || this.caughtUpDue()) await this.commitAll(false);
    }).catch(() => undefined);
  }

  private caughtUpDue(): boolean {
    return this.caughtUpSinceCommit && Date.now() - this.lastCommitTime >= CAUGHT_UP_COMMIT_MS;
  }

  private commitDueByTime(): boolean {
    if (Date.now() - this.lastCommitTime < this.context.config.snapshotIntervalMs) return false;
    for (const unit of this.units.values()) if (unit.uncommittedMessages > 0) return true;
    return false;
  }

  /** Every partition with uncommitted input, each in its own transaction (concurrently). */
  private async commitAll(final: boolean): Promise<void> {
    await Promise.all([...this.units.values()].map((unit) => this.commitUnit(unit, final)));
    this.lastCommitTime = Date.now();
    this.caughtUpSinceCommit = false;
  }

  private async commitUnit(unit: PartitionKeys, final: boolean): Promise<void> {
    const started = performance.now();
    const perKey = this.context.config.keyed!.keyMetrics ? changedLogLikelihoods(unit) : null;
    let commit: Awaited<ReturnType<PartitionKeys['commit']>>;
    try {
      commit = await unit.commit(this.context.config.group, final);
    } catch (error) {
      // Stopping, revocations are no longer followed: a partition that a new owner fenced is
      // simply its now (it resumes from the last commit). While running, the session restarts.
      if (!this.closed || !isFenced(error)) throw error;
      this.units.delete(unit.partition);
      return;
    }
    if (!commit) return;
    this.context.events.emit({
      type: 'keyed-committed',
      partition: commit.partition,
      keys: commit.keys,
      snapshots: commit.snapshots,
      deadLetters: commit.deadLetters,
      messages: commit.record.messages,
      deadLettered: commit.record.deadLettered,
      points: commit.record.points,
      snapshotsTotal: commit.record.snapshots,
      offset: commit.record.offset,
      durationMs: performance.now() - started,
      keyLogLikelihoods: perKey,
    });
  }

  /** The last progress report's points and time; null after a change of partitions (restored points are not throughput). */
  private lastProgress: { at: number; points: number } | null = null;

  /** The points fitted over the partitions held, as engine progress (the progress line and the live metrics follow it). */
  private reportProgress(): void {
    let points = 0;
    let warmingUp = true;
    for (const unit of this.units.values()) points += unit.counts.points;
    if (this.units.size === 0) return;
    for (const unit of this.units.values()) if (unit.models.size > 0) warmingUp = false;
    const now = performance.now();
    const last = this.lastProgress;
    this.lastProgress = { at: now, points };
    if (!last) return;
    const rate = ((points - last.points) / (now - last.at)) * 1000;
    this.context.events.emit({ type: 'engine-progress', pointsSeen: points, pointsPerSecond: Math.max(0, rate), logLikelihood: null, warmingUp: warmingUp && points === 0 });
  }

  private keysKnown(): number {
    let n = 0;
    for (const unit of this.units.values()) n += unit.index.size;
    return n;
  }
}

function changedLogLikelihoods(unit: PartitionKeys): [string, number][] {
  const out: [string, number][] = [];
  for (const model of unit.models.values()) {
    if (!unit.isChanged(model)) continue;
    const average = model.logLikelihoodAverage();
    if (average !== null) out.push([model.key, average]);
  }
  return out;
}
