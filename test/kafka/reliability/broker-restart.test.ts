import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/em/random.js';
import { DEAD_LETTER_HEADERS } from '../../../src/kafka/dead-letter.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { bad, good, republished, StreamLedger, toKafkaMessages, type AccountedMessage } from '../support/accounted-stream.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { isSnapshot, ProcessorProcess, resumedFromCheckpoint, type LogRecord } from '../support/processor-process.js';
import {
  kafkaScript,
  maxParameterDifference,
  processorArgs,
  readAllRecords,
  readCommittedSnapshots,
  runToEnd,
  sleep,
  stackTraceLines,
} from '../support/reliability.js';

/**
 * Broker faults. The broker that is stopped and started here is a second local broker
 * (scripts/kafka/kafka.sh on FAULT_PORT, its own data dir), not the shared test broker:
 * other test runs may be using that one at the same time, and a restart of it would
 * fail them. It is the same script and the same Kafka; `afterAll` stops it again.
 */
// Below Linux's ephemeral port range (32768-60999): a client that keeps connecting to a port in
// that range while nothing listens can be given that very port as its own (a TCP self-connect),
// and then the broker cannot bind it when it comes back (seen once: 'Unable to start acceptor').
const FAULT_PORT = Number(process.env.KAFKA_FAULT_TEST_PORT ?? '29192');
const FAULT_BROKERS = `127.0.0.1:${FAULT_PORT}`;
/** After a broker crash the group's offsets may come back older than an acknowledged commit; the processor says so (a warning) and resumes from that commit. */
const isRepair = (r: LogRecord): boolean => r.event === 'restored' && r.source === 'acknowledged';

describe('broker unreachable at start', () => {
  it('says which brokers it cannot reach and what to check, backs off, never exits on its own, and stops at once on SIGTERM', async () => {
    const started = Date.now();
    const names = uniqueNames('unreachable');
    const proc = new ProcessorProcess(processorArgs(names, '127.0.0.1:1', ['--components', '3']));
    await proc.waitUntil(() => proc.eventCount('session-failed') >= 4, 60_000, '4 session failures');
    expect(proc.child.exitCode).toBeNull();
    const retries = proc.eventsOf('session-failed');
    // One warning each, naming the brokers and what to check; nothing else but these lines.
    for (const r of retries) {
      expect(r.connection).toBe(true);
      expect(r.brokers).toEqual(['127.0.0.1:1']);
      expect(r.error).toMatch(/ECONNREFUSED 127\.0\.0\.1:1/);
      expect(r.level).toBe('warn');
      expect(r.lines).toHaveLength(1);
      // The words a user reads: what failed, which brokers, what to check.
      expect(r.message).toMatch(/^cannot reach Kafka: .*ECONNREFUSED 127\.0\.0\.1:1.*; retrying in \d+ s \(brokers 127\.0\.0\.1:1: check --brokers \/ KAFKA_BROKERS and that the cluster is up\)$/);
    }
    expect(proc.records.filter((r) => r.event !== 'session-failed')).toEqual([]);
    expect(proc.nonJsonLines).toEqual([]);
    expect(stackTraceLines(proc)).toEqual([]);
    // The announced backoff doubles, and the process waits at least that long between attempts.
    const announced = retries.map((r) => r.retryInMs / 1000);
    expect(announced.slice(0, 4)).toEqual([1, 2, 4, 8]);
    const times = retries.map((r) => Date.parse(r.time));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(announced[i] * 1000));
    expect(gaps[2]).toBeGreaterThan(gaps[0]);

    const stopAt = Date.now();
    proc.kill('SIGTERM');
    const exit = await proc.exited;
    const stopMs = Date.now() - stopAt;
    console.log(`unreachable broker: retry gaps ${gaps.map((g) => `${(g / 1000).toFixed(1)} s`).join(', ')}; SIGTERM to exit ${stopMs} ms; test ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(10_000);
    expect(proc.nonJsonLines).toEqual([]);
    expect(stackTraceLines(proc)).toEqual([]);
  });
});

describe('broker faults on a second local broker', () => {
  const savedBrokers = process.env.ONLINE_EM_TEST_BROKERS;
  const d = 3;
  const truth = randomMixture({ k: 3, dim: d, seed: 41 });

  beforeAll(async () => {
    // A leftover from an interrupted run: the broker must be down when the first test starts.
    await kafkaScript('down', FAULT_PORT);
    process.env.ONLINE_EM_TEST_BROKERS = FAULT_BROKERS;
  });

  afterAll(async () => {
    process.env.ONLINE_EM_TEST_BROKERS = savedBrokers;
    const down = await kafkaScript('down', FAULT_PORT);
    if (down.code !== 0) throw new Error(`could not stop the broker on ${FAULT_PORT}:\n${down.output}`);
  });

  it('starts before the broker, retries until it comes up, then processes', async () => {
    const started = Date.now();
    const names = uniqueNames('late-broker');
    const proc = new ProcessorProcess(processorArgs(names, FAULT_BROKERS, ['--components', '3', '--snapshot-interval', '500']));
    try {
      await proc.waitForEvent('session-failed', undefined, 60_000);
      const up = await kafkaScript('up', FAULT_PORT);
      expect(up.code, up.output).toBe(0);
      const upAt = Date.now();
      await proc.waitForEvent('consuming', undefined, 120_000);
      const connectedMs = Date.now() - upAt;
      const data = sampleMixture(truth, 20_000, 42).data;
      const messages = Array.from({ length: 100 }, (_, i) => good(data.slice(i * 200 * d, (i + 1) * 200 * d), d, 'json'));
      await produce(names.input, toKafkaMessages(messages));
      await proc.waitForSnapshot(20_000, 120_000);
      expect(proc.child.exitCode).toBeNull();
      proc.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      expect(proc.nonJsonLines).toEqual([]);
      expect(stackTraceLines(proc)).toEqual([]);
      const final = (await readCommittedSnapshots(names.snapshot)).at(-1)!;
      expect(final.pointsSeen).toBe(20_000);
      expect(final.final).toBe(true);
      console.log(
        `late broker: ${proc.eventCount('session-failed')} retry warnings; ` +
          `consuming ${(connectedMs / 1000).toFixed(1)} s after the broker was up; test ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('survives a broker stop and a broker crash mid-stream and ends with the model of an uninterrupted run', async () => {
    const started = Date.now();
    // The broker may be down if the previous test failed early.
    const up = await kafkaScript('up', FAULT_PORT);
    expect(up.code, up.output).toBe(0);
    const points = 60_000;
    const rng = new SeededRandom(43);
    const data = sampleMixture(truth, points, 44).data;
    // Small messages: the interrupted run commits after each one, so the stream lasts long enough to be cut
    // (about 7 ms a commit, 3 times that on a freshly restarted broker).
    const messages: AccountedMessage[] = [];
    for (let i = 0; i < points; i += 50) messages.push(good(data.slice(i * d, (i + 50) * d), d, rng.uniform() < 0.3 ? 'binary' : 'json'));
    // A bad message every 20: a stretch processed twice would show as a dead letter written twice.
    for (let at = 19; at < messages.length; at += 20) {
      messages.splice(at, 0, at % 40 === 19 ? bad('invalid JSON', '{"points": [[1, 2, 3], [4, 5', 1) : bad('wrong dimension', '[[1, 2], [3, 4, 5], [6, 7]]', 2, 1));
    }
    const ledger = new StreamLedger(messages);
    const reference = uniqueNames('restart-reference');
    const faulted = { ...uniqueNames('restart-faulted'), input: reference.input };
    await createTopic(reference.input);
    await produce(reference.input, toKafkaMessages(messages));
    const engine = ['--components', '3', '--seed', '3'];
    const ref = await runToEnd(reference, ledger.totalValid, [...engine, '--snapshot-interval', '1000']);
    expect(ref.exit.code).toBe(0);

    // After the outage the group still holds this processor's old member (its LeaveGroup could not
    // reach the broker), and the new one is admitted when that session expires: 10 s here, not the default 30.
    const proc = ProcessorProcess.forNames(faulted, [...engine, '--snapshot-interval', '100', '--snapshot-every', '1', '--session-timeout', '10000']);
    let brokerDown = false;
    const outages: { how: string; atPoints: number; downMs: number; resumedMs: number; resumed: string; restoredMessages: number }[] = [];
    try {
      // Two outages: `kafka.sh down` (a clean broker shutdown) a quarter into the stream, and
      // a SIGKILL of the broker's JVM (a crash: its logs are recovered on start) past half of it.
      for (const [how, reached] of [
        ['kafka.sh down', 15_000],
        ['SIGKILL of the broker', 30_000],
      ] as const) {
        await proc.waitForEvent('committed', (e) => isSnapshot(e) && e.snapshot!.pointsSeen >= reached, 180_000);
        const downAt = Date.now();
        brokerDown = true;
        if (how === 'kafka.sh down') {
          const down = await kafkaScript('down', FAULT_PORT);
          expect(down.code, down.output).toBe(0);
        } else {
          await killBroker(FAULT_PORT);
        }
        const atPoints = proc.lastEvent('committed', isSnapshot)!.snapshot!.pointsSeen;
        const eventsAtDown = proc.events.length;
        await proc.waitForEvent('session-failed', undefined, 180_000, eventsAtDown);
        await sleep(3000);
        const again = await kafkaScript('up', FAULT_PORT);
        expect(again.code, again.output).toBe(0);
        brokerDown = false;
        const upAt = Date.now();
        await proc.waitForEvent('committed', isSnapshot, 180_000, proc.events.length);
        const resumed = proc.eventsOf('restored', resumedFromCheckpoint, eventsAtDown)[0];
        outages.push({
          how,
          atPoints,
          downMs: upAt - downAt,
          resumedMs: Date.now() - upAt,
          resumed: resumed ? `restored ${resumed.points} points, ${resumed.messages} messages (${resumed.source})` : '(same session)',
          restoredMessages: resumed?.messages ?? NaN,
        });
      }
      await proc.waitForSnapshot(ledger.totalValid, 180_000);
      expect(proc.child.exitCode).toBeNull();
      proc.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      expect(proc.nonJsonLines).toEqual([]);
      expect(stackTraceLines(proc)).toEqual([]);
      // Every warning is a session failure (one per failed attempt, naming the brokers and what to check),
      // or, after a broker outage, the restore saying lost offsets were repaired from this process's
      // last acknowledged commit. A recovering broker can lose the offsets of more than one commit in
      // a row (a repairing session that commits once and fails again; seen in CI), so there may be
      // several repairs, but each resumes from a commit at least as new as the one before (never back),
      // and the exact model and counts below are what shows they were right.
      const repairs = proc.warnings().filter(isRepair);
      const warnings = proc.warnings().filter((r) => !isRepair(r));
      const repaired = repairs.map((r) => BigInt((r.checkpoint as { offset: string }).offset));
      for (let i = 1; i < repaired.length; i++) expect(repaired[i] >= repaired[i - 1], `repair ${i} resumed from an older commit`).toBe(true);
      expect(warnings.length).toBeGreaterThan(0);
      for (const w of warnings) {
        expect(w.event).toBe('session-failed');
        expect(w.brokers).toEqual([FAULT_BROKERS]);
        expect(w.retryInMs).toBeGreaterThan(0);
      }

      const snapshots = await readCommittedSnapshots(faulted.snapshot);
      const final = snapshots.at(-1)!;
      const difference = maxParameterDifference(final, ref.final);
      const states = await readAllRecords(faulted.state, { readUncommitted: true });
      const committedStates = await readAllRecords(faulted.state);
      console.log(
        [
          `broker restart: ${ledger.totalValid} points`,
          ...outages.map((o) => `  ${o.how} at ${o.atPoints} points: broker down ${(o.downMs / 1000).toFixed(1)} s; first commit ${(o.resumedMs / 1000).toFixed(1)} s after it was back; ${o.resumed}`),
          `  ${warnings.length} retry warnings: ${[...new Set(warnings.map((w) => (w.connection ? 'cannot reach Kafka' : 'Kafka session failed')))].join(', ')}`,
          `  offsets lost by the broker and repaired from the last acknowledged commit: ${repairs.length > 0 ? `${repairs.length} time(s)` : 'no'}`,
          `  aborted checkpoint records: ${states.length - committedStates.length}; committed snapshots ${snapshots.length}`,
          `  largest parameter difference vs the reference: ${difference}`,
          `  test ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ].join('\n'),
      );
      expect(difference).toBeLessThanOrEqual(1e-9);
      for (const key of ['pointsSeen', 'pointsPending', 'batches', 'rejected', 'logLikelihood', 'health', 'weights', 'means', 'covariances', 'offsets', 'input'] as const) {
        expect(final[key], key).toEqual(ref.final[key]);
      }
      expect(final.pointsSeen).toBe(ledger.totalValid);
      for (const s of [...snapshots, ...ref.snapshots]) expect(ledger.disagreement(s)).toEqual([]);
      // Exactly once through the clean stop. After the broker SIGKILL, though, a transaction whose
      // commit the broker had acknowledged may come back with its snapshot but without its offset
      // commit, so the processor resumes from the checkpoint before it and processes that stretch
      // again (see RELIABILITY.md, known limits). The model is still exact (checked above); the
      // replay is bounded to that one stretch, and measured.
      const replays = republished(snapshots);
      expect(replays.length).toBeLessThanOrEqual(1);
      // Where the processor noticed the lost offsets itself, it replays nothing.
      if (repairs.length > 0) expect(replays).toEqual([]);
      const back = wentBackFrom(snapshots);
      const replayed = back === null ? null : { from: outages[1].restoredMessages, to: back };
      if (replayed) expect(replayed.to).toBeGreaterThan(replayed.from);
      const deadLetters = await readAllRecords(faulted.deadLetter);
      const sources = deadLetters.map((r) => Number(r.headers[DEAD_LETTER_HEADERS.source]?.[0].split('/').pop()));
      const times = new Map<number, number>();
      for (const o of sources) times.set(o, (times.get(o) ?? 0) + 1);
      expect(ledger.deadLetterOffsets.filter((o) => !times.has(Number(o)))).toEqual([]);
      const twice = [...times.entries()].filter(([, n]) => n > 1).map(([o]) => o);
      for (const o of twice) expect(replayed !== null && o >= replayed.from && o < replayed.to, `dead letter of offset ${o} twice`).toBe(true);
      expect(deadLetters.length).toBe(ledger.totalDeadLettered + twice.length);
      console.log(
        replayed
          ? `  after the broker SIGKILL: offsets ${replayed.from}-${replayed.to} (acknowledged before the crash) processed again; ${twice.length} dead letters written twice`
          : '  no stretch processed twice',
      );
    } finally {
      proc.kill('SIGKILL');
      if (brokerDown) await kafkaScript('up', FAULT_PORT);
    }
  });
});

/** The offset of the committed snapshot after which the next one went back (or repeated it), if any. */
function wentBackFrom(snapshots: readonly { offsets: readonly { offset: string }[]; final: boolean }[]): number | null {
  for (let i = 1; i < snapshots.length; i++) {
    const before = Number(snapshots[i - 1].offsets[0].offset);
    const after = Number(snapshots[i].offsets[0].offset);
    if (after < before || (after === before && !snapshots[i].final)) return before;
  }
  return null;
}

/** SIGKILL the JVM of the local broker on `port` (its pid file is kafka.sh's) and wait until it is gone. */
async function killBroker(port: number): Promise<void> {
  const pid = Number(readFileSync(fileURLToPath(new URL(`../../../.kafka/run-${port}/kafka.pid`, import.meta.url)), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
}
