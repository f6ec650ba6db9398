#!/usr/bin/env node
// The processor with a scores topic (`online-em run --scores-topic T`) against without, through
// the local broker: what publishing a scores record per input message costs.
//
//   npm run bench:scores    (= npm run build && node bench/kafka/scores.mjs; npm run bench:kafka runs it too)
//
// One backlog of BENCH_SCORES_POINTS (2,000,000) d = 8 points in binary messages of 1,000 (the
// fastest input, so the cost of scores shows most), fitted with K = 6 as in the main Kafka bench;
// BENCH_SCORES_REPEATS (5) rounds of six runs, their order rotated: no scores, --scores-format json, --scores-format
// binary (both zstd-compressed, the default), binary with --scores-compression none, and JSON
// and binary with --scores-responsibilities off (BENCH_SCORES_VARIANTS=none,binary-lean: a subset). Timed by the same probe as the main bench
// (first fetch -> last point through the engine). Each run with scores must leave exactly one committed scores record per message, read
// back read_committed. Results to bench/out/scores.json and the <!-- scores-bench --> block of
// BENCHMARKS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '../../dist/kafka/kafka-client.js';
import { fmtInt } from '../lib/format.mjs';
import { machine } from '../lib/machine.mjs';
import { writeBlock } from '../lib/marked-block.mjs';
import { median } from '../lib/stats.mjs';
import { runKafkaBench } from './bench-main.mjs';
import { ensureBroker } from './broker.mjs';
import { silentLogger } from './common.mjs';
import { BENCHMARKS, BROKERS, OUT_DIR } from './config.mjs';
import { runProcessor } from './processor-child.mjs';
import { produce } from './produce.mjs';
import { createdGroups, createdTopics, log, prefix } from './session.mjs';

const POINTS = Number(process.env.BENCH_SCORES_POINTS ?? 2_000_000);
const REPEATS = Math.max(1, Number(process.env.BENCH_SCORES_REPEATS ?? 5));
const SCORES_BLOCK = { start: '<!-- scores-bench:start -->', end: '<!-- scores-bench:end -->' };
const OUT_FILE = join(OUT_DIR, 'scores.json');
// Scores variants: the record format and the topic's compression (zstd is run's default).
const VARIANT_ARGS = {
  none: [],
  json: ['--scores-format', 'json'],
  binary: ['--scores-format', 'binary'],
  'binary-uncompressed': ['--scores-format', 'binary', '--scores-compression', 'none'],
  // Records without the responsibilities (log-likelihood, component, flag): 13 bytes a point in binary.
  'json-lean': ['--scores-format', 'json', '--scores-responsibilities', 'off'],
  'binary-lean': ['--scores-format', 'binary', '--scores-responsibilities', 'off'],
};
// BENCH_SCORES_VARIANTS=none,binary-lean runs a subset (for A/B runs of a change; 'none' is always run, the ratios need it).
const VARIANTS = variantsFromEnv(process.env.BENCH_SCORES_VARIANTS);

function variantsFromEnv(value) {
  if (!value) return Object.keys(VARIANT_ARGS);
  const asked = value.split(',').map((v) => v.trim()).filter(Boolean);
  const unknown = asked.filter((v) => !(v in VARIANT_ARGS));
  if (unknown.length > 0) throw new Error(`BENCH_SCORES_VARIANTS: unknown variant(s) ${unknown.join(', ')}; known: ${Object.keys(VARIANT_ARGS).join(', ')}`);
  return ['none', ...asked.filter((v) => v !== 'none')];
}

const kafka = createKafka({ connection: { brokers: BROKERS, clientId: 'online-em-scores-bench', securityProtocol: 'PLAINTEXT', sasl: null, tls: null }, logger: silentLogger });
const admin = kafka.admin();

/** Records on a single-partition topic, read_committed, up to its end: the count must be one per message. */
async function committedRecords(topic) {
  const [end] = await admin.fetchTopicOffsets(topic);
  const high = BigInt(end?.high ?? '0');
  const groupId = `${prefix}-count-${topic}`;
  createdGroups.add(groupId);
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
  let count = 0;
  let position = 0n;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      position = BigInt(payload.lastOffset) + 1n;
    });
    await consumer.run({ eachBatch: async ({ batch }) => void (count += batch.messages.length) });
    const deadline = Date.now() + 120_000;
    while (position < high && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await consumer.disconnect();
  }
  return count;
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const facts = machine();
  await ensureBroker();
  await admin.connect();
  log(`producing ${fmtInt(POINTS)} binary points ...`);
  const backlog = await produce({ kafka, admin }, `${prefix}-scores-input`, 'binary', POINTS, 11);
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < REPEATS; r++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const variant = VARIANTS[(i + r) % VARIANTS.length];
      const label = `scores-${variant}-${r + 1}`;
      const topic = `${prefix}-${label}`;
      if (variant !== 'none') createdTopics.add(topic);
      const extraArgs = variant === 'none' ? [] : ['--scores-topic', topic, ...VARIANT_ARGS[variant]];
      const run = await runProcessor(backlog, label, { extraArgs });
      if (run.error) throw new Error(`${label}: ${run.error}`);
      const records = variant === 'none' ? null : await committedRecords(topic);
      if (records !== null && records !== backlog.messages) throw new Error(`${label}: ${records} committed scores records for ${backlog.messages} messages`);
      runs[variant].push({ pointsPerSecond: run.pointsPerSecond, records, engineMs: run.breakdown.engineMs, commits: run.breakdown.commits, commitMs: run.breakdown.commitMs, processingMs: run.processingMs, betweenMs: run.breakdown.betweenBatchesMs, cpu: run.breakdown.cpuUtilisation });
      log(`  ${label}: ${fmtInt(run.pointsPerSecond)} points/s${records === null ? '' : `, ${fmtInt(records)} scores records (one per message)`}`);
    }
  }
  const rate = (v) => median(runs[v].map((x) => x.pointsPerSecond));
  // Each run against the run without scores of its own round (a minute apart at most): the
  // machine's speed drifts by ±20% over minutes, which a ratio of medians over all rounds takes in.
  const ofRound = (v) => runs[v].map((x, r) => x.pointsPerSecond / runs.none[r].pointsPerSecond);
  const summary = VARIANTS.map((v) => ({
    variant: v,
    medianPointsPerSecond: rate(v),
    range: [Math.min(...runs[v].map((x) => x.pointsPerSecond)), Math.max(...runs[v].map((x) => x.pointsPerSecond))],
    ofWithout: median(ofRound(v)),
    ofWithoutRange: [Math.min(...ofRound(v)), Math.max(...ofRound(v))],
    ofMedianWithout: rate(v) / rate('none'),
    engineMs: median(runs[v].map((x) => x.engineMs)),
    commits: median(runs[v].map((x) => x.commits)),
    commitMs: median(runs[v].map((x) => x.commitMs)),
    processingMs: median(runs[v].map((x) => x.processingMs)),
    betweenMs: median(runs[v].map((x) => x.betweenMs)),
  }));
  const result = { date: new Date().toISOString(), machine: facts, points: POINTS, messages: backlog.messages, repeats: REPEATS, summary, runs };
  writeFileSync(OUT_FILE, `${JSON.stringify(result, null, 1)}\n`);
  const name = { none: 'without scores', json: '`--scores-topic`, JSON (zstd)', binary: '`--scores-topic`, binary (zstd)', 'binary-uncompressed': '`--scores-topic`, binary, `--scores-compression none`',
    'json-lean': '`--scores-topic`, JSON (zstd), `--scores-responsibilities off`',
    'binary-lean': '`--scores-topic`, binary (zstd), `--scores-responsibilities off`',
  };
  const block = [
    SCORES_BLOCK.start,
    `### Scores topic (\`npm run bench:scores\`, ${result.date.slice(0, 10)})`,
    '',
    `The processor over ${fmtInt(POINTS)} binary points (d = 8, K = 6, ${fmtInt(backlog.messages)} messages of 1,000), ` +
      `${REPEATS} rounds, order rotated; processing rate from the first fetch to the last point through the engine. ` +
      'Each run with scores is set against the run without of its own round (the machine\'s speed drifts by ±20% over minutes), and the median of those ratios is shown. ' +
      'Every run with scores left exactly one committed scores record per message (read back read_committed). Target: at least 70% of the rate without scores.',
    '',
    '| run | points/s (median) | range | of without, within rounds: median (range) | interval s | engine + scoring s | commits (count) s | no batch in hand s |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...summary.map(
      (s) =>
        `| ${name[s.variant]} | ${fmtInt(s.medianPointsPerSecond)} | ${fmtInt(s.range[0])} to ${fmtInt(s.range[1])} | ` +
        `${s.variant === 'none' ? '100%' : `${Math.round(s.ofWithout * 100)}% (${Math.round(s.ofWithoutRange[0] * 100)}-${Math.round(s.ofWithoutRange[1] * 100)}%)${s.ofWithout < 0.7 ? ': below 70%' : ''}`} | ` +
        `${(s.processingMs / 1000).toFixed(2)} | ${(s.engineMs / 1000).toFixed(2)} | ${(s.commitMs / 1000).toFixed(2)} (${s.commits}) | ${(s.betweenMs / 1000).toFixed(2)} |`,
    ),
    '',
    'Medians per column; "no batch in hand" is the rest of the interval (kafkajs fetching, decoding). Where the time goes: the processor writes a scores record ' +
      'for every message it reads, to a broker on the same 2 cores: binary, 37 bytes a point at K = 6 (float32 responsibilities; 61 with the float64 ones of version 1, ' +
      'which reached 60%), against 64 of input; 13 without the responsibilities (version 3); JSON about 120, roughly half without. The records are sent ahead in the open ' +
      'transaction while the next messages are fitted, so the commits themselves are short, and the sending competes with fetching and fitting for the 2 cores. ' +
      'kafkajs copies every batch several times on the main thread (its CRC-32C is native, src/kafka/checksum: @node-rs/crc32 in place of kafkajs\'s byte-at-a-time ' +
      'JavaScript, which took 230 ms of a 4 s run), and fetches wait behind it. Each copy is a new buffer outside V8\'s heap, and V8 runs a full GC for every few tens of MB of those: ' +
      'online-em writes produce requests with sizes worked out first (src/kafka/encoding; kafkajs nests an encoder per record and per level of a request, each doubling, zero-filled, and copying the batch in), and the scores\' columns are reused, ' +
      'which took a run over 2M points from 754 to 434 MB allocated without responsibilities and from 1,100 to 580 MB with them (261-266 MB without scores), and from ~20 full GCs to ~16 (1-2 without); zstd (the default) compresses on libuv\'s thread pool and leaves batches 3-5 times ' +
      'smaller to copy and store, but the pool thread takes its CPU from the same 2 cores as the broker and the engine. Scoring itself (the spread of each message\'s ' +
      'scores over its rows, the anomaly sketch, the E-step of the pending tail, scored ahead of its minibatch, which its update then takes rather than computing it again) and its allocations add about 0.3-0.5 s to the engine\'s 1.3-1.8 s (2M points). ' +
      'JSON is bound by formatting and size: a point\'s record costs 0.7-0.9 µs in process (0.25-0.35 of it turning its 6 responsibilities into shortest ' +
      'round-trip decimals; 0.3 µs without them), on the thread that also runs the engine (0.7-0.9 µs a point here), and is 3 times the binary record\'s ' +
      'size to compress, copy and store, so on one thread JSON cannot come near 70%, and even with only the log-likelihood it stays near half; ' +
      'use the binary form for throughput, and `--scores-responsibilities off` where the responsibilities are not needed (anomaly detection, segmentation).',
    '',
    `Machine: ${facts.nproc} cores, ${facts.cpuModel}, Node ${facts.node}.`,
    SCORES_BLOCK.end,
  ].join('\n');
  // A subset is an A/B run: its table would leave rows out of BENCHMARKS.md.
  if (VARIANTS.length < Object.keys(VARIANT_ARGS).length) return log(`subset of variants: BENCHMARKS.md left as it is (${summary.map((s) => `${s.variant} ${Math.round(s.ofWithout * 100)}%`).join(', ')})`);
  writeBlock(BENCHMARKS, SCORES_BLOCK, block);
  log(`BENCHMARKS.md: scores-bench block updated (${summary.map((s) => `${s.variant} ${Math.round(s.ofWithout * 100)}%`).join(', ')})`);
}

await runKafkaBench(main, admin);
