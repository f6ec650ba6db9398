// The baseline of the Kafka bench: a bare kafkajs consumer (the processor's client and
// consumer settings, one batch at a time as the processor) that only reads and decodes
// the messages: binary -> aligned Float64Array copy (as the processor's decoder does),
// JSON -> JSON.parse + conversion of the rows to a Float64Array (null -> NaN, no validation).
// Usage: node bench/kafka/bare-consumer.mjs '<json {brokers, topic, group, points, format}>'
// Prints one JSON line with the timings on stdout.
import { performance } from 'node:perf_hooks';
import { createKafka } from '../../dist/kafka/kafka-client.js';
import { DIMENSION_HEADER, headerText } from '../../dist/kafka/message-format.js';
import { bareConsumerConfig, silentLogger } from './common.mjs';
import { cpuMs, nowMs, observeGc, watchFetches } from './instrument.mjs';

const { brokers, topic, group, points: expected, format } = JSON.parse(process.argv[2]);
const HEARTBEAT_EVERY_MESSAGES = 64;

function decodeBinary(value, headers) {
  const dim = Number(headerText(headers, DIMENSION_HEADER));
  const out = new Float64Array(value.length / 8);
  new Uint8Array(out.buffer).set(value);
  return { data: out, dim };
}

function decodeJson(value) {
  const parsed = JSON.parse(value.toString('utf8'));
  const rows = Array.isArray(parsed) ? parsed : parsed.points;
  const dim = rows[0].length;
  const out = new Float64Array(rows.length * dim);
  let o = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let j = 0; j < dim; j++) {
      const x = row[j];
      out[o++] = x === null ? NaN : x;
    }
  }
  return { data: out, dim };
}

const r = {
  firstMessageStart: null,
  lastMessageEnd: null,
  points: 0,
  messages: 0,
  bytes: 0,
  batches: 0,
  insideBatchMs: 0,
  betweenBatchesMs: 0,
  checksum: 0,
  gcCount: 0,
  gcMs: 0,
  startedAt: nowMs(),
  joinedAt: null,
  firstFetchStart: null,
  fetches: 0,
  fetchMs: 0,
  cpuAtFirstFetchMs: null,
  cpuAtLastMessageMs: null,
};
observeGc(r);

const kafka = createKafka({ brokers, clientId: 'online-em-bench-bare', logger: silentLogger });
const consumer = kafka.consumer(bareConsumerConfig(group));
consumer.on(consumer.events.GROUP_JOIN, () => (r.joinedAt ??= nowMs()));
watchFetches(consumer, r);
let finish;
const finished = new Promise((resolve) => (finish = resolve));
let lastBatchEnd = null;
const timeout = setTimeout(() => finish(new Error(`timed out after ${r.points} of ${expected} points`)), 300_000);

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: 1,
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    const t0 = nowMs();
    if (lastBatchEnd !== null) r.betweenBatchesMs += t0 - lastBatchEnd;
    r.batches++;
    let handled = 0;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const start = nowMs();
      r.firstMessageStart ??= start;
      const { data, dim } = format === 'binary' ? decodeBinary(message.value, message.headers) : decodeJson(message.value);
      r.checksum += data[0];
      r.points += data.length / dim;
      r.messages++;
      r.bytes += message.value.length;
      resolveOffset(message.offset);
      r.lastMessageEnd = nowMs();
      r.cpuAtLastMessageMs = cpuMs();
      if (r.points >= expected) {
        finish(null);
        break;
      }
      if (++handled % HEARTBEAT_EVERY_MESSAGES === 0) await heartbeat();
    }
    lastBatchEnd = nowMs();
    r.insideBatchMs += lastBatchEnd - t0;
  },
});

const error = await finished;
clearTimeout(timeout);
await consumer.disconnect();
const m = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ ...r, error: error ? error.message : null, rss: m.rss, performanceNow: performance.now() })}\n`);
process.exit(error ? 1 : 0);
