import type { KafkaMessage, Message, Producer } from 'kafkajs';
import type { OnlineEm, UpdateListener } from '../../em/online-em.js';
import type { OnlineEmOptions } from '../../em/options.js';
import { deadLetterFor } from '../dead-letter.js';
import { decodeMessage, type MessagePosition } from '../message-format.js';
import { rowCount, type PointInput } from '../../stream/point-input.js';
import type { TopicNames } from '../topics.js';
import { recordBytes } from '../transactional-publisher.js';
import { commitKeyed } from './keyed-publisher.js';
import { encodeCheckpoint } from '../checkpoint.js';
import { decodeKeyCheckpoint, keyCheckpointRecord, modelKey, partitionRecordMessage, type KeyCheckpoint, type PartitionRecord } from './keyed-records.js';
import type { SpillStore } from './spill-store.js';
import { KeyModel } from './key-model.js';

/** What one partition's commit wrote, for the events. */
export interface PartitionCommit {
  readonly partition: number;
  readonly keys: number;
  readonly snapshots: number;
  readonly deadLetters: number;
  readonly record: PartitionRecord;
}

/** What ingesting one message did. */
export type Ingested =
  | { readonly kind: 'skipped' }
  | { readonly kind: 'refused' }
  | { readonly kind: 'fitted'; readonly model: KeyModel; readonly created: boolean };

/**
 * The keys of one input partition while this instance owns it: the models in memory, the
 * index of every key with a checkpoint in the state topic (key → offset of its newest one,
 * built by one scan at takeover and kept by the commits), the partition's counters and next
 * offset, and its dead letters and changed keys until the next commit. It commits with a
 * producer of its own, whose transactional id is the partition's: a new owner's producer
 * fences the old owner's for this partition only.
 */
export class PartitionKeys {
  readonly models = new Map<string, KeyModel>();
  private readonly changed = new Set<KeyModel>();
  private deadLetters: Message[] = [];
  private deadLetterBytesHeld = 0;
  private next: bigint | null;
  private messages: number;
  private deadLettered: number;
  private points: number;
  private snapshots: number;
  private uncommitted = 0;

  constructor(
    private readonly model: string,
    private readonly topics: TopicNames,
    readonly partition: number,
    readonly statePartition: number,
    private readonly engine: OnlineEmOptions,
    private readonly maxMessageBytes: number,
    readonly producer: Producer,
    /** Key → offset in the state partition of its newest checkpoint. */
    readonly index: Map<string, string>,
    /** Where the models not in memory wait, by spillId (filled by the takeover's scan and by evictions). */
    private readonly spill: SpillStore,
    record: PartitionRecord | null,
  ) {
    this.next = record ? BigInt(record.offset) : null;
    this.messages = record?.messages ?? 0;
    this.deadLettered = record?.deadLettered ?? 0;
    this.points = record?.points ?? 0;
    this.snapshots = record?.snapshots ?? 0;
  }

  /** The partition's counts as of now (committed or not). */
  get counts(): { readonly messages: number; readonly deadLettered: number; readonly points: number; readonly snapshots: number } {
    return { messages: this.messages, deadLettered: this.deadLettered, points: this.points, snapshots: this.snapshots };
  }

  /** The next offset to read, as restored or read (null before anything was read or committed). */
  get nextOffset(): bigint | null {
    return this.next;
  }

  get uncommittedMessages(): number {
    return this.uncommitted;
  }

  get deadLettersHeld(): number {
    return this.deadLetters.length;
  }

  get deadLetterBytes(): number {
    return this.deadLetterBytesHeld;
  }

  get changedKeys(): number {
    return this.changed.size;
  }

  isChanged(model: KeyModel): boolean {
    return this.changed.has(model);
  }

  /** Keys of `messages` with a checkpoint but no model in memory: the checkpoints to read back first. */
  evictedKeys(messages: readonly KafkaMessage[]): Map<string, string> {
    const wanted = new Map<string, string>();
    for (const m of messages) {
      const key = modelKey(m.key);
      if (typeof key !== 'string' || this.models.has(key) || wanted.has(key)) continue;
      const offset = this.index.get(key);
      if (offset !== undefined) wanted.set(key, offset);
    }
    return wanted;
  }

  restore(checkpoint: KeyCheckpoint): KeyModel {
    const model = new KeyModel(checkpoint.key, this.engine, checkpoint);
    this.models.set(checkpoint.key, model);
    return model;
  }

  /** A key's model back from the spill file, if it is there. */
  restoreFromSpill(key: string): KeyModel | null {
    const bytes = this.spill.take(spillId(this.partition, key));
    return bytes ? this.restore(decodeKeyCheckpoint(bytes)) : null;
  }

  /** Move an unchanged key's model (the same as its last commit) from memory to the spill file. */
  evict(key: string): void {
    const model = this.models.get(key);
    if (!model) return;
    this.spill.put(spillId(this.partition, key), encodeCheckpoint(model.exportCheckpoint(this.model, this.topics.input, this.partition)));
    this.models.delete(key);
  }

  /** The partition left this instance: its spilled models go too. */
  dropSpilled(): void {
    const prefix = spillId(this.partition, '');
    this.spill.deleteWhere((id) => id.startsWith(prefix));
  }

  /**
   * When the message goes to a key whose model is warming up: that engine and the message's
   * points, decoded (give them to `ingest`), so that the caller can fit the warm-up off the
   * event loop if they fill it (warmup-off-loop.ts). Null otherwise; changes nothing.
   * `decoded`: the message's points as the decode thread gave them, if it did.
   */
  warmingUpTarget(message: KafkaMessage, decoded?: PointInput<MessagePosition>): { engine: OnlineEm; input: PointInput<MessagePosition> } | null {
    const offset = BigInt(message.offset);
    if (this.next !== null && offset < this.next) return null;
    const key = modelKey(message.key);
    const model = typeof key === 'string' ? this.models.get(key) : undefined;
    if (!model || model.holds(offset) || model.engine.warmupRemaining === 0) return null;
    return { engine: model.engine, input: decoded ?? this.decode(message) };
  }

  /** Where a message of this partition is, as its dead letters and scores name it. */
  positionOf(message: KafkaMessage): MessagePosition {
    return { topic: this.topics.input, partition: this.partition, offset: message.offset };
  }

  private decode(message: KafkaMessage): PointInput<MessagePosition> {
    return decodeMessage(message.value, message.headers, this.positionOf(message), this.maxMessageBytes);
  }

  /**
   * One message: skipped when already in (below the restored offsets), refused for its key, or
   * fitted into its key's model. `decoded`: its points as `warmingUpTarget` or the decode thread gave them.
   */
  ingest(message: KafkaMessage, onUpdate?: UpdateListener, decoded?: PointInput<MessagePosition>): Ingested {
    const offset = BigInt(message.offset);
    if (this.next !== null && offset < this.next) return { kind: 'skipped' };
    const position = this.positionOf(message);
    const key = modelKey(message.key);
    if (typeof key !== 'string') {
      this.advance(offset);
      this.holdDeadLetter(deadLetterFor(message, position, [{ index: 0, code: key.code, message: key.message }], 0, this.model));
      return { kind: 'refused' };
    }
    let model = this.models.get(key);
    const created = model === undefined;
    // An evicted key is read back before its messages (evictedKeys); a key not in the index is new.
    if (!model) {
      if (this.index.has(key)) throw new Error(`keyed mode: the model of key '${key}' was not read back from the state topic before its message at ${position.partition}@${position.offset}`);
      model = new KeyModel(key, this.engine, null);
      this.models.set(key, model);
    }
    if (model.holds(offset)) {
      // Already in the key's checkpoint (cannot happen while offsets and checkpoints commit together): step over it, uncounted.
      this.next = offset + 1n;
      return { kind: 'skipped' };
    }
    this.advance(offset);
    const input = decoded ?? this.decode(message);
    const before = model.pointsSeen;
    const rejected = model.ingest(input, position, onUpdate);
    this.points += model.pointsSeen - before;
    if (rejected) this.holdDeadLetter(deadLetterFor(message, position, rejected.rejections, rowCount(input), `${this.model}/${key}`));
    this.changed.add(model);
    return { kind: 'fitted', model, created };
  }

  /**
   * Commit what changed since the last commit in one transaction: dead letters, the changed
   * keys' snapshots and checkpoints, the partition's record and its offset. Null when nothing
   * was read since. The index learns where the checkpoints went.
   */
  async commit(groupId: string, final: boolean): Promise<PartitionCommit | null> {
    if (this.uncommitted === 0 || this.next === null) return null;
    const changed = [...this.changed];
    const checkpoints: Message[] = [];
    const snapshots: Message[] = [];
    for (const m of changed) {
      const { checkpoint, snapshot } = m.commitRecords(this.model, this.topics.input, this.partition, final);
      checkpoints.push(keyCheckpointRecord(checkpoint, this.partition, this.statePartition));
      if (snapshot) snapshots.push({ key: `${this.model}/${m.key}`, value: Buffer.from(JSON.stringify(snapshot)) });
    }
    const keys = new Set([...this.index.keys(), ...changed.map((m) => m.key)]).size;
    this.snapshots += snapshots.length;
    const record: PartitionRecord = {
      version: 1,
      model: this.model,
      topic: this.topics.input,
      partition: this.partition,
      offset: this.next.toString(),
      messages: this.messages,
      deadLettered: this.deadLettered,
      points: this.points,
      snapshots: this.snapshots,
      keys,
      createdAt: new Date().toISOString(),
    };
    const result = await commitKeyed(this.producer, groupId, {
      deadLetters: { topic: this.topics.deadLetter, messages: this.deadLetters },
      snapshots: { topic: this.topics.snapshot, messages: snapshots },
      checkpoints: { topic: this.topics.state, messages: checkpoints },
      partitionRecord: partitionRecordMessage(record, this.statePartition),
      offset: { topic: this.topics.input, partition: this.partition, offset: record.offset },
    });
    changed.forEach((m, i) => this.index.set(m.key, result.checkpointOffsets[i]));
    const deadLetters = this.deadLetters.length;
    this.changed.clear();
    this.deadLetters = [];
    this.deadLetterBytesHeld = 0;
    this.uncommitted = 0;
    return { partition: this.partition, keys: changed.length, snapshots: snapshots.length, deadLetters, record };
  }

  private advance(offset: bigint): void {
    this.next = offset + 1n;
    this.messages++;
    this.uncommitted++;
  }

  private holdDeadLetter(deadLetter: Message): void {
    this.deadLetters.push(deadLetter);
    this.deadLetterBytesHeld += recordBytes(deadLetter);
    this.deadLettered++;
  }
}

/** A key's id in the spill file, which all partitions of this instance share. */
export function spillId(partition: number, key: string): string {
  return `${partition}\u0000${key}`;
}
