import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { SeededRandom } from '../../../src/em/random.js';
import { encodeCheckpoint } from '../../../src/kafka/checkpoint.js';
import { decodeKeyCheckpoint, KEYED_HEADERS, type KeyCheckpoint } from '../../../src/kafka/keyed/keyed-records.js';
import { testKafka } from './kafka-io.js';
import type { ProcessorProcess } from './processor-process.js';
import { sleep } from './reliability.js';

/** One keyed input message and what it must do to its key's counts. */
export interface KeyedMessage {
  readonly key: string | null;
  readonly value: string;
  readonly valid: number;
  readonly deadLettered: boolean;
}

/**
 * `keys` keys, each drawing points from its own seeded two-component mixture in 2-d, in
 * `perKey` messages of `points` points, interleaved at random (seeded); every `badEvery`-th
 * message is bad: without a key, or undecodable under a key.
 */
export function keyedStream(keys: number, perKey: number, points: number, badEvery: number, seed = 1): KeyedMessage[] {
  const rng = new SeededRandom(seed);
  const left = Array.from({ length: keys }, () => perKey);
  const centres = Array.from({ length: keys }, (_, k) => {
    const r = new SeededRandom(seed * 7919 + k);
    return [
      [r.uniform() * 10, r.uniform() * 10],
      [r.uniform() * 10 + 6, r.uniform() * 10 - 6],
    ];
  });
  const messages: KeyedMessage[] = [];
  let remaining = keys * perKey;
  while (remaining > 0) {
    let k = rng.int(keys);
    while (left[k] === 0) k = (k + 1) % keys;
    left[k]--;
    remaining--;
    const rows: number[][] = [];
    for (let i = 0; i < points; i++) {
      const c = centres[k][rng.uniform() < 0.4 ? 0 : 1];
      rows.push([c[0] + rng.normal(), c[1] + rng.normal() * 0.5]);
    }
    messages.push({ key: `device-${k}`, value: JSON.stringify(rows), valid: points, deadLettered: false });
    if (messages.length % badEvery === 0) {
      messages.push(
        rng.uniform() < 0.5
          ? { key: null, value: JSON.stringify([[1, 2]]), valid: 0, deadLettered: true }
          : { key: `device-${rng.int(keys)}`, value: '[[1, 2], [3', valid: 0, deadLettered: true },
      );
    }
  }
  return messages;
}

/** Per key: the valid points and messages it must count. */
export function expectedPerKey(messages: readonly KeyedMessage[]): Map<string, { points: number; messages: number; deadLettered: number }> {
  const out = new Map<string, { points: number; messages: number; deadLettered: number }>();
  for (const m of messages) {
    if (m.key === null) continue;
    const e = out.get(m.key) ?? { points: 0, messages: 0, deadLettered: 0 };
    e.points += m.valid;
    e.messages++;
    if (m.deadLettered) e.deadLettered++;
    out.set(m.key, e);
  }
  return out;
}

export function toRecord(m: KeyedMessage): Message {
  return { key: m.key, value: m.value };
}

/** Produce the records in ticks of `perTick` every `tickMs`, with one idempotent producer: the stream is live throughout. */
export async function produceKeyedLive(topic: string, records: readonly Message[], perTick: number, tickMs: number): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += perTick) {
      await producer.send({ topic, messages: records.slice(i, i + perTick) });
      await sleep(tickMs);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every record of every partition of `topic` up to its end now (read_committed). */
export async function readAllPartitions(topic: string, timeoutMs = 120_000): Promise<{ partition: number; offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `keyed-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024 });
  const out: { partition: number; offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    const position = new Map([...ends.keys()].map((p) => [p, 0n]));
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const next = BigInt(payload.lastOffset) + 1n;
      if (next > position.get(payload.partition)!) position.set(payload.partition, next);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
          out.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers });
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    const behind = (): boolean => [...ends].some(([p, end]) => position.get(p)! < end);
    while (behind() && Date.now() < deadline) await sleep(100);
    if (behind()) throw new Error(`read ${topic} only up to ${JSON.stringify(Object.fromEntries([...position].map(([p, o]) => [p, String(o)])))}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return out;
}

/** The newest checkpoint of every key of `model` in the state topic. */
export async function latestKeyCheckpoints(stateTopic: string, model: string): Promise<Map<string, KeyCheckpoint>> {
  const latest = new Map<string, KeyCheckpoint>();
  for (const r of await readAllPartitions(stateTopic)) {
    if (r.headers[KEYED_HEADERS.model] !== model || r.headers[KEYED_HEADERS.kind] !== 'key' || !r.value) continue;
    latest.set(r.headers[KEYED_HEADERS.key], decodeKeyCheckpoint(r.value));
  }
  return latest;
}

/** The engine state of a checkpoint as exact bytes (Float64Arrays as their bits). */
export function engineBytes(c: KeyCheckpoint): string {
  return encodeCheckpoint({ ...c, model: '', counters: { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 }, createdAt: '', offsets: [] }).toString('utf8');
}

/** Resolves once the group's committed offsets reach the end of every partition of `topic`; rejects at once if `proc` exits first. */
export async function waitUntilConsumed(group: string, topic: string, timeoutMs: number, proc?: ProcessorProcess): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const committed = new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
      // An empty partition has nothing to commit (its offset stays -1).
      const behind = [...ends].filter(([p, end]) => end !== '0' && committed.get(p) !== end);
      if (behind.length === 0) return;
      if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) throw new Error(`the processor exited before group ${group} consumed ${topic}; log:\n${proc.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`group ${group} committed ${JSON.stringify(Object.fromEntries(committed))}, the ends are ${JSON.stringify(Object.fromEntries(ends))}`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}
