import type { PublishedSnapshot } from '../../../src/kafka/processor-types.js';
import { readTopic } from './kafka-io.js';

/** The committed snapshots of a snapshot topic, in order. */
export async function readSnapshots(topic: string, options: { count?: number; idleMs?: number } = {}): Promise<PublishedSnapshot[]> {
  const messages = await readTopic(topic, options);
  return messages.map((m) => JSON.parse(m.value!.toString('utf8')) as PublishedSnapshot);
}

/** n×d rows as JSON messages of `perMessage` points each ({"points": [...]}). */
export function jsonMessages(data: Float64Array, dim: number, perMessage: number): { value: string }[] {
  const out: { value: string }[] = [];
  const n = data.length / dim;
  for (let start = 0; start < n; start += perMessage) {
    const rows: number[][] = [];
    for (let i = start; i < Math.min(n, start + perMessage); i++) rows.push(Array.from(data.subarray(i * dim, i * dim + dim)));
    out.push({ value: JSON.stringify({ points: rows }) });
  }
  return out;
}
