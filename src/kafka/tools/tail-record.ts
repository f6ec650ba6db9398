import type { IHeaders, KafkaMessage } from 'kafkajs';
import { headerText } from '../message-format.js';
import { decodeRecordValue, headersAsText, type RecordDecoder, RECORD_DECODERS } from './record-decoders.js';

/** The header that names the model a record belongs to (dead letters, scores records). */
export const MODEL_HEADER = 'online-em-model';

/** One record as `online-em tail` prints it: a line of NDJSON. */
export interface TailRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly key: string | null;
  readonly headers: Record<string, string>;
  readonly value: unknown;
  readonly valueEncoding?: 'utf8' | 'base64';
  readonly valueError?: string;
}

export function tailRecord(topic: string, partition: number, message: KafkaMessage, decoders: readonly RecordDecoder[] = RECORD_DECODERS): TailRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key === null ? null : message.key.toString('utf8'),
    headers: headersAsText(message.headers),
    ...decodeRecordValue(message.value, message.headers, decoders),
  };
}

/**
 * Whether a record belongs to model `model`: its key is the model (snapshots, checkpoints)
 * or `MODEL/KEY` (a keyed processor's), or its `online-em-model` header names it (dead
 * letters, scores records).
 */
export function belongsToModel(key: Buffer | null, headers: IHeaders | undefined, model: string): boolean {
  if (key !== null) {
    const text = key.toString('utf8');
    if (text === model || text.startsWith(`${model}/`)) return true;
  }
  return headerText(headers, MODEL_HEADER) === model;
}
