import type { IHeaders } from 'kafkajs';
import type { PublishedSnapshot } from '../../../src/kafka/processor-types.js';
import { binaryHeaders, encodeBinaryPoints } from '../../../src/kafka/message-format.js';

/** One input message and what it must do to the counts (by the message format's rules). */
export interface AccountedMessage {
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
  /** Points that must be accepted into the model. */
  readonly valid: number;
  /** Points that must be refused (an undecodable message is one RefusedPoint: 1). */
  readonly refused: number;
  /** Any refusal dead-letters the whole message. */
  readonly deadLettered: boolean;
  /** What kind of message it is, for failure messages and tallies. */
  readonly kind: string;
}

export function good(data: Float64Array, dim: number, format: 'json' | 'binary', kind = 'good'): AccountedMessage {
  const n = data.length / dim;
  if (format === 'binary') return { value: encodeBinaryPoints(data), headers: binaryHeaders(dim), valid: n, refused: 0, deadLettered: false, kind };
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * dim, i * dim + dim)));
  return { value: Buffer.from(JSON.stringify({ points: rows })), valid: n, refused: 0, deadLettered: false, kind };
}

export function bad(kind: string, value: Buffer | string | null, refused: number, valid = 0, headers?: IHeaders): AccountedMessage {
  if (refused < 1) throw new Error(`a bad message refuses something (${kind})`);
  return { value: typeof value === 'string' ? Buffer.from(value) : value, ...(headers ? { headers } : {}), valid, refused, deadLettered: true, kind };
}

/**
 * Cumulative expectations by input offset: a message at offset i of a fresh single
 * partition (one idempotent, non-transactional producer) is the i-th produced. A snapshot
 * whose next offset is X must reflect exactly the messages before X: not one point more
 * (counted twice) or less (lost).
 */
export class StreamLedger {
  readonly valid: number[] = [0];
  readonly refused: number[] = [0];
  readonly deadLettered: number[] = [0];

  constructor(readonly messages: readonly AccountedMessage[]) {
    for (const m of messages) {
      this.valid.push(this.valid[this.valid.length - 1] + m.valid);
      this.refused.push(this.refused[this.refused.length - 1] + m.refused);
      this.deadLettered.push(this.deadLettered[this.deadLettered.length - 1] + (m.deadLettered ? 1 : 0));
    }
  }

  get totalValid(): number {
    return this.valid[this.messages.length];
  }

  get totalRefused(): number {
    return this.refused[this.messages.length];
  }

  get totalDeadLettered(): number {
    return this.deadLettered[this.messages.length];
  }

  /** Offsets of the messages that must be dead-lettered. */
  get deadLetterOffsets(): string[] {
    return this.messages.flatMap((m, i) => (m.deadLettered ? [String(i)] : []));
  }

  /** How a committed snapshot disagrees with the messages before its offset (empty: it agrees exactly). */
  disagreement(s: PublishedSnapshot): string[] {
    if (s.offsets.length !== 1) return [`expected one input partition in offsets, got ${JSON.stringify(s.offsets)}`];
    const x = Number(s.offsets[0].offset);
    const out: string[] = [];
    if (!(x >= 0 && x <= this.messages.length)) return [`offset ${x} outside the stream of ${this.messages.length}`];
    if (s.pointsSeen !== this.valid[x]) out.push(`pointsSeen ${s.pointsSeen} != ${this.valid[x]} valid points before offset ${x}`);
    if (s.rejected !== this.refused[x]) out.push(`rejected ${s.rejected} != ${this.refused[x]} refused before offset ${x}`);
    if (s.input.messages !== x) out.push(`input.messages ${s.input.messages} != offset ${x}`);
    if (s.input.deadLettered !== this.deadLettered[x]) out.push(`input.deadLettered ${s.input.deadLettered} != ${this.deadLettered[x]} before offset ${x}`);
    return out;
  }
}

/**
 * Committed snapshots that publish a stretch of input again: each commit must move the
 * offsets forward (only the final snapshot of a graceful stop may repeat the last one).
 * A repeat means a committed stretch was processed twice, with its dead letters.
 */
export function republished(snapshots: readonly PublishedSnapshot[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < snapshots.length; i++) {
    const a = Number(snapshots[i - 1].offsets[0]?.offset ?? 0);
    const b = Number(snapshots[i].offsets[0]?.offset ?? 0);
    if (b < a || (b === a && !snapshots[i].final)) out.push(`snapshot ${i} at offset ${b} (${snapshots[i].pointsSeen} points) after one at offset ${a}`);
  }
  return out;
}

/** The messages as kafkajs messages. */
export function toKafkaMessages(messages: readonly AccountedMessage[]): { value: Buffer | null; headers?: IHeaders }[] {
  return messages.map((m) => ({ value: m.value, ...(m.headers ? { headers: m.headers } : {}) }));
}
