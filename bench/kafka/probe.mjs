// Preloaded into the `online-em run` child of the Kafka bench (node --import): times the
// processor from the inside without changing it. It wraps
//   - OnlineEm.prototype.ingestFloat64 / ingestRows  (the engine: validation + EM),
//   - TransactionalPublisher.prototype.commit          (snapshot + checkpoint + offsets transaction),
//   - the consumer's FETCH_START / FETCH events          (start of consumption, fetch durations),
//   - the eachBatch handler given to kafkajs            (inside: the whole pipeline for one fetched batch;
//                                                         outside: kafkajs fetching and decoding the next one),
// and observes GC pauses. Cost: a few clock reads per 1,000-point message.
// It rewrites BENCH_PROBE_FILE (JSON) every 250 ms and at exit (then with the per-message series).
import { renameSync, writeFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { OnlineEm } from '../../dist/em/online-em.js';
import { TransactionalPublisher } from '../../dist/kafka/transactional-publisher.js';
import { cpuMs, nowMs, observeGc, watchFetches } from './instrument.mjs';

const file = process.env.BENCH_PROBE_FILE;
const now = nowMs;

const s = {
  pid: process.pid,
  /** The first fetch request of the consumer (after the group join): the start of consumption. */
  firstFetchStart: null,
  fetches: 0,
  /** Sum of kafkajs' own fetch durations (request, response, record decoding). */
  fetchMs: 0,
  /** process.cpuUsage() (user + system, ms, all threads) at the first fetch and after the last ingest. */
  cpuAtFirstFetchMs: null,
  cpuAtLastIngestMs: null,
  firstIngestStart: null,
  lastIngestEnd: null,
  ingestCalls: 0,
  ingestMs: 0,
  maxIngestMs: 0,
  points: 0,
  commits: 0,
  commitMs: 0,
  maxCommitMs: 0,
  batches: 0,
  messages: 0,
  insideBatchMs: 0,
  /** Time between the end of one eachBatch and the start of the next (kafkajs fetch + record decoding). */
  betweenBatchesMs: 0,
  firstBatchStart: null,
  lastBatchEnd: null,
  gcCount: 0,
  gcMs: 0,
  memory: null,
  writtenAt: null,
};
/** [time, pointsSeen] after every ingest call. */
const series = [];
/** [start, duration] of every commit transaction and of every fetch (kafkajs FETCH events). */
const commitLog = [];
const fetchLog = [];
/** [start, end] of every eachBatch call. */
const batchLog = [];

for (const name of ['ingestFloat64', 'ingestRows']) {
  const original = OnlineEm.prototype[name];
  OnlineEm.prototype[name] = function (...args) {
    const t0 = now();
    s.firstIngestStart ??= t0;
    try {
      return original.apply(this, args);
    } finally {
      const t1 = now();
      s.lastIngestEnd = t1;
      s.ingestCalls++;
      s.ingestMs += t1 - t0;
      if (t1 - t0 > s.maxIngestMs) s.maxIngestMs = t1 - t0;
      s.points = this.counters.pointsSeen;
      s.cpuAtLastIngestMs = cpuMs();
      series.push([Math.round(t1 * 10) / 10, s.points]);
    }
  };
}

const commit = TransactionalPublisher.prototype.commit;
TransactionalPublisher.prototype.commit = async function (...args) {
  const t0 = now();
  try {
    return await commit.apply(this, args);
  } finally {
    const ms = now() - t0;
    commitLog.push([Math.round(t0 * 10) / 10, Math.round(ms * 10) / 10]);
    s.commits++;
    s.commitMs += ms;
    if (ms > s.maxCommitMs) s.maxCommitMs = ms;
  }
};

const makeConsumer = kafkajs.Kafka.prototype.consumer;
kafkajs.Kafka.prototype.consumer = function (...args) {
  const consumer = makeConsumer.apply(this, args);
  watchFetches(consumer, s, (event) => fetchLog.push([Math.round(now() - event.payload.duration), event.payload.duration]));
  const run = consumer.run;
  consumer.run = (options = {}) => {
    if (typeof options.eachBatch !== 'function') return run.call(consumer, options);
    const eachBatch = options.eachBatch;
    return run.call(consumer, {
      ...options,
      eachBatch: async (payload) => {
        const t0 = now();
        if (s.lastBatchEnd !== null) s.betweenBatchesMs += t0 - s.lastBatchEnd;
        s.firstBatchStart ??= t0;
        s.batches++;
        s.messages += payload.batch.messages.length;
        try {
          return await eachBatch(payload);
        } finally {
          const t1 = now();
          s.insideBatchMs += t1 - t0;
          batchLog.push([Math.round(t0 * 10) / 10, Math.round(t1 * 10) / 10]);
          s.lastBatchEnd = t1;
        }
      },
    });
  };
  return consumer;
};

observeGc(s);

function write(withSeries) {
  if (!file) return;
  const m = process.memoryUsage();
  s.memory = { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
  s.writtenAt = now();
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(withSeries ? { ...s, series, commitLog, fetchLog, batchLog } : s));
    renameSync(`${file}.tmp`, file);
  } catch {
    // the bench reads it best-effort
  }
}

setInterval(() => write(false), 250).unref();
process.on('exit', () => write(true));
