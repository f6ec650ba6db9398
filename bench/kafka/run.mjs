#!/usr/bin/env node
// End-to-end benchmark of `online-em run` through a real local Kafka broker.
//
//   npm run bench:kafka            (= npm run build && node bench/kafka/run.mjs)
//
// 1. Starts the local broker on its own port (LocalBroker: scripts/kafka/kafka.sh, KAFKA_PORT=BENCH_KAFKA_PORT,
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
//
// This file only orchestrates; each concern has its own file here (config, session, broker,
// produce, processor-child, proc-sampler, processor-summary, bare-run, engine-alone-runs,
// memory-runs, memory-summary, run-summaries, report) or in bench/lib/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createKafka } from '../../dist/kafka/kafka-client.js';
import { fmtInt } from '../lib/format.mjs';
import { machine } from '../lib/machine.mjs';
import { KAFKA_BLOCK, writeBlock } from '../lib/marked-block.mjs';
import { REPO_ROOT } from '../lib/paths.mjs';
import { runBare } from './bare-run.mjs';
import { ensureBroker, kafkaVersion, saslSslArgs, stopBrokerIfStartedHere } from './broker.mjs';
import { COMPONENTS, DIM, POINTS_PER_MESSAGE, silentLogger } from './common.mjs';
import { BENCHMARKS, BROKERS, ENGINE_ALONE_POINTS, MAIN, MEMORY_JSON_POINTS, MEMORY_LONG_POINTS, MEMORY_POINTS, OUT_DIR, OUT_FILE, POINTS, PORT, REPEATS, SEEDS } from './config.mjs';
import { runEngineAlone } from './engine-alone-runs.mjs';
import { memorySummary } from './memory-summary.mjs';
import { runMemory } from './memory-runs.mjs';
import { runProcessor } from './processor-child.mjs';
import { produce } from './produce.mjs';
import { kafkaBlock } from './report.mjs';
import { summariseEngineAlone, summariseThroughput, summariseTls } from './run-summaries.mjs';
import { children, createdGroups, createdTopics, log, prefix, sinceStartMs } from './session.mjs';

/** The client and admin on the bench's broker, once connected. */
const client = { kafka: null, admin: null };
const clean = (x) => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
const kafkajsVersion = () => JSON.parse(readFileSync(`${REPO_ROOT}/node_modules/kafkajs/package.json`, 'utf8')).version;

async function cleanup() {
  for (const child of children) child.kill('SIGKILL');
  const { admin } = client;
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
    client.admin = null;
  }
  await stopBrokerIfStartedHere();
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

/** Rounds alternate the formats and, within a format, which of processor and bare consumer goes first. */
async function runThroughput(backlogs) {
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
  return runs;
}

/** The processor on the binary backlog over SASL_SSL (SCRAM-SHA-512) and over plaintext, rounds interleaved. */
async function runTls(backlog) {
  const connection = await saslSslArgs();
  if (!connection) {
    log('TLS: the broker has no SASL_SSL listener (it was started without KAFKA_SECURE=1): skipped');
    return { skipped: 'the broker had no SASL_SSL listener' };
  }
  log(`TLS: ${REPEATS} rounds of the processor over SASL_SSL and over plaintext, binary ...`);
  const runs = { tls: [], plaintext: [] };
  for (let r = 0; r < REPEATS; r++) {
    for (const kind of r % 2 === 0 ? ['tls', 'plaintext'] : ['plaintext', 'tls']) {
      runs[kind].push(await runProcessor(backlog, `binary-${kind}-${r + 1}`, { sampleEveryMs: 250, ...(kind === 'tls' ? { connection } : {}) }));
    }
  }
  return runs;
}

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  mkdirSync(OUT_DIR, { recursive: true });
  const facts = { ...machine(), kafka: kafkaVersion(), kafkajs: kafkajsVersion() };
  log(`${facts.nproc} cores (${facts.cpuModel}), Node ${facts.node}, Kafka ${facts.kafka}, kafkajs ${facts.kafkajs}; load average ${facts.loadAverageAtStart.map((x) => Math.round(x * 100) / 100).join(' ')}`);
  await ensureBroker();
  client.kafka = createKafka({ brokers: BROKERS, clientId: 'online-em-bench', logger: silentLogger });
  client.admin = client.kafka.admin();
  await client.admin.connect();

  log(`producing the throughput backlogs (${fmtInt(POINTS)} points per format) ...`);
  const backlogs = {
    binary: await produce(client, `${prefix}-binary`, 'binary', POINTS, SEEDS.binary),
    json: await produce(client, `${prefix}-json`, 'json', POINTS, SEEDS.json),
  };
  log(`the engine alone, in process, on the first ${fmtInt(ENGINE_ALONE_POINTS)} points of the same messages (a fresh process per variant) ...`);
  const engineRuns = await runEngineAlone(REPEATS);
  const runs = await runThroughput(backlogs);
  const tlsRuns = await runTls(backlogs.binary);
  const { memory, memoryRuns } = await runMemory(client);

  const result = clean({
    date: new Date().toISOString(),
    command: 'npm run bench:kafka  (npm run build && node bench/kafka/run.mjs)',
    machine: facts,
    loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    config: { port: PORT, points: POINTS, engineAlonePoints: ENGINE_ALONE_POINTS, repeats: REPEATS, memoryPoints: MEMORY_POINTS, memoryJsonPoints: MEMORY_JSON_POINTS, memoryLongPoints: MEMORY_LONG_POINTS, dim: DIM, components: COMPONENTS, pointsPerMessage: POINTS_PER_MESSAGE },
    backlogs: Object.fromEntries(Object.entries(backlogs).map(([k, b]) => [k, { ...b }])),
    throughput: summariseThroughput(runs),
    tls: summariseTls(tlsRuns),
    tlsRuns,
    engineAlone: summariseEngineAlone(engineRuns),
    engineAloneRuns: engineRuns,
    memory,
    runs,
    memoryRuns,
    durationMs: sinceStartMs(),
  });
  writeFileSync(OUT_FILE, `${JSON.stringify(result, null, 1)}\n`);
  log(`raw numbers written to ${OUT_FILE}`);
  writeBlock(BENCHMARKS, KAFKA_BLOCK, kafkaBlock(result));
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
    writeBlock(BENCHMARKS, KAFKA_BLOCK, kafkaBlock(result));
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
