// Preloaded into the `online-em run` child of the Kafka bench (node --import): times the
// processor from the inside without changing it, by subscribing to the processor's typed
// events on the diagnostics channel 'online-em:processor' (src/kafka/processor-events.ts):
//   - ingested        one message through the engine (validation + EM): its duration;
//   - committed       one transaction (dead letters, snapshot, checkpoint, offsets): its duration;
//   - fetch-started / fetched   the consumer's fetch requests (start of consumption, durations);
//   - batch-handled   one fetched batch through the pipeline (inside: the whole pipeline;
//                     between two: kafkajs fetching and decoding the next one);
// and observes GC pauses. The processor builds these events only while someone listens.
// It rewrites BENCH_PROBE_FILE (JSON) every 250 ms and at exit (then with the per-message series).
import { subscribe } from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';
import { cpuMs, nowMs, observeGc } from './instrument.mjs';

/** Must equal PROCESSOR_DIAGNOSTICS_CHANNEL (src/kafka/processor-events.ts); the probe loads nothing from dist. */
const CHANNEL = 'online-em:processor';
const file = process.env.BENCH_PROBE_FILE;
const now = nowMs;
const CPU_SAMPLE_MS = 50;

const s = {
  pid: process.pid,
  /** The first fetch request of the consumer (after the group join): the start of consumption. */
  firstFetchStart: null,
  fetches: 0,
  /** Sum of kafkajs' own fetch durations (request, response, record decoding). */
  fetchMs: 0,
  /**
   * process.cpuUsage() (user + system, ms, all threads) at the first fetch, and after an ingest
   * at most every CPU_SAMPLE_MS (with the time it was read): read after every message, it
   * showed as 30-130 ms of a 2-3 s run in CPU profiles, more with scores than without.
   */
  cpuAtFirstFetchMs: null,
  cpuAtLastIngestMs: null,
  cpuSampledAt: null,
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

const round = (t) => Math.round(t * 10) / 10;
const handlers = {
  ingested({ pointsSeen, durationMs }) {
    const t1 = now();
    s.firstIngestStart ??= t1 - durationMs;
    s.lastIngestEnd = t1;
    s.ingestCalls++;
    s.ingestMs += durationMs;
    if (durationMs > s.maxIngestMs) s.maxIngestMs = durationMs;
    s.points = pointsSeen;
    if (s.cpuSampledAt === null || t1 - s.cpuSampledAt >= CPU_SAMPLE_MS) {
      s.cpuAtLastIngestMs = cpuMs();
      s.cpuSampledAt = t1;
    }
    series.push([round(t1), s.points]);
  },
  committed({ durationMs }) {
    commitLog.push([round(now() - durationMs), round(durationMs)]);
    s.commits++;
    s.commitMs += durationMs;
    if (durationMs > s.maxCommitMs) s.maxCommitMs = durationMs;
  },
  'fetch-started'() {
    if (s.firstFetchStart !== null) return;
    s.firstFetchStart = now();
    s.cpuAtFirstFetchMs = cpuMs();
  },
  fetched({ durationMs }) {
    s.fetches++;
    s.fetchMs += durationMs;
    fetchLog.push([Math.round(now() - durationMs), durationMs]);
  },
  'batch-handled'({ messages, durationMs }) {
    const t1 = now();
    const t0 = t1 - durationMs;
    if (s.lastBatchEnd !== null) s.betweenBatchesMs += t0 - s.lastBatchEnd;
    s.firstBatchStart ??= t0;
    s.batches++;
    s.messages += messages;
    s.insideBatchMs += durationMs;
    batchLog.push([round(t0), round(t1)]);
    s.lastBatchEnd = t1;
  },
};
subscribe(CHANNEL, (event) => handlers[event.type]?.(event));

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
