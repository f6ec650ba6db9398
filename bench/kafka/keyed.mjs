#!/usr/bin/env node
// Keyed mode (`online-em run --keyed`) through the local broker: throughput at 1, 1,000 and
// 100,000 keys, one instance and two, RSS, and the latency of reading evicted keys back.
//
//   npm run bench:keyed     (= npm run build && node bench/kafka/keyed.mjs; npm run bench:kafka runs it too)
//
// Every backlog holds BENCH_KEYED_POINTS (2,000,000) 2-d points in binary messages of 10, over
// 6 partitions, keys drawn uniformly; each key's points come from its own two-component mixture.
// The processor runs with `--components 2 --warmup 10 --batch-size 10 --restarts 1` (the same
// for every key count, so a key of the 100,000 fits 10 warm-up points and one minibatch), and
// `--max-keys 10000` at 100,000 keys. Timed from its first `keys-assigned` event (partitions
// indexed) to the group's committed offsets reaching the end of every partition. Then the state
// topic is read back: every key must have a checkpoint with exactly its points and messages.
// Restore latency: every read-back of evicted keys (bench/kafka/keyed-probe.mjs), each key of
// one read-back counted with its duration. Results to bench/out/keyed.json and the
// <!-- keyed-bench --> block of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka } from '../../dist/kafka/kafka-client.js';
import { binaryHeaders, encodeBinaryPoints } from '../../dist/kafka/message-format.js';
import { decodeKeyCheckpoint, KEYED_HEADERS } from '../../dist/kafka/keyed/keyed-records.js';
import { SeededRandom } from '../../dist/em/random.js';
import { fmtInt } from '../lib/format.mjs';
import { machine } from '../lib/machine.mjs';
import { writeBlock } from '../lib/marked-block.mjs';
import { ensureBroker, stopBrokerIfStartedHere } from './broker.mjs';
import { childEnv } from './children.mjs';
import { silentLogger } from './common.mjs';
import { BENCHMARKS, BROKERS, MAIN, OUT_DIR } from './config.mjs';
import { procSample } from './proc-sampler.mjs';
import { log, prefix } from './session.mjs';

const POINTS = Number(process.env.BENCH_KEYED_POINTS ?? 2_000_000);
const PER_MESSAGE = 10;
const PARTITIONS = 6;
const DIM = 2;
const ENGINE = ['--components', '2', '--warmup', '10', '--batch-size', '10', '--restarts', '1', '--seed', '1'];
const KEYED_BLOCK = { start: '<!-- keyed-bench:start -->', end: '<!-- keyed-bench:end -->' };
const PROBE = fileURLToPath(new URL('keyed-probe.mjs', import.meta.url));
const OUT_FILE = join(OUT_DIR, 'keyed.json');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const kafka = createKafka({ connection: { brokers: BROKERS, clientId: 'online-em-keyed-bench', securityProtocol: 'PLAINTEXT', sasl: null, tls: null }, logger: silentLogger });
const admin = kafka.admin();
const topics = new Set();
const groups = new Set();

/** A backlog of POINTS points over `keys` keys; per key, the points and messages it must count. */
async function produceBacklog(keys, seed) {
  const topic = `${prefix}-keyed-${keys}`;
  topics.add(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const rng = new SeededRandom(seed);
  const expected = new Map();
  const messages = POINTS / PER_MESSAGE;
  let batch = [];
  for (let i = 0; i < messages; i++) {
    const k = keys === 1 ? 0 : rng.int(keys);
    const key = `device-${k}`;
    const data = new Float64Array(PER_MESSAGE * DIM);
    const shift = (k % 17) * 3;
    for (let j = 0; j < PER_MESSAGE; j++) {
      const c = rng.uniform() < 0.4 ? 0 : 6;
      data[j * DIM] = shift + c + rng.normal();
      data[j * DIM + 1] = -c + rng.normal();
    }
    batch.push({ key, value: encodeBinaryPoints(data), headers: binaryHeaders(DIM) });
    const e = expected.get(key) ?? { points: 0, messages: 0 };
    e.points += PER_MESSAGE;
    e.messages++;
    expected.set(key, e);
    if (batch.length === 2000) {
      await producer.send({ topic, messages: batch });
      batch = [];
    }
  }
  if (batch.length) await producer.send({ topic, messages: batch });
  await producer.disconnect();
  const partitionsWithData = (await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== '0').length;
  return { topic, keys, expected, partitionsWithData };
}

/** The group's committed offsets reach every partition's end: the whole backlog is in the models. */
async function waitConsumed(group, topic, timeoutMs, alive) {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    // An empty partition has nothing to commit (its offset stays -1).
    const committed = new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
    const done = [...ends].every(([p, end]) => end === '0' || committed.get(p) === end);
    if (done) return Date.now();
    if (!alive()) throw new Error(`a processor exited before group ${group} consumed ${topic}`);
    if (Date.now() > deadline) throw new Error(`group ${group} did not consume ${topic} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function spawnProcessor(backlog, model, extra, label) {
  const probeFile = join(OUT_DIR, `.keyed-probe-${label}-${process.pid}.json`);
  rmSync(probeFile, { force: true });
  const args = ['--import', PROBE, MAIN, 'run', '--brokers', BROKERS.join(','), '--keyed', '--input-topic', backlog.topic, '--model', model, '--group', `${model}-group`,
    '--state-topic', `${model}-state`, '--snapshot-topic', `${model}-snapshots`, '--dead-letter-topic', `${model}-dead-letters`, '--log-format', 'json', '--progress-interval', '2000', ...ENGINE, ...extra];
  const env = childEnv({ BENCH_PROBE_FILE: probeFile, BENCH_PARTITIONS_WITH_DATA: String(backlog.partitionsWithData) });
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, probeFile, assignedAt: null, exited: new Promise((resolve) => child.on('close', (code) => resolve(code))), tail: '' };
  let pending = '';
  const onData = (chunk) => {
    pending += chunk.toString();
    proc.tail = (proc.tail + chunk.toString()).slice(-3000);
    for (let nl; (nl = pending.indexOf('\n')) >= 0; pending = pending.slice(nl + 1)) {
      try {
        const r = JSON.parse(pending.slice(0, nl));
        if (r.event === 'keys-assigned' && r.taken.length > 0 && proc.assignedAt === null) proc.assignedAt = Date.parse(r.time);
      } catch {}
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  for (const t of ['state', 'snapshots', 'dead-letters']) topics.add(`${model}-${t}`);
  groups.add(`${model}-group`);
  return proc;
}

/** Per-key latency quantiles of read-backs ([keys, ms] each: every key of one waited its duration). */
function weightedQuantiles(restores, qs) {
  const sorted = [...restores].sort((a, b) => a[1] - b[1]);
  const total = sorted.reduce((n, [k]) => n + k, 0);
  return qs.map((q) => {
    let seen = 0;
    for (const [k, ms] of sorted) if ((seen += k) >= q * total) return ms;
    return null;
  });
}

/** Every key's newest checkpoint in the state topic, against what it must count. */
async function verify(stateTopic, model, expected) {
  const consumer = kafka.consumer({ groupId: `${prefix}-verify-${model}`, maxBytes: 64 << 20, maxBytesPerPartition: 16 << 20, maxWaitTimeInMs: 200 });
  groups.add(`${prefix}-verify-${model}`);
  const ends = new Map((await admin.fetchTopicOffsets(stateTopic)).map((p) => [p.partition, BigInt(p.high)]));
  const position = new Map([...ends.keys()].map((p) => [p, 0n]));
  const latest = new Map();
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => position.set(payload.partition, BigInt(payload.lastOffset) + 1n));
  await consumer.connect();
  await consumer.subscribe({ topics: [stateTopic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (m.headers?.[KEYED_HEADERS.kind]?.toString() !== 'key') continue;
        latest.set(m.headers[KEYED_HEADERS.key].toString(), m.value);
      }
    },
  });
  while ([...ends].some(([p, end]) => position.get(p) < end)) await sleep(100);
  await consumer.disconnect();
  let wrong = 0;
  for (const [key, want] of expected) {
    const bytes = latest.get(key);
    const c = bytes ? decodeKeyCheckpoint(bytes) : null;
    if (!c || c.engine.counters.pointsSeen !== want.points || c.counters.messages !== want.messages) wrong++;
  }
  return { keys: latest.size, expectedKeys: expected.size, wrong };
}

/** `instances` processors of one new model over the backlog, started together, until all is consumed. */
async function runKeyed(backlog, instances, extra, label) {
  const model = `${prefix}-${label}`;
  const procs = Array.from({ length: instances }, (_, i) => spawnProcessor(backlog, model, extra, `${label}-${i}`));
  const rss = [];
  const sampler = setInterval(() => {
    for (const p of procs) {
      const s = procSample(p.child.pid);
      if (s) rss.push(s.rss);
    }
  }, 500);
  try {
    while (procs.some((p) => p.assignedAt === null)) {
      if (procs.some((p) => p.child.exitCode !== null)) throw new Error(`a processor exited: ${procs.map((p) => p.tail).join('\n')}`);
      await sleep(50);
    }
    const start = Math.min(...procs.map((p) => p.assignedAt));
    const end = await waitConsumed(`${model}-group`, backlog.topic, 1_800_000, () => procs.every((p) => p.child.exitCode === null));
    clearInterval(sampler);
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    const probes = procs.map((p) => JSON.parse(readFileSync(p.probeFile, 'utf8')));
    for (const p of procs) rmSync(p.probeFile, { force: true });
    const restores = probes.flatMap((p) => p.restores);
    const [p50, p99] = weightedQuantiles(restores, [0.5, 0.99]);
    // Processing: until every partition was read to its end (by one instance; with two, the later one).
    // End to end: until the group's offsets were committed there.
    const caughtUp = probes.map((p) => p.caughtUpAt).filter((t) => t !== null);
    const seconds = ((instances === 1 && caughtUp.length ? caughtUp[0] : end) - start) / 1000;
    const endToEndSeconds = (end - start) / 1000;
    const verified = await verify(`${model}-state`, model, backlog.expected);
    const result = {
      label, keys: backlog.keys, instances, extra, seconds, endToEndSeconds, pointsPerSecond: POINTS / seconds,
      maxRssMiB: Math.round(Math.max(...rss) / 2 ** 20), rssSamples: rss.length,
      // Bounded, or growing? The largest sample of each half of the run.
      rssHalvesMiB: [rss.slice(0, rss.length >> 1), rss.slice(rss.length >> 1)].map((h) => (h.length ? Math.round(Math.max(...h) / 2 ** 20) : null)),
      restoreMsPerKey: restores.length ? restores.reduce((n, [, ms]) => n + ms, 0) / restores.reduce((n, [k]) => n + k, 0) : null,
      evictions: probes.reduce((n, p) => n + p.evictions, 0),
      restoredKeys: restores.reduce((n, [k]) => n + k, 0), restoredFromStateTopic: restores.reduce((n, r) => n + r[2], 0), restoreReads: restores.length,
      restoreP50Ms: p50, restoreP99Ms: p99, verified,
    };
    log(`${label}: ${fmtInt(result.pointsPerSecond)} points/s over ${seconds.toFixed(1)} s (committed after ${endToEndSeconds.toFixed(1)} s), max RSS ${result.maxRssMiB} MiB, ${fmtInt(result.evictions)} evictions, ${fmtInt(result.restoredKeys)} keys read back (p50 ${p50 ?? 'n/a'} ms, p99 ${p99 ?? 'n/a'} ms), ${verified.keys} of ${verified.expectedKeys} keys checkpointed, ${verified.wrong} wrong`);
    return result;
  } finally {
    clearInterval(sampler);
    for (const p of procs) p.child.kill('SIGKILL');
  }
}

/** A restart of the model just fitted: how long fencing and indexing its partitions' keys take before it consumes. */
async function measureRestart(backlog, label, extra) {
  const model = `${prefix}-${label}`;
  const proc = spawnProcessor(backlog, model, extra, `${label}-restart`);
  const event = await new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk) => {
      pending += chunk.toString();
      for (let nl; (nl = pending.indexOf('\n')) >= 0; pending = pending.slice(nl + 1)) {
        try {
          const r = JSON.parse(pending.slice(0, nl));
          if (r.event === 'keys-assigned' && r.taken.length > 0) resolve(r);
        } catch {}
      }
    };
    proc.child.stdout.on('data', onData);
    proc.child.stderr.on('data', onData);
    proc.child.on('exit', () => reject(new Error(`the restarted processor exited: ${proc.tail}`)));
  });
  proc.child.kill('SIGTERM');
  await proc.exited;
  rmSync(proc.probeFile, { force: true });
  const stateBytes = await stateTopicBytes(`${model}-state`);
  log(`${label} restart: ${fmtInt(event.keysKnown)} keys indexed in ${Math.round(event.durationMs)} ms (state topic ${Math.round(stateBytes / 2 ** 20)} MiB on disk)`);
  return { keysKnown: event.keysKnown, indexMs: event.durationMs, stateMiB: Math.round(stateBytes / 2 ** 20) };
}

/** Bytes of a topic's log on the broker's disk (the bench's local broker: its data directory). */
async function stateTopicBytes(topic) {
  const { execSync } = await import('node:child_process');
  try {
    return Number(execSync(`du -sb ${join(process.cwd(), '.kafka')}/data-*/${topic}-* | awk '{s+=$1} END {print s}'`, { encoding: 'utf8', shell: '/bin/bash' }).trim()) || 0;
  } catch {
    return 0;
  }
}

function block(r) {
  const row = (x) => `| ${fmtInt(x.keys)} | ${x.instances} | ${x.extra.join(' ') || '(default 100,000)'} | ${fmtInt(x.pointsPerSecond)} | ${x.seconds.toFixed(1)} | ${x.endToEndSeconds.toFixed(1)} | ${x.maxRssMiB} (${x.rssHalvesMiB.join(' / ')}) | ${fmtInt(x.evictions)} | ${fmtInt(x.restoredKeys)} | ${x.restoreP50Ms ?? '–'} / ${x.restoreP99Ms ?? '–'} (${x.restoreMsPerKey === null ? '–' : x.restoreMsPerKey.toFixed(3)}) | ${x.verified.keys === x.verified.expectedKeys && x.verified.wrong === 0 ? `all ${fmtInt(x.verified.keys)} exact` : `${x.verified.wrong} wrong of ${x.verified.expectedKeys}`} |`;
  return [
    KEYED_BLOCK.start,
    '## Keyed mode (`npm run bench:keyed`, also run by `npm run bench:kafka`)',
    '',
    `Measured ${r.date.slice(0, 10)} on ${r.machine.nproc} cores (${r.machine.cpuModel}), Node ${r.machine.node}, broker on the same machine. ` +
      `${fmtInt(r.points)} 2-d points per run in binary messages of ${PER_MESSAGE}, over ${PARTITIONS} partitions, keys uniform at random; ` +
      `\`${ENGINE.join(' ')}\`. Processing: from the first partitions indexed until every partition was read to its end (one instance; with two, until the group's offsets reached the ends); committed: until the group's offsets reached every end. ` +
      'RSS: the largest sample (every 500 ms) of any instance, and of each half of the run (bounded if the second is no larger). Read-back latency: per evicted key, from the batch that needs it to its model in memory (a batch reads all its evicted keys back at once, from the local spill file; the state topic only for keys it lacks); in brackets, the read-back time per key. ' +
      'Exact: every key\'s newest checkpoint in the state topic counts exactly its points and messages.',
    '',
    '| keys | instances | --max-keys | points/s | processing s | committed s | max RSS MiB (1st / 2nd half) | evictions | keys read back | read-back p50 / p99 ms (per key) | keys |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...r.runs.map(row),
    '',
    r.restart
      ? `A restart after the 100,000-key run fenced its 6 partitions and indexed ${fmtInt(r.restart.keysKnown)} keys from the state topic (${r.restart.stateMiB} MiB on the broker's disk, not yet compacted) in ${fmtInt(r.restart.indexMs)} ms before consuming; models are then decoded at each key's next message.`
      : '',
    KEYED_BLOCK.end,
  ].join('\n');
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  await ensureBroker();
  await admin.connect();
  const runs = [];
  let restart = null;
  for (const [keys, seed] of [[1, 11], [1000, 12], [100_000, 13]]) {
    log(`keyed: producing ${fmtInt(POINTS)} points over ${fmtInt(keys)} keys ...`);
    const backlog = await produceBacklog(keys, seed);
    const extra = keys === 100_000 ? ['--max-keys', '10000'] : [];
    runs.push(await runKeyed(backlog, 1, extra, `keys-${keys}-x1`));
    if (keys === 100_000) restart = await measureRestart(backlog, `keys-${keys}-x1`, extra);
    if (keys === 1000) runs.push(await runKeyed(backlog, 2, extra, `keys-${keys}-x2`));
  }
  const result = { date: new Date().toISOString(), machine: machine(), points: POINTS, runs, restart };
  writeFileSync(OUT_FILE, `${JSON.stringify(result, null, 1)}\n`);
  writeBlock(BENCHMARKS, KEYED_BLOCK, block(result));
  log(`keyed: BENCHMARKS.md block updated, raw numbers in ${OUT_FILE}`);
}

try {
  if (process.argv.includes('--report')) writeBlock(BENCHMARKS, KEYED_BLOCK, block(JSON.parse(readFileSync(OUT_FILE, 'utf8'))));
  else await main();
} catch (error) {
  log(`keyed bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  try {
    if (groups.size) await admin.deleteGroups([...groups]).catch(() => undefined);
    const existing = new Set(await admin.listTopics());
    const mine = [...topics].filter((t) => existing.has(t));
    if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  } catch {}
  await admin.disconnect().catch(() => undefined);
  await stopBrokerIfStartedHere();
}
