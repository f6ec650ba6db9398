// The bench's backlogs: single-partition topics pre-filled with the seeded points before
// anything is measured.
import { fmtInt, fmtMB } from '../lib/format.mjs';
import { encodeMessage, messagePoints, nowMs, POINTS_PER_MESSAGE } from './common.mjs';
import { createdTopics, log } from './session.mjs';

export async function createTopic(admin, topic) {
  createdTopics.add(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
}

/** Fill `topic` with `points` points in 1,000-point messages; requests of <= ~900 KB, 4 in flight. */
export async function produce({ kafka, admin }, topic, format, points, seed) {
  await createTopic(admin, topic);
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  const t0 = nowMs();
  const inflight = new Set();
  let batch = [];
  let batchBytes = 0;
  let bytes = 0;
  let messages = 0;
  const flush = async () => {
    const p = producer.send({ topic, messages: batch, acks: -1 });
    batch = [];
    batchBytes = 0;
    inflight.add(p);
    p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    if (inflight.size >= 4) await Promise.race(inflight);
  };
  try {
    for (let i = 0; i * POINTS_PER_MESSAGE < points; i++) {
      const m = encodeMessage(format, messagePoints(seed, i, Math.min(POINTS_PER_MESSAGE, points - i * POINTS_PER_MESSAGE)));
      const size = m.value.length + 100;
      if (batch.length > 0 && batchBytes + size > 900 * 1024) await flush();
      batch.push(m);
      batchBytes += size;
      bytes += m.value.length;
      messages++;
    }
    if (batch.length > 0) await flush();
    await Promise.all(inflight);
  } finally {
    await producer.disconnect();
  }
  const ms = nowMs() - t0;
  log(`  produced ${fmtInt(points)} ${format} points (${fmtInt(messages)} messages, ${fmtMB(bytes)}) to ${topic} in ${(ms / 1000).toFixed(1)} s`);
  return { topic, format, points, messages, bytes, seed, produceMs: ms };
}
