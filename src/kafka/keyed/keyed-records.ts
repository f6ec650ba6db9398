import { isUtf8 } from 'node:buffer';
import type { IHeaders, Message } from 'kafkajs';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../checkpoint.js';
import { headerText } from '../message-format.js';

/**
 * The records of keyed mode in the state and snapshot topics. A key's checkpoint and
 * snapshot have the record key `MODEL/KEY`; an input partition's record (its next offset
 * and counters) has `MODEL#PARTITION`. Headers say what a record is without decoding it,
 * so the index scan of the state topic reads headers only.
 */
export const KEYED_HEADERS = {
  model: 'online-em-model',
  /** `key` or `partition`. */
  kind: 'online-em-record',
  key: 'online-em-key',
  /** The input partition the record belongs to (a key lives in one). */
  inputPartition: 'online-em-input-partition',
} as const;

/** Longest message key accepted (bytes); longer keys are dead-lettered as invalid-key. */
export const MAX_KEY_BYTES = 1024;

export function keyRecordKey(model: string, key: string): string {
  return `${model}/${key}`;
}

export function partitionRecordKey(model: string, partition: number): string {
  return `${model}#${partition}`;
}

/** Why a message key cannot name a model. */
export interface KeyProblem {
  readonly code: 'missing-key' | 'invalid-key';
  readonly message: string;
}

/** The model a message key names (its text), or why it names none: keys are UTF-8 text of bounded length. */
export function modelKey(key: Buffer | null | undefined): string | KeyProblem {
  if (key === null || key === undefined || key.length === 0) return { code: 'missing-key', message: 'keyed mode: the message has no key, so it belongs to no model (--keyed fits one model per message key)' };
  if (key.length > MAX_KEY_BYTES) return { code: 'invalid-key', message: `keyed mode: the message key has ${key.length} bytes, the limit is ${MAX_KEY_BYTES}` };
  // Not UTF-8: two different keys could read as the same text and share a model.
  if (!isUtf8(key)) return { code: 'invalid-key', message: 'keyed mode: the message key is not valid UTF-8' };
  return key.toString('utf8');
}

/** A key's checkpoint: the engine, the key's counters and the next offset of its partition. */
export interface KeyCheckpoint extends Checkpoint {
  readonly key: string;
}

/** An input partition's record: how far its keys' checkpoints reach, and its counters. */
export interface PartitionRecord {
  readonly version: 1;
  readonly model: string;
  readonly topic: string;
  readonly partition: number;
  /** Next input offset: every message before it is in a key's checkpoint or the dead-letter topic. */
  readonly offset: string;
  readonly messages: number;
  readonly deadLettered: number;
  /** Valid points fitted into the partition's keys' models. */
  readonly points: number;
  /** Snapshots published for the partition's keys. */
  readonly snapshots: number;
  /** Keys with a checkpoint in the state topic. */
  readonly keys: number;
  readonly createdAt: string;
}

function headers(model: string, kind: 'key' | 'partition', inputPartition: number, key?: string): IHeaders {
  return {
    [KEYED_HEADERS.model]: model,
    [KEYED_HEADERS.kind]: kind,
    [KEYED_HEADERS.inputPartition]: String(inputPartition),
    ...(key === undefined ? {} : { [KEYED_HEADERS.key]: key }),
  };
}

export function keyCheckpointRecord(checkpoint: KeyCheckpoint, inputPartition: number, statePartition: number): Message {
  return {
    key: keyRecordKey(checkpoint.model, checkpoint.key),
    value: encodeCheckpoint(checkpoint),
    partition: statePartition,
    headers: headers(checkpoint.model, 'key', inputPartition, checkpoint.key),
  };
}

export function partitionRecordMessage(record: PartitionRecord, statePartition: number): Message {
  return {
    key: partitionRecordKey(record.model, record.partition),
    value: Buffer.from(JSON.stringify(record)),
    partition: statePartition,
    headers: headers(record.model, 'partition', record.partition),
  };
}

/** What the index scan learns of a state record from its headers (null: not one of this model's, or of another partition). */
export function describeStateRecord(recordHeaders: IHeaders | undefined, model: string, inputPartition: number): { kind: 'key'; key: string } | { kind: 'partition' } | null {
  if (headerText(recordHeaders, KEYED_HEADERS.model) !== model) return null;
  if (headerText(recordHeaders, KEYED_HEADERS.inputPartition) !== String(inputPartition)) return null;
  const kind = headerText(recordHeaders, KEYED_HEADERS.kind);
  if (kind === 'partition') return { kind };
  const key = headerText(recordHeaders, KEYED_HEADERS.key);
  return kind === 'key' && key !== undefined ? { kind, key } : null;
}

export function decodeKeyCheckpoint(bytes: Buffer): KeyCheckpoint {
  const checkpoint = decodeCheckpoint(bytes) as KeyCheckpoint;
  if (typeof checkpoint.key !== 'string') throw new Error('unreadable checkpoint: a keyed checkpoint without its key');
  return checkpoint;
}

export function decodePartitionRecord(bytes: Buffer): PartitionRecord {
  const record = JSON.parse(bytes.toString('utf8')) as PartitionRecord;
  if (record?.version !== 1 || typeof record.offset !== 'string' || !Number.isInteger(record.partition)) throw new Error('unreadable partition record of keyed mode');
  return record;
}
