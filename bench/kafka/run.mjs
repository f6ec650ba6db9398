#!/usr/bin/env node
// End-to-end benchmark of `online-em run` through a real local Kafka broker.
//
//   npm run bench:kafka            (= npm run build && node bench/kafka/run.mjs)
//
// 1. Starts the local broker on its own port (scripts/kafka/kafka.sh, KAFKA_PORT=BENCH_KAFKA_PORT,
//    default 39292, data dir .kafka/data-<port>) unless one is running there; stops it at the end
//    only if it started it.
// 2. Throughput, d = 8, K = 6, 1,000 points per message, binary and JSON, each from its own
//    pre-filled topic: the processor (`online-em run --components 6` as a child process, every
//    other option at its default) against a bare kafkajs consumer with the processor's consumer
//    settings that only reads and decodes. Rounds alternate the runs; median and range reported.
//    The processor is timed from the inside by bench/kafka/probe.mjs (node --import), without
//    changing it: "processing" is the consumer's first fetch request (after the group join) ->
//    last point through the engine (process start, connect, topic checks, transactional init and
//    group join are excluded; likewise for the bare consumer: first fetch -> last message decoded).
//    "End to end" runs from the same start to the log line of the snapshot showing all points.
//    Also: the engine alone on the same messages, in one process (bench/kafka/engine-alone.mjs).
// 3. Memory: RSS (/proc/<pid>/status VmRSS every 500 ms) of the processor over a 5M-point
//    binary backlog, a 5M-point JSON one and a 20M-point binary one (is it bounded on a long run?),
//    the last two time allowing.
// 4. Raw numbers to bench/out/kafka.json; the block between <!-- kafka-bench:start --> and
//    <!-- kafka-bench:end --> in BENCHMARKS.md is replaced (appended, or the file created).
//
// Environment: BENCH_KAFKA_PORT (39292), BENCH_KAFKA_POINTS (points per throughput topic, 3,000,000),
// BENCH_KAFKA_REPEATS (3), BENCH_KAFKA_MEMORY_POINTS (5,000,000), BENCH_KAFKA_MEMORY_JSON_POINTS
// (5,000,000; 0 skips), BENCH_KAFKA_MEMORY_LONG_POINTS (20,000,000 binary points: is RSS bounded
// on a long run? 0 skips), BENCH_KAFKA_BUDGET_S (600: optional parts are skipped past it),
// BENCH_KAFKA_OUT_FILE / BENCH_KAFKA_BENCHMARKS_FILE (other output paths, e.g. for a trial run).
// `node bench/kafka/run.mjs --report` only re-renders the BENCHMARKS.md block from bench/out/kafka.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka } from '../../dist/kafka/kafka-client.js';
import { COMPONENTS, DIM, encodeMessage, median, messagePoints, nowMs, POINTS_PER_MESSAGE, silentLogger } from './common.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
// The unbundled command (the bin, dist/bin/online-em.js, has its own copy of the modules):
// the probe times OnlineEm and TransactionalPublisher by patching dist/'s classes.
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const PROBE = join(HERE, 'probe.mjs');
const BARE = join(HERE, 'bare-consumer.mjs');
const ENGINE_ALONE = join(HERE, 'engine-alone.mjs');
const KAFKA_SH = join(ROOT, 'scripts', 'kafka', 'kafka.sh');
const OUT_DIR = join(ROOT, 'bench', 'out');
const OUT_FILE = process.env.BENCH_KAFKA_OUT_FILE || join(OUT_DIR, 'kafka.json');
const BENCHMARKS = process.env.BENCH_KAFKA_BENCHMARKS_FILE || join(ROOT, 'BENCHMARKS.md');
const START_MARK = '<!-- kafka-bench:start -->';
const END_MARK = '<!-- kafka-bench:end -->';

const int = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
};
const PORT = int('BENCH_KAFKA_PORT', 39292);
const BROKERS = [`127.0.0.1:${PORT}`];
const POINTS = int('BENCH_KAFKA_POINTS', 3_000_000);
const REPEATS = Math.max(1, int('BENCH_KAFKA_REPEATS', 3));
const MEMORY_POINTS = int('BENCH_KAFKA_MEMORY_POINTS', 5_000_000);
const MEMORY_JSON_POINTS = int('BENCH_KAFKA_MEMORY_JSON_POINTS', 5_000_000);
const MEMORY_LONG_POINTS = int('BENCH_KAFKA_MEMORY_LONG_POINTS', 20_000_000);
const BUDGET_MS = int('BENCH_KAFKA_BUDGET_S', 600) * 1000;
const RSS_SAMPLE_MS = 500;
const ENGINE_ALONE_POINTS = Math.min(POINTS, 1_000_000);
const RUN_TIMEOUT_MS = 240_000;
const SEEDS = { binary: 1, json: 2, memoryBinary: 3, memoryJson: 4, memoryLong: 5 };

const benchStart = nowMs();
const runId = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${process.pid}`;
const prefix = `bench-kafka-${runId}`;
const shared = { snapshot: `${prefix}-snapshots`, deadLetter: `${prefix}-dead-letters`, state: `${prefix}-state` };
const createdTopics = new Set(Object.values(shared));
const createdGroups = new Set();
const children = new Set();
let startedBroker = false;
let kafka = null;
let admin = null;

const elapsed = () => ((nowMs() - benchStart) / 1000).toFixed(0).padStart(4);
const log = (message) => process.stdout.write(`[kafka-bench ${elapsed()} s] ${message}\n`);
const fmtInt = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const fmt1 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(1));
const fmtMB = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
/** A timer that does not keep the process alive. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
const clean = (x) => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));

// ---------------------------------------------------------------------------------------------
// machine, broker

function machine() {
  const cpuinfo = safeRead('/proc/cpuinfo') ?? '';
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(cpus().length);
  const jar = (() => {
    try {
      return readdirSync(join(ROOT, '.kafka', 'lib')).find((f) => /^kafka_2\.13-.*\.jar$/.test(f)) ?? null;
    } catch {
      return null;
    }
  })();
  return {
    nproc: Number(nproc),
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kafka: jar ? jar.replace(/^kafka_2\.13-/, '').replace(/\.jar$/, '') : 'unknown',
    kafkajs: JSON.parse(readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')).version,
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    commit: (() => {
      const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
      const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
      return head ? `${head}${dirty ? ' (src modified)' : ''}` : null;
    })(),
  };
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function kafkaSh(command, { quiet = false } = {}) {
  const r = spawnSync('bash', [KAFKA_SH, command], {
    env: { ...process.env, KAFKA_PORT: String(PORT) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!quiet) for (const line of `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter(Boolean)) log(`  ${line}`);
  return r.status;
}

function brokerPid() {
  const text = safeRead(join(ROOT, '.kafka', `run-${PORT}`, 'kafka.pid'));
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

async function ensureBroker() {
  if (kafkaSh('status', { quiet: true }) === 0) {
    log(`broker already running on ${BROKERS[0]}: using it (it stays up afterwards)`);
    return;
  }
  log(`starting a local Kafka broker on ${BROKERS[0]} (KAFKA_PORT=${PORT} bash scripts/kafka/kafka.sh up) ...`);
  startedBroker = true;
  if (kafkaSh('up') !== 0) throw new Error('could not start the broker (output above)');
}

// ---------------------------------------------------------------------------------------------
// /proc sampling

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

function procSample(pid) {
  const status = safeRead(`/proc/${pid}/status`);
  const stat = safeRead(`/proc/${pid}/stat`);
  if (!status || !stat) return null;
  const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000; // utime + stime
  return { rss: rssKb * 1024, cpuMs };
}

function readProbe(file) {
  const text = safeRead(file);
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// producing the backlogs

async function createTopic(topic) {
  createdTopics.add(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
}

/** Fill `topic` with `points` points in 1,000-point messages; requests of <= ~900 KB, 4 in flight. */
async function produce(topic, format, points, seed) {
  await createTopic(topic);
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

// ---------------------------------------------------------------------------------------------
// the processor as a child process

function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ONLINE_EM_|KAFKA_)/.test(k)) env[k] = v;
  return { ...env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...extra };
}

const SNAPSHOT_LINE = /^(\S+) INFO\s+snapshot #(\d+)( \(final\))?: (\d+) points, .*?, (\d+) dead letters$/;
const PROGRESS_LINE = /^(\S+) INFO\s+(\d+) points\/s \| (\d+) points \|/;

/** `online-em run --components 6` over `backlog`, until a snapshot shows all its points; then SIGTERM. */
async function runProcessor(backlog, label, { sampleEveryMs = RSS_SAMPLE_MS } = {}) {
  const model = `${prefix}-${label}`;
  const group = `${model}-group`;
  createdGroups.add(group);
  const probeFile = join(OUT_DIR, `.probe-${runId}-${label}.json`);
  rmSync(probeFile, { force: true });
  const args = [
    '--import', PROBE, MAIN, 'run',
    '--brokers', BROKERS.join(','),
    '--input-topic', backlog.topic,
    '--snapshot-topic', shared.snapshot,
    '--dead-letter-topic', shared.deadLetter,
    '--state-topic', shared.state,
    '--model', model,
    '--group', group,
    '--components', String(COMPONENTS),
  ];
  const loadBefore = loadavg()[0];
  const spawnedAt = nowMs();
  const child = spawn(process.execPath, args, { env: childEnv({ BENCH_PROBE_FILE: probeFile }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const brokerProc = brokerPid();
  const lines = [];
  const snapshots = [];
  const progressLines = [];
  let allSeenAt = null;
  let deadLetters = null;
  let resolveAll;
  const allSeen = new Promise((resolve) => (resolveAll = resolve));
  let pending = '';
  const onData = (chunk) => {
    pending += chunk.toString();
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      lines.push(line);
      const progress = PROGRESS_LINE.exec(line);
      if (progress) progressLines.push({ at: Date.parse(progress[1]), points: Number(progress[3]) });
      const m = SNAPSHOT_LINE.exec(line);
      if (m) {
        const at = Date.parse(m[1]);
        const points = Number(m[4]);
        snapshots.push({ at, n: Number(m[2]), final: Boolean(m[3]), points, deadLetters: Number(m[5]) });
        if (points >= backlog.points && allSeenAt === null) {
          allSeenAt = at;
          deadLetters = Number(m[5]);
          resolveAll();
        }
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => resolveAll());

  const samples = [];
  const brokerCpu = [];
  const sampler = setInterval(() => {
    const t = nowMs();
    const p = procSample(child.pid);
    if (!p) return;
    const probe = readProbe(probeFile);
    const mem = probe?.memory;
    samples.push({ t, rss: p.rss, cpuMs: p.cpuMs, points: probe?.points ?? 0, heapUsed: mem?.heapUsed ?? null, heapTotal: mem?.heapTotal ?? null, external: mem?.external ?? null, arrayBuffers: mem?.arrayBuffers ?? null });
    if (brokerProc) {
      const b = procSample(brokerProc);
      if (b) brokerCpu.push({ t, cpuMs: b.cpuMs });
    }
  }, sampleEveryMs);

  const timeout = sleep(RUN_TIMEOUT_MS).then(() => 'timeout');
  const outcome = await Promise.race([allSeen.then(() => 'seen'), timeout]);
  clearInterval(sampler);
  const p = procSample(child.pid);
  if (p) samples.push({ t: nowMs(), rss: p.rss, cpuMs: p.cpuMs, points: readProbe(probeFile)?.points ?? 0 });
  child.kill('SIGTERM');
  const stopT0 = nowMs();
  const exit = await Promise.race([exited, sleep(30_000).then(() => null)]);
  if (exit === null) child.kill('SIGKILL');
  const shutdownMs = nowMs() - stopT0;
  children.delete(child);
  const probe = readProbe(probeFile);
  rmSync(probeFile, { force: true });
  const error =
    outcome === 'timeout' ? `no snapshot showed all ${backlog.points} points within ${RUN_TIMEOUT_MS / 1000} s` : allSeenAt === null ? `the processor exited early (${JSON.stringify(exit)})` : !probe?.firstIngestStart ? 'the probe recorded nothing' : null;
  if (error) {
    log(`  processor ${label}: FAILED: ${error}; last log lines:\n${lines.slice(-15).join('\n')}`);
    return { label, format: backlog.format, error, log: lines.slice(-50) };
  }
  return summariseProcessor({ backlog, label, probe, samples, brokerCpu, spawnedAt, allSeenAt, deadLetters, snapshots, shutdownMs, exit, loadBefore, logLines: lines, progressLines });
}

function summariseProcessor({ backlog, label, probe, samples, brokerCpu, spawnedAt, allSeenAt, deadLetters, snapshots, shutdownMs, exit, loadBefore, logLines, progressLines }) {
  // Start of consumption: the consumer's first fetch request (after the group join).
  const start = probe.firstFetchStart ?? probe.firstIngestStart;
  const end = probe.lastIngestEnd;
  const processingMs = end - start;
  const e2eMs = allSeenAt - start;
  // Steady state: after the first 10% of the points (warm-up fit and JIT done).
  const at10 = probe.series.find(([, n]) => n >= backlog.points * 0.1);
  const steady = at10 ? ((backlog.points - at10[1]) / (end - at10[0])) * 1000 : null;
  const cpuIn = (list, t0, t1) => {
    const inside = list.filter((s) => s.t >= t0 && s.t <= t1);
    if (inside.length < 2) return null;
    const a = inside[0];
    const b = inside[inside.length - 1];
    return (b.cpuMs - a.cpuMs) / (b.t - a.t);
  };
  const within = (log) => log.filter(([t]) => t >= start && t <= end);
  // Split the interval: no batch in hand (kafkajs fetching and decoding the next one), commit
  // transactions, the engine, and the rest of the time inside batches (decodeMessage, RxJS, bookkeeping).
  const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  const batches = probe.batchLog.filter(([b0, b1]) => b1 > start && b0 < end);
  const inBatchesMs = batches.reduce((a, [b0, b1]) => a + overlap(b0, b1, start, end), 0);
  const commitsIn = probe.commitLog.filter(([t, ms]) => overlap(t, t + ms, start, end) > 0);
  const commitInsideBatchesMs = commitsIn.reduce((a, [t, ms]) => a + batches.reduce((b, [b0, b1]) => b + overlap(t, t + ms, Math.max(b0, start), Math.min(b1, end)), 0), 0);
  // Two snapshots within a second of each other while points keep arriving: one transaction too many.
  const doubleSnapshots = snapshots.filter((x, i) => i > 0 && !x.final && x.at - snapshots[i - 1].at < 1000).length;
  const r = {
    label,
    format: backlog.format,
    points: backlog.points,
    bytes: backlog.bytes,
    startupMs: start - spawnedAt,
    processingMs,
    pointsPerSecond: (backlog.points / processingMs) * 1000,
    mbPerSecond: backlog.bytes / 1e3 / processingMs,
    firstFetchToFirstPointMs: probe.firstIngestStart - start,
    // The processor with its engine time taken out: everything Kafka, decoding, RxJS and commits cost it.
    withoutEnginePointsPerSecond: (backlog.points / (processingMs - probe.ingestMs)) * 1000,
    fromFirstPointPointsPerSecond: (backlog.points / (end - probe.firstIngestStart)) * 1000,
    steadyPointsPerSecond: steady,
    e2eMs,
    e2ePointsPerSecond: (backlog.points / e2eMs) * 1000,
    snapshotLagMs: allSeenAt - end,
    breakdown: {
      engineMs: probe.ingestMs,
      maxIngestCallMs: probe.maxIngestMs,
      commits: commitsIn.length,
      commitMs: commitsIn.reduce((a, [t, ms]) => a + overlap(t, t + ms, start, end), 0),
      commitOutsideBatchesMs: commitsIn.reduce((a, [t, ms]) => a + overlap(t, t + ms, start, end), 0) - commitInsideBatchesMs,
      maxCommitMs: Math.max(0, ...commitsIn.map(([, ms]) => ms)),
      commitsWholeRun: probe.commits,
      commitMsWholeRun: probe.commitMs,
      batches: probe.batches,
      messagesPerBatch: probe.messages / Math.max(1, probe.batches),
      insideBatchMs: inBatchesMs,
      /** No batch in hand: from the first fetch to the first batch, and between batches. */
      betweenBatchesMs: processingMs - inBatchesMs,
      otherInBatchMs: inBatchesMs - probe.ingestMs - commitInsideBatchesMs,
      gcCount: probe.gcCount,
      gcMs: probe.gcMs,
      fetches: within(probe.fetchLog).length,
      fetchMs: within(probe.fetchLog).reduce((a, [, ms]) => a + ms, 0),
      cpuUtilisation: probe.cpuAtFirstFetchMs !== null ? (probe.cpuAtLastIngestMs - probe.cpuAtFirstFetchMs) / processingMs : null,
      brokerCpuUtilisation: cpuIn(brokerCpu, start, end),
    },
    deadLetters,
    snapshots,
    doubleSnapshots,
    progressLines,
    commitLog: probe.commitLog.map(([t, ms]) => [Math.round(t - start), ms]),
    shutdownMs,
    exit,
    loadavg1Before: loadBefore,
    rss: samples.map((s) => ({ t: Math.round(s.t - start), rss: s.rss, points: s.points, heapUsed: s.heapUsed ?? null, heapTotal: s.heapTotal ?? null, external: s.external ?? null, arrayBuffers: s.arrayBuffers ?? null })),
    series: probe.series.map(([t, n]) => [Math.round((t - start) * 10) / 10, n]),
    log: logLines.slice(0, 200),
  };
  log(
    `  processor ${label}: ${fmtInt(r.pointsPerSecond)} points/s, ${fmt1(r.mbPerSecond)} MB/s over ${(processingMs / 1000).toFixed(2)} s ` +
      `(startup ${(r.startupMs / 1000).toFixed(1)} s, snapshot with all points ${(r.snapshotLagMs / 1000).toFixed(1)} s after the last point; ` +
      `engine ${(probe.ingestMs / 1000).toFixed(2)} s, ${r.breakdown.commits} commits ${(r.breakdown.commitMs / 1000).toFixed(2)} s, ` +
      `no batch in hand ${(r.breakdown.betweenBatchesMs / 1000).toFixed(2)} s, rest ${(r.breakdown.otherInBatchMs / 1000).toFixed(2)} s, ` +
      `${r.doubleSnapshots} double snapshots, CPU ${fmtInt((r.breakdown.cpuUtilisation ?? NaN) * 100)}%, ${deadLetters} dead letters)`,
  );
  return r;
}

// ---------------------------------------------------------------------------------------------
// the bare consumer and the engine alone (child processes printing one JSON line)

function runJsonChild(script, arg, timeoutMs = RUN_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, JSON.stringify(arg)], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const line = out.trim().split('\n').pop();
      try {
        resolve({ ...JSON.parse(line), exit: { code, signal } });
      } catch {
        resolve({ error: `exit ${code ?? signal}: ${err.trim().split('\n').slice(-5).join(' | ') || out.slice(-500)}` });
      }
    });
  });
}

async function runBare(backlog, label) {
  const group = `${prefix}-${label}-group`;
  createdGroups.add(group);
  const loadBefore = loadavg()[0];
  const spawnedAt = nowMs();
  const r = await runJsonChild(BARE, { brokers: BROKERS, topic: backlog.topic, group, points: backlog.points, format: backlog.format });
  if (r.error) {
    log(`  bare consumer ${label}: FAILED: ${r.error}`);
    return { label, format: backlog.format, error: r.error };
  }
  const start = r.firstFetchStart ?? r.firstMessageStart;
  const ms = r.lastMessageEnd - start;
  const out = {
    label,
    format: backlog.format,
    points: r.points,
    bytes: r.bytes,
    startupMs: start - spawnedAt,
    processingMs: ms,
    pointsPerSecond: (r.points / ms) * 1000,
    mbPerSecond: r.bytes / 1e3 / ms,
    firstFetchToFirstPointMs: r.firstMessageStart - start,
    fromFirstPointPointsPerSecond: (r.points / (r.lastMessageEnd - r.firstMessageStart)) * 1000,
    cpuUtilisation: r.cpuAtFirstFetchMs !== null ? (r.cpuAtLastMessageMs - r.cpuAtFirstFetchMs) / ms : null,
    fetches: r.fetches,
    fetchMs: r.fetchMs,
    batches: r.batches,
    insideBatchMs: r.insideBatchMs,
    /** No batch in hand: from the first fetch to the first batch, and between batches. */
    betweenBatchesMs: ms - r.insideBatchMs,
    gcCount: r.gcCount,
    gcMs: r.gcMs,
    rss: r.rss,
    loadavg1Before: loadBefore,
  };
  log(
    `  bare consumer ${label}: ${fmtInt(out.pointsPerSecond)} points/s, ${fmt1(out.mbPerSecond)} MB/s over ${(ms / 1000).toFixed(2)} s ` +
      `(in batches ${(r.insideBatchMs / 1000).toFixed(2)} s, no batch in hand ${(out.betweenBatchesMs / 1000).toFixed(2)} s, CPU ${fmtInt((out.cpuUtilisation ?? NaN) * 100)}%)`,
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// memory

function memorySummary(run) {
  if (run.error) return { format: run.format, points: null, error: run.error };
  const n = run.points;
  // While consuming: from the first point to the first sample showing all of them (the processor
  // then idles until the snapshot is due; those samples are left out).
  const done = run.rss.findIndex((s) => s.points >= n);
  const samples = (done >= 0 ? run.rss.slice(0, done + 1) : run.rss).filter((s) => s.points > 0);
  const at = (fraction) => samples.find((s) => s.points >= n * fraction) ?? null;
  const warm = samples.filter((s) => s.points >= n * 0.2);
  const rss = warm.map((s) => s.rss);
  const min = Math.min(...rss);
  const max = Math.max(...rss);
  const heap = warm.map((s) => s.heapUsed).filter((x) => x !== null);
  const committed = warm.map((s) => s.heapTotal).filter((x) => x !== null);
  // The largest rise of RSS between two samples from 20% on, and what V8's committed heap did meanwhile.
  let step = null;
  for (let i = 1; i < warm.length; i++) {
    const rise = warm[i].rss - warm[i - 1].rss;
    if (rise > 0 && (!step || rise > step.rss)) {
      step = { rss: rise, atPoints: warm[i].points, heapTotalBefore: warm[i - 1].heapTotal, heapTotalAfter: warm[i].heapTotal };
    }
  }
  const mean = (list) => (list.length ? list.reduce((a, s) => a + s.rss, 0) / list.length : null);
  // Least-squares slope of RSS against points from 20% on: growth per million points.
  const mx = warm.reduce((a, s) => a + s.points, 0) / warm.length;
  const my = warm.reduce((a, s) => a + s.rss, 0) / warm.length;
  const sxx = warm.reduce((a, s) => a + (s.points - mx) ** 2, 0);
  const slope = sxx > 0 ? (warm.reduce((a, s) => a + (s.points - mx) * (s.rss - my), 0) / sxx) * 1e6 : null;
  return {
    format: run.format,
    points: n,
    bytes: run.bytes,
    samples: samples.length,
    rssAt: Object.fromEntries([0.1, 0.5, 0.9, 1].map((f) => [`${f * 100}%`, at(f)?.rss ?? null])),
    afterWarmup: { from: '20% of the points', min, max, spread: (max - min) / min },
    heapUsedAfterWarmup: heap.length ? { min: Math.min(...heap), max: Math.max(...heap) } : null,
    heapTotalAfterWarmup: committed.length ? { min: Math.min(...committed), max: Math.max(...committed) } : null,
    largestRssStep: step,
    meanRss: { '20-60%': mean(warm.filter((s) => s.points < n * 0.6)), '60-100%': mean(warm.filter((s) => s.points >= n * 0.6)) },
    rssSlopePerMillionPoints: slope,
    label: run.label,
    pointsPerSecond: run.pointsPerSecond,
    flat: (max - min) / min <= 0.2,
  };
}

// ---------------------------------------------------------------------------------------------
// report

function stats(values) {
  const v = values.filter((x) => x !== null && x !== undefined && Number.isFinite(x));
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length, values: v } : null;
}

const range = (s, f) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : 'n/a');
const pct = (x) => `${Math.round(x * 100)}%`;
const mib = (b) => (b === null || b === undefined ? 'n/a' : `${Math.round(b / 2 ** 20)} MiB`);

function markdown(result) {
  const m = result.machine;
  const c = result.config;
  const L = [];
  const p = (text = '') => L.push(text);
  const secs = (x) => `${(x / 1000).toFixed(1)} s`;
  p(START_MARK);
  p('## End to end through Kafka');
  p();
  p(
    `Generated on ${result.date} by \`npm run bench:kafka\` (\`npm run build && node bench/kafka/run.mjs\`), which took ` +
      `${Math.round(result.durationMs / 1000)} s including producing the backlogs${m.commit ? `, at commit ${m.commit}` : ''}; raw numbers in \`bench/out/kafka.json\`.`,
  );
  p();
  p(
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, Apache Kafka ${m.kafka} (one local KRaft broker, ` +
      `plaintext on loopback, \`scripts/kafka/kafka.sh\`), kafkajs ${m.kafkajs}. The broker, the producer and the processor share the ` +
      `${m.nproc} cores, and other work was running on the machine (load average ${m.loadavgAtStart.join(' / ')} at the start, ` +
      `${result.loadavgAtEnd.join(' / ')} at the end), hence ${c.repeats} interleaved repeats, reported as median (min–max).`,
  );
  p();
  const bb = result.backlogs.binary;
  const jb = result.backlogs.json;
  p(
    `Data: a K = ${c.components}, d = ${c.dim} full-covariance mixture, ${c.pointsPerMessage.toLocaleString('en-US')} points per message, ` +
      `${c.points.toLocaleString('en-US')} points per format, each format on its own single-partition topic, produced before anything is ` +
      `measured: binary (\`application/x-online-em-f64le\`) ${fmtMB(bb.bytes)}, ${bb.bytes / bb.points} bytes a point; JSON ` +
      `(\`{"points": [[...], ...]}\`, full float64 precision) ${fmtMB(jb.bytes)}, ${Math.round(jb.bytes / jb.points)} bytes a point. ` +
      'The processor is `online-em run --components 6` with its own model, group and topics and every other option at its default ' +
      '(a snapshot + checkpoint transaction every 5 s).',
  );
  p();
  p(
    'Interval: from the consumer\'s first fetch request (kafkajs `FETCH_START`, after the group join) to the last point through the ' +
      'engine, read inside the processor by a preloaded probe (`bench/kafka/probe.mjs`: a few clock reads per message, the processor ' +
      'itself unchanged); process start, connecting, topic checks, the transactional init and the group join are left out. The bare ' +
      'consumer (`bench/kafka/bare-consumer.mjs`: kafkajs with the processor\'s client and consumer settings, one batch at a time, ' +
      'heartbeat every 64 messages) is timed the same way, first fetch to last message decoded; it only decodes (binary: aligned ' +
      '`Float64Array` copy; JSON: `JSON.parse` and conversion to a `Float64Array`, no validation). MB/s counts message values ' +
      '(1 MB = 10^6 bytes). Ratio: processor over the bare consumer of the same round. ' +
      'Without the engine: the processor\'s points over its interval minus the time inside `OnlineEm.ingest*` (what Kafka, decoding, ' +
      'RxJS and the commits cost it), against the bare consumer of the same round.',
  );
  p();
  p('| format | processor points/s | processor MB/s | bare consumer points/s | bare consumer MB/s | processor / bare (target ≥ 80%) | processor without the engine: points/s, / bare |');
  p('|---|---|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const t = result.throughput[f];
    p(
      `| ${f} | ${range(t.processor.pointsPerSecond, fmtInt)} | ${range(t.processor.mbPerSecond, fmt1)} | ${range(t.bare.pointsPerSecond, fmtInt)} | ` +
        `${range(t.bare.mbPerSecond, fmt1)} | ${range(t.ratio, pct)}: ${t.ratio && t.ratio.median >= 0.8 ? 'met' : '**missed**'} | ` +
        `${range(t.processor.withoutEnginePointsPerSecond, fmtInt)}, ${range(t.withoutEngineRatio, pct)} |`,
    );
  }
  p();
  p('As a user sees it, to the log line of the snapshot that shows every point, and the steady state:');
  p();
  p('| format | first fetch → snapshot showing all points | points/s on that interval | that snapshot, after the last point | steady points/s (after the first 10%) | startup (spawn → first fetch) | runs with two snapshots < 1 s apart |');
  p('|---|---|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const t = result.throughput[f];
    const q = t.processor;
    p(
      `| ${f} | ${range(q.e2eMs, secs)} | ${range(q.e2ePointsPerSecond, fmtInt)} | ${range(q.snapshotLagMs, secs)} | ` +
        `${range(q.steadyPointsPerSecond, fmtInt)} | ${range(q.startupMs, secs)} | ${t.doubleSnapshots.filter((x) => x > 0).length} of ${t.doubleSnapshots.length} |`,
    );
  }
  p();
  p(
    'Where the processor\'s time goes (medians over its interval; GC overlaps the rest), and the same work without Kafka in one ' +
      `process, on the first ${fmtInt(c.engineAlonePoints)} points of the same messages (\`bench/kafka/engine-alone.mjs\`; each variant on a ` +
      'fresh process and engine, like the processor, so each includes the warm-up fit and a cold JIT):',
  );
  p();
  p('| format | interval | engine (validate + EM) | commit transactions (count) | no batch in hand: kafkajs fetching + decoding | rest of the batches: decodeMessage, RxJS, bookkeeping | GC | processor CPU | broker CPU | bare consumer: interval, no batch in hand, CPU |');
  p('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const t = result.throughput[f];
    const b = t.processor.breakdown;
    const s = (x) => (x ? `${(x.median / 1000).toFixed(2)} s` : 'n/a');
    const u = (x) => (x ? pct(x.median) : 'n/a');
    p(
      `| ${f} | ${s(t.processor.processingMs)} | ${s(b.engineMs)} | ${s(b.commitMs)} (${b.commits ? fmtInt(b.commits.median) : 'n/a'}) | ` +
        `${s(b.betweenBatchesMs)} | ${s(b.otherInBatchMs)} | ${s(b.gcMs)} | ${u(b.cpuUtilisation)} | ${u(b.brokerCpuUtilisation)} | ` +
        `${s(t.bare.processingMs)}, ${s(t.bare.betweenBatchesMs)}, ${u(t.bare.cpuUtilisation)} |`,
    );
  }
  p();
  p('| format | engine alone points/s | decodeMessage alone points/s | decodeMessage + engine points/s | decodeMessage + onlineEm operator points/s |');
  p('|---|---|---|---|---|');
  for (const f of ['binary', 'json']) {
    const e = result.engineAlone[f];
    p(`| ${f} | ${range(e.engine, fmtInt)} | ${range(e.decode, fmtInt)} | ${range(e['decode+engine'], fmtInt)} | ${range(e.operator, fmtInt)} |`);
  }
  p();
  p(
    `Memory: RSS of the processor (\`/proc/<pid>/status\` VmRSS every ${RSS_SAMPLE_MS} ms), by progress through one backlog, while it ` +
      'consumes (up to the first sample showing every point). Target: max/min within 20% from 20% of the points on. Trend: ' +
      'least-squares slope of RSS against points over the same range. The V8 heap comes from the probe (`process.memoryUsage()`).',
  );
  p();
  p('| format | points | RSS at 10% | 50% | 90% | 100% | min – max from 20% | spread (target ≤ 20%) | mean at 20–60% → 60–100% | trend per million points | V8 heap used from 20% | V8 heap committed from 20% |');
  p('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const mem of result.memory) {
    if (mem.error || mem.skipped) {
      p(`| ${mem.format} | ${mem.points ? fmtInt(mem.points) : 'n/a'} | ${mem.error ? `failed: ${mem.error}` : `skipped: ${mem.skipped}`} | | | | | | | | | |`);
      continue;
    }
    const a = mem.rssAt;
    p(
      `| ${mem.format} | ${fmtInt(mem.points)} | ${mib(a['10%'])} | ${mib(a['50%'])} | ${mib(a['90%'])} | ${mib(a['100%'])} | ` +
        `${mib(mem.afterWarmup.min)} – ${mib(mem.afterWarmup.max)} | ${pct(mem.afterWarmup.spread)}: ${mem.flat ? 'met' : '**missed**'} | ` +
        `${mib(mem.meanRss['20-60%'])} → ${mib(mem.meanRss['60-100%'])} | ${mem.rssSlopePerMillionPoints === null ? 'n/a' : `${fmt1(mem.rssSlopePerMillionPoints / 2 ** 20)} MiB`} | ` +
        `${mem.heapUsedAfterWarmup ? `${mib(mem.heapUsedAfterWarmup.min)} – ${mib(mem.heapUsedAfterWarmup.max)}` : 'n/a'} | ` +
        `${mem.heapTotalAfterWarmup ? `${mib(mem.heapTotalAfterWarmup.min)} – ${mib(mem.heapTotalAfterWarmup.max)}` : 'n/a'} |`,
    );
  }
  const stepped = result.memory.filter((m) => !m.error && !m.skipped && !m.flat && m.largestRssStep?.heapTotalBefore != null);
  if (stepped.length > 0) {
    p();
    for (const m of stepped) {
      const st = m.largestRssStep;
      p(
        `Where the ${fmtInt(m.points)}-point ${m.format} run missed: its largest rise of RSS, ${mib(st.rss)} between two samples, came at ` +
          `${fmtInt(st.atPoints)} points, while V8's committed heap went from ${mib(st.heapTotalBefore)} to ${mib(st.heapTotalAfter)} ` +
          '(V8 sizing its heap up once; the heap in use stays in the range shown).',
      );
    }
  }
  p(END_MARK);
  return L.join('\n');
}

function updateBenchmarks(block) {
  const current = safeRead(BENCHMARKS);
  let next;
  if (current === null) next = `${block}\n`;
  else {
    const s = current.indexOf(START_MARK);
    const e = current.indexOf(END_MARK, s + START_MARK.length);
    if (s >= 0 && e >= 0) next = current.slice(0, s) + block + current.slice(e + END_MARK.length);
    else next = `${current}${current.endsWith('\n') ? '' : '\n'}\n${block}\n`;
  }
  writeFileSync(BENCHMARKS, next);
}

// ---------------------------------------------------------------------------------------------
// cleanup

async function cleanup() {
  for (const child of children) child.kill('SIGKILL');
  if (admin) {
    try {
      if (createdGroups.size) await admin.deleteGroups([...createdGroups]).catch(() => undefined);
      const existing = new Set(await admin.listTopics());
      const topics = [...createdTopics].filter((t) => existing.has(t));
      if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
      log(`deleted the bench's ${topics.length} topics and ${createdGroups.size} consumer groups`);
    } catch (error) {
      log(`could not delete the bench's topics: ${error.message}`);
    }
    await admin.disconnect().catch(() => undefined);
    admin = null;
  }
  if (startedBroker) {
    log('stopping the broker this bench started ...');
    kafkaSh('down');
    startedBroker = false;
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  mkdirSync(OUT_DIR, { recursive: true });
  const facts = machine();
  log(`${facts.nproc} cores (${facts.cpuModel}), Node ${facts.node}, Kafka ${facts.kafka}, kafkajs ${facts.kafkajs}; load average ${facts.loadavgAtStart.join(' ')}`);
  await ensureBroker();
  kafka = createKafka({ brokers: BROKERS, clientId: 'online-em-bench', logger: silentLogger });
  admin = kafka.admin();
  await admin.connect();

  log(`producing the throughput backlogs (${fmtInt(POINTS)} points per format) ...`);
  const backlogs = {
    binary: await produce(`${prefix}-binary`, 'binary', POINTS, SEEDS.binary),
    json: await produce(`${prefix}-json`, 'json', POINTS, SEEDS.json),
  };

  log(`the engine alone, in process, on the first ${fmtInt(ENGINE_ALONE_POINTS)} points of the same messages (a fresh process per variant) ...`);
  const VARIANTS = ['engine', 'decode', 'decode+engine', 'operator'];
  const engineRuns = { binary: [], json: [] };
  for (let r = 0; r < REPEATS; r++) {
    for (const f of ['binary', 'json']) {
      // Each variant in its own process, like the processor (a cold JIT), in a rotating order.
      const results = {};
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(i + r) % VARIANTS.length];
        const e = await runJsonChild(ENGINE_ALONE, { format: f, points: ENGINE_ALONE_POINTS, seed: SEEDS[f], variants: [variant] });
        if (e.error) log(`  engine alone ${f} ${variant}: FAILED: ${e.error}`);
        else results[variant] = e.results[variant];
      }
      engineRuns[f].push(results);
      log(`  engine alone ${f} #${r + 1}: ${VARIANTS.map((k) => `${k} ${fmtInt(results[k]?.pointsPerSecond)}`).join(', ')} points/s`);
    }
  }

  log(`throughput: ${REPEATS} rounds of processor and bare consumer, binary and JSON ...`);
  const runs = { binary: { processor: [], bare: [] }, json: { processor: [], bare: [] } };
  for (let r = 0; r < REPEATS; r++) {
    for (const f of r % 2 === 0 ? ['binary', 'json'] : ['json', 'binary']) {
      const order = r % 2 === 0 ? ['processor', 'bare'] : ['bare', 'processor'];
      for (const kind of order) {
        const label = `${f}-${kind}-${r + 1}`;
        runs[f][kind].push(kind === 'processor' ? await runProcessor(backlogs[f], label, { sampleEveryMs: 250 }) : await runBare(backlogs[f], label));
      }
    }
  }

  log('memory: producing the long backlogs ...');
  const memory = [];
  const memoryRuns = [];
  // The first run always; the optional ones only while the time budget allows (with their expected duration).
  const memoryPlan = [
    { label: 'memory-binary', format: 'binary', points: MEMORY_POINTS, seed: SEEDS.memoryBinary, what: 'binary points', needsMs: 0 },
    { label: 'memory-json', format: 'json', points: MEMORY_JSON_POINTS, seed: SEEDS.memoryJson, what: 'JSON points', needsMs: 60_000 },
    { label: 'memory-long', format: 'binary', points: MEMORY_LONG_POINTS, seed: SEEDS.memoryLong, what: 'binary points (long run)', needsMs: 120_000, deleteAfter: true },
  ];
  for (const plan of memoryPlan) {
    if (plan.points <= 0) continue;
    if (plan.needsMs > 0 && nowMs() - benchStart + plan.needsMs > BUDGET_MS) {
      log(`memory: skipping the ${plan.what} backlog (time budget of ${BUDGET_MS / 1000} s)`);
      memory.push({ format: plan.format, points: plan.points, skipped: `time budget of ${BUDGET_MS / 1000} s` });
      continue;
    }
    const backlog = await produce(`${prefix}-${plan.label}`, plan.format, plan.points, plan.seed);
    log(`memory: processor over ${fmtInt(plan.points)} ${plan.what}, sampling RSS every ${RSS_SAMPLE_MS} ms ...`);
    const run = await runProcessor(backlog, plan.label);
    memoryRuns.push(run);
    memory.push(memorySummary(run));
    if (plan.deleteAfter) await admin.deleteTopics({ topics: [backlog.topic], timeout: 30_000 }).catch(() => undefined);
  }
  for (const mem of memory) {
    if (mem.rssAt) {
      log(
        `  memory ${mem.format}: RSS ${Object.entries(mem.rssAt).map(([k, v]) => `${k} ${mib(v)}`).join(', ')}; after 20%: ` +
          `${mib(mem.afterWarmup.min)} – ${mib(mem.afterWarmup.max)} (spread ${pct(mem.afterWarmup.spread)}: ${mem.flat ? 'flat' : 'NOT flat'}), ` +
          `mean ${mib(mem.meanRss['20-60%'])} at 20–60%, ${mib(mem.meanRss['60-100%'])} at 60–100%, trend ${fmt1(mem.rssSlopePerMillionPoints / 2 ** 20)} MiB per million points`,
      );
    }
  }

  const engineAlone = {};
  for (const f of ['binary', 'json']) {
    engineAlone[f] = Object.fromEntries(
      VARIANTS.map((k) => [k, stats(engineRuns[f].map((r) => r[k]?.pointsPerSecond))]),
    );
  }
  // Median and range of each named field over the runs that did not fail.
  const summaries = (list, keys, field = (x, k) => x[k]) =>
    Object.fromEntries(keys.map((k) => [k, stats(list.filter((x) => !x.error).map((x) => field(x, k)))]));
  const throughput = {};
  for (const f of ['binary', 'json']) {
    const { processor, bare } = runs[f];
    // Processor over bare consumer of the same round, for one processor figure.
    const ratioOf = (key) => stats(processor.map((p, i) => (p.error || bare[i]?.error ? null : p[key] / bare[i].pointsPerSecond)));
    throughput[f] = {
      processor: {
        ...summaries(processor, ['pointsPerSecond', 'mbPerSecond', 'steadyPointsPerSecond', 'processingMs', 'e2eMs', 'e2ePointsPerSecond', 'snapshotLagMs', 'startupMs', 'fromFirstPointPointsPerSecond']),
        breakdown: summaries(
          processor,
          ['engineMs', 'commitMs', 'commits', 'fetches', 'fetchMs', 'betweenBatchesMs', 'otherInBatchMs', 'insideBatchMs', 'gcMs', 'cpuUtilisation', 'brokerCpuUtilisation', 'maxIngestCallMs', 'maxCommitMs', 'messagesPerBatch'],
          (x, k) => x.breakdown[k],
        ),
        ...summaries(processor, ['withoutEnginePointsPerSecond']),
      },
      bare: summaries(bare, ['pointsPerSecond', 'mbPerSecond', 'processingMs', 'betweenBatchesMs', 'insideBatchMs', 'fetchMs', 'cpuUtilisation', 'startupMs']),
      ratio: ratioOf('pointsPerSecond'),
      failures: [...processor, ...bare].filter((x) => x.error).map((x) => `${x.label}: ${x.error}`),
      withoutEngineRatio: ratioOf('withoutEnginePointsPerSecond'),
    };
    throughput[f].doubleSnapshots = processor.filter((x) => !x.error).map((x) => x.doubleSnapshots);
    log(
      `${f}: processor ${range(throughput[f].processor.pointsPerSecond, fmtInt)} points/s, bare ${range(throughput[f].bare.pointsPerSecond, fmtInt)} points/s, ` +
        `ratio ${range(throughput[f].ratio, pct)}`,
    );
  }

  const result = clean({
    date: new Date().toISOString(),
    command: 'npm run bench:kafka  (npm run build && node bench/kafka/run.mjs)',
    machine: facts,
    loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    config: { port: PORT, points: POINTS, engineAlonePoints: ENGINE_ALONE_POINTS, repeats: REPEATS, memoryPoints: MEMORY_POINTS, memoryJsonPoints: MEMORY_JSON_POINTS, memoryLongPoints: MEMORY_LONG_POINTS, dim: DIM, components: COMPONENTS, pointsPerMessage: POINTS_PER_MESSAGE },
    backlogs: Object.fromEntries(Object.entries(backlogs).map(([k, b]) => [k, { ...b }])),
    throughput,
    engineAlone,
    engineAloneRuns: engineRuns,
    memory,
    runs,
    memoryRuns,
    durationMs: nowMs() - benchStart,
  });
  writeFileSync(OUT_FILE, `${JSON.stringify(result, null, 1)}\n`);
  log(`raw numbers written to ${OUT_FILE}`);
  updateBenchmarks(markdown(result));
  log(`BENCHMARKS.md: kafka-bench block updated`);
}

try {
  if (process.argv.includes('--report')) {
    // Only re-render the BENCHMARKS.md block from the last raw numbers (no broker, nothing measured).
    const result = JSON.parse(readFileSync(OUT_FILE, 'utf8'));
    // Summaries are recomputed from the raw samples, so a report of older numbers gets newer columns.
    result.memory = result.memory.map((m) => {
      const run = (result.memoryRuns ?? []).find((r) => r.label === m.label && !r.error);
      return run && !m.error && !m.skipped ? memorySummary(run) : m;
    });
    updateBenchmarks(markdown(result));
    log(`kafka-bench block of ${BENCHMARKS} re-rendered from ${OUT_FILE} (measured ${result.date})`);
  } else {
    await main();
    await cleanup();
    log('done');
  }
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanup();
  process.exitCode = 1;
}
