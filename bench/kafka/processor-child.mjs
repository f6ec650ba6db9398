// One run of the processor, `online-em run --components 6` as a child process with the probe
// preloaded, over one backlog: until a snapshot shows all its points, then SIGTERM.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKERS, MAIN, OUT_DIR, RSS_SAMPLE_MS, RUN_TIMEOUT_MS } from './config.mjs';
import { brokerPid } from './broker.mjs';
import { childEnv } from './children.mjs';
import { COMPONENTS, nowMs } from './common.mjs';
import { readProbe, sampleProcessor } from './proc-sampler.mjs';
import { summariseProcessor } from './processor-summary.mjs';
import { children, createdGroups, log, prefix, runId, sharedTopics } from './session.mjs';

const PROBE = fileURLToPath(new URL('probe.mjs', import.meta.url));
/** A timer that does not keep the process alive. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * What the bench learns from the processor's events (its JSON log, `--log-format json`:
 * one object per line, `event` naming it; src/kafka/processor-events.ts): every line, its
 * snapshots (`committed` events with a snapshot) and progress reports (with their times),
 * and `allSeen`, which resolves at the first snapshot showing `allPoints` points (its time
 * in `allSeenAt`, its dead letters in `deadLetters`) or when the process exits.
 */
export function processorMilestones(child, allPoints) {
  const m = { lines: [], snapshots: [], progressLines: [], allSeenAt: null, deadLetters: null, allSeen: null };
  let resolveAll;
  m.allSeen = new Promise((resolve) => (resolveAll = resolve));
  const onEvent = (e) => {
    const at = Date.parse(e.time);
    if (e.event === 'progress' && !e.idle) m.progressLines.push({ at, points: e.pointsSeen });
    if (e.event !== 'committed' || e.snapshot === null) return;
    const points = e.snapshot.pointsSeen;
    m.snapshots.push({ at, n: e.snapshot.number, final: e.snapshot.final, points, deadLetters: e.counters.deadLettered });
    if (points >= allPoints && m.allSeenAt === null) {
      m.allSeenAt = at;
      m.deadLetters = e.counters.deadLettered;
      resolveAll();
    }
  };
  let pending = '';
  const onData = (chunk) => {
    pending += chunk.toString();
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      m.lines.push(line);
      let record = null;
      try {
        record = JSON.parse(line);
      } catch {
        continue; // not an event line (the processor writes none, but a runtime warning could)
      }
      if (typeof record?.event === 'string') onEvent(record);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', () => resolveAll());
  return m;
}

/** `online-em run --components 6` over `backlog`, until a snapshot shows all its points; then SIGTERM. */
/** `connection`: the `run` options and environment that reach the broker (default: plaintext). */
/** `extraArgs`: more `run` options (the scores bench's --scores-topic). */
export async function runProcessor(backlog, label, { sampleEveryMs = RSS_SAMPLE_MS, connection = { args: ['--brokers', BROKERS.join(',')], env: {} }, extraArgs = [] } = {}) {
  const model = `${prefix}-${label}`;
  const group = `${model}-group`;
  createdGroups.add(group);
  const probeFile = join(OUT_DIR, `.probe-${runId}-${label}.json`);
  rmSync(probeFile, { force: true });
  const args = [
    // Node options for the processor alone, e.g. BENCH_PROCESSOR_NODE_ARGS='--cpu-prof --cpu-prof-dir=bench/out/prof'
    // (NODE_OPTIONS refuses --cpu-prof, and would profile the bench too).
    ...(process.env.BENCH_PROCESSOR_NODE_ARGS ?? '').split(' ').filter(Boolean),
    '--import', PROBE, MAIN, 'run',
    ...connection.args,
    '--input-topic', backlog.topic,
    '--snapshot-topic', sharedTopics.snapshot,
    '--dead-letter-topic', sharedTopics.deadLetter,
    '--state-topic', sharedTopics.state,
    '--model', model,
    '--group', group,
    '--components', String(COMPONENTS),
    '--log-format', 'json',
    ...extraArgs,
  ];
  const loadBefore = loadavg()[0];
  const spawnedAt = nowMs();
  const child = spawn(process.execPath, args, { env: childEnv({ BENCH_PROBE_FILE: probeFile, ...connection.env }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const milestones = processorMilestones(child, backlog.points);
  const sampler = sampleProcessor({ pid: child.pid, probeFile, brokerPid: brokerPid(), everyMs: sampleEveryMs });

  const timeout = sleep(RUN_TIMEOUT_MS).then(() => 'timeout');
  const outcome = await Promise.race([milestones.allSeen.then(() => 'seen'), timeout]);
  sampler.stop();
  child.kill('SIGTERM');
  const stopT0 = nowMs();
  const exit = await Promise.race([exited, sleep(30_000).then(() => null)]);
  if (exit === null) child.kill('SIGKILL');
  const shutdownMs = nowMs() - stopT0;
  children.delete(child);
  const probe = readProbe(probeFile);
  rmSync(probeFile, { force: true });
  const { lines, snapshots, progressLines, allSeenAt, deadLetters } = milestones;
  // BENCH_PROCESSOR_LOG_DIR: each run's output kept as <label>.log (with BENCH_PROCESSOR_NODE_ARGS='--trace-gc', its GCs).
  if (process.env.BENCH_PROCESSOR_LOG_DIR) writeFileSync(join(process.env.BENCH_PROCESSOR_LOG_DIR, `${label}.log`), `${lines.join('\n')}\n`);
  const error =
    outcome === 'timeout' ? `no snapshot showed all ${backlog.points} points within ${RUN_TIMEOUT_MS / 1000} s` : allSeenAt === null ? `the processor exited early (${JSON.stringify(exit)})` : !probe?.firstIngestStart ? 'the probe recorded nothing' : null;
  if (error) {
    log(`  processor ${label}: FAILED: ${error}; last log lines:\n${lines.slice(-15).join('\n')}`);
    return { label, format: backlog.format, error, log: lines.slice(-50) };
  }
  const { samples, brokerCpu } = sampler;
  return summariseProcessor({ backlog, label, probe, samples, brokerCpu, spawnedAt, allSeenAt, deadLetters, snapshots, shutdownMs, exit, loadBefore, logLines: lines, progressLines });
}
