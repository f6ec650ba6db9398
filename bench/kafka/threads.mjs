#!/usr/bin/env node
// The processor at --threads 1 and 2 through the local broker, binary and JSON input, JSON also
// with and without the decode thread (--decode-thread on|off):
//
//   npm run bench:threads    (= npm run build && node bench/kafka/threads.mjs; npm run bench:kafka runs it too)
//
// The main Kafka bench's data (d = 8, K = 6, 1,000-point messages), BENCH_THREADS_POINTS
// (1,000,000) points per format, at --batch-size 1000: a 200-point minibatch of this model is a
// single chunk (src/em/parallel/chunk-size.ts), which one thread computes whatever --threads
// says, while 1,000 points make 3 chunks that 2 threads share. Rounds of the four runs, order
// rotated; the same probe as the main bench. Results to bench/out/threads.json and the
// <!-- threads-bench --> block of BENCHMARKS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '../../dist/kafka/kafka-client.js';
import { chunkLayout, chunkPoints } from '../../dist/em/parallel/chunk-size.js';
import { fmtInt } from '../lib/format.mjs';
import { machine } from '../lib/machine.mjs';
import { writeBlock } from '../lib/marked-block.mjs';
import { median } from '../lib/stats.mjs';
import { runKafkaBench } from './bench-main.mjs';
import { ensureBroker } from './broker.mjs';
import { COMPONENTS, DIM, silentLogger } from './common.mjs';
import { BENCHMARKS, BROKERS, OUT_DIR } from './config.mjs';
import { runProcessor } from './processor-child.mjs';
import { produce } from './produce.mjs';
import { log, prefix } from './session.mjs';

const POINTS = Number(process.env.BENCH_THREADS_POINTS ?? 1_000_000);
const REPEATS = Math.max(1, Number(process.env.BENCH_THREADS_REPEATS ?? 3));
const BATCH_SIZE = 1000;
const BLOCK = { start: '<!-- threads-bench:start -->', end: '<!-- threads-bench:end -->' };
const OUT_FILE = join(OUT_DIR, 'threads.json');
const FORMATS = ['binary', 'json'];
const THREADS = [1, 2];
/** The decode thread parses JSON only: binary runs leave it at its default (auto, on). */
const DECODE = { binary: ['auto'], json: ['off', 'on'] };

const kafka = createKafka({ connection: { brokers: BROKERS, clientId: 'online-em-threads-bench', securityProtocol: 'PLAINTEXT', sasl: null, tls: null }, logger: silentLogger });
const admin = kafka.admin();

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const facts = machine();
  await ensureBroker();
  await admin.connect();
  const backlogs = {};
  for (const format of FORMATS) {
    log(`producing ${fmtInt(POINTS)} ${format} points ...`);
    backlogs[format] = await produce({ kafka, admin }, `${prefix}-threads-${format}`, format, POINTS, 13);
  }
  const variants = FORMATS.flatMap((format) =>
    THREADS.flatMap((threads) => DECODE[format].map((decode) => ({ format, threads, decode, key: `${format}-${threads}-decode-${decode}` }))),
  );
  const runs = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let r = 0; r < REPEATS; r++) {
    for (let i = 0; i < variants.length; i++) {
      const { format, threads, decode, key } = variants[(i + r) % variants.length];
      const label = `threads-${key}-${r + 1}`;
      const run = await runProcessor(backlogs[format], label, { extraArgs: ['--threads', String(threads), '--decode-thread', decode, '--batch-size', String(BATCH_SIZE)] });
      if (run.error) throw new Error(`${label}: ${run.error}`);
      runs[key].push({ pointsPerSecond: run.pointsPerSecond, engineMs: run.breakdown.engineMs, betweenMs: run.breakdown.betweenBatchesMs, cpu: run.breakdown.cpuUtilisation });
      log(`  ${label}: ${fmtInt(run.pointsPerSecond)} points/s`);
    }
  }
  const summary = variants.map(({ format, threads, decode, key }) => ({
    format,
    threads,
    decode,
    medianPointsPerSecond: median(runs[key].map((x) => x.pointsPerSecond)),
    range: [Math.min(...runs[key].map((x) => x.pointsPerSecond)), Math.max(...runs[key].map((x) => x.pointsPerSecond))],
    engineMs: median(runs[key].map((x) => x.engineMs)),
    betweenMs: median(runs[key].map((x) => x.betweenMs)),
    cpu: median(runs[key].map((x) => x.cpu)),
  }));
  // The reference of each format: 1 thread, and for JSON the main thread parsing as before.
  const one = (format) => summary.find((s) => s.format === format && s.threads === 1 && s.decode === DECODE[format][0]).medianPointsPerSecond;
  const chunks = chunkLayout(BATCH_SIZE, chunkPoints(COMPONENTS, DIM, 'full')).count;
  const result = { date: new Date().toISOString(), machine: facts, points: POINTS, batchSize: BATCH_SIZE, chunks, repeats: REPEATS, summary, runs };
  writeFileSync(OUT_FILE, `${JSON.stringify(result, null, 1)}\n`);
  const block = [
    BLOCK.start,
    `### Threads in the processor (\`npm run bench:threads\`, ${result.date.slice(0, 10)})`,
    '',
    `\`online-em run --threads 1\` and \`2\` (JSON also with \`--decode-thread off\` and \`on\`) over ${fmtInt(POINTS)} points per format (d = ${DIM}, K = ${COMPONENTS}, messages of 1,000) at \`--batch-size ${BATCH_SIZE}\` ` +
      `(${chunks} chunks a minibatch; at the default 200 this model's minibatch is one chunk and a second thread has nothing to do), ${REPEATS} rounds, order rotated. ` +
      'Snapshots are the same at both thread counts (test/kafka/processor-threads.test.ts).',
    '',
    '| input | threads | decode thread | points/s (median) | range | of 1 thread (JSON: parsed on the main thread) | engine s | no batch in hand s | CPU |',
    '|---|---:|---|---:|---|---:|---:|---:|---:|',
    ...summary.map(
      (s) =>
        `| ${s.format} | ${s.threads} | ${s.format === 'json' ? s.decode : 'n/a'} | ${fmtInt(s.medianPointsPerSecond)} | ${fmtInt(s.range[0])} to ${fmtInt(s.range[1])} | ${(s.medianPointsPerSecond / one(s.format)).toFixed(2)}× | ` +
        `${(s.engineMs / 1000).toFixed(2)} | ${(s.betweenMs / 1000).toFixed(2)} | ${Math.round(s.cpu * 100)}% |`,
    ),
    '',
    'The processor\'s main thread also fetches, commits and runs the M-step (and without the decode thread, parses JSON), and the broker runs on the same 2 cores: ' +
      'a second E-step thread and the decode thread compete with it for the second core.',
    '',
    `Machine: ${facts.nproc} cores, ${facts.cpuModel}, Node ${facts.node}.`,
    BLOCK.end,
  ].join('\n');
  writeBlock(BENCHMARKS, BLOCK, block);
  log(`BENCHMARKS.md: threads-bench block updated (${summary.map((s) => `${s.format} ${s.threads} decode ${s.decode}: ${fmtInt(s.medianPointsPerSecond)}`).join(', ')})`);
}

await runKafkaBench(main, admin);
