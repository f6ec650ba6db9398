import type { IHeaders } from 'kafkajs';
import { binaryHeaders, encodeBinaryPoints, JSON_CONTENT_TYPE, CONTENT_TYPE_HEADER } from '../message-format.js';

/** How the points of a message are written: JSON {"points": [...]} or little-endian float64 rows. */
export type PointMessageFormat = 'json' | 'binary';

/** A message ready to send, with the number of points it carries. */
export interface PointMessage {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: IHeaders;
  readonly points: number;
}

/** Keys with a partial message at most; beyond, the oldest one is sent as it is (its order kept). */
const MAX_PENDING_KEYS = 10_000;

/** Points of one key waiting for their message, as n×d float64 (NaN where missing). */
interface Pending {
  readonly data: Float64Array;
  count: number;
}

/**
 * Groups validated points of dimension d into messages of `pointsPerMessage` points, per
 * key, in the order they were added: each key's points keep their order, and a key's
 * message is complete when it holds `pointsPerMessage` points (or at `flush`).
 */
export class PointMessageBatcher {
  private readonly pending = new Map<string | null, Pending>();

  constructor(
    private readonly format: PointMessageFormat,
    private readonly pointsPerMessage: number,
    private readonly dim: number,
  ) {}

  /** Add one point (d values, NaN where missing); returns the messages it completed. */
  add(point: Float64Array, key: string | null): PointMessage[] {
    const done: PointMessage[] = [];
    let slot = this.pending.get(key);
    if (!slot) {
      if (this.pending.size >= MAX_PENDING_KEYS) {
        const [oldest] = this.pending.keys();
        done.push(this.take(oldest));
      }
      slot = { data: new Float64Array(this.pointsPerMessage * this.dim), count: 0 };
      this.pending.set(key, slot);
    }
    slot.data.set(point, slot.count * this.dim);
    slot.count++;
    if (slot.count === this.pointsPerMessage) done.push(this.take(key));
    return done;
  }

  /** The partial messages, in the order their keys first came. */
  flush(): PointMessage[] {
    return [...this.pending.keys()].map((key) => this.take(key));
  }

  private take(key: string | null): PointMessage {
    const slot = this.pending.get(key)!;
    this.pending.delete(key);
    const data = slot.data.subarray(0, slot.count * this.dim);
    return { key, points: slot.count, ...encodePoints(data, this.dim, this.format) };
  }
}

/** The value and headers of a message of n×d points (NaN where missing). */
export function encodePoints(data: Float64Array, dim: number, format: PointMessageFormat): { value: Buffer; headers: IHeaders } {
  if (format === 'binary') return { value: encodeBinaryPoints(data), headers: binaryHeaders(dim) };
  const points: (number | null)[][] = [];
  for (let i = 0; i < data.length; i += dim) points.push(Array.from(data.subarray(i, i + dim), (v) => (Number.isNaN(v) ? null : v)));
  return { value: Buffer.from(JSON.stringify({ points })), headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE } };
}
