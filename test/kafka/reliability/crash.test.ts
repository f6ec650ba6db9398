import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/em/random.js';
import { DEAD_LETTER_HEADERS } from '../../../src/kafka/dead-letter.js';
import { BINARY_CONTENT_TYPE, encodeBinaryPoints } from '../../../src/kafka/message-format.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { bad, good, republished, StreamLedger, toKafkaMessages, type AccountedMessage } from '../support/accounted-stream.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { isSnapshot, ProcessorProcess, resumedFromCheckpoint, type LoggedEventOf } from '../support/processor-process.js';
import {
  evictGroupMembers,
  maxParameterDifference,
  readAllRecords,
  readCommittedSnapshots,
  runToEnd,
  sleep,
  stackTraceLines,
} from '../support/reliability.js';

/**
 * Crash test: a processor killed with SIGKILL at 12 seeded moments (before it joined,
 * in the warm-up, right after a commit, between commits, at random) and restarted each
 * time must end with the model of an uninterrupted run, bit for bit, with every point
 * counted exactly once and every bad message dead-lettered exactly once. The input is produced
 * while the killed run consumes it, not as a backlog beforehand.
 */
const SEED = 20_240_601;
const D = 4;
const K = 3;
const POINTS = 500_000;
/**
 * Engine options: identical for both runs (the model depends on them, not on the cadence).
 * The long warm-up (250,000 points, a fair share of a second of input) spans several of the killed
 * run's commits, so a kill can land in it after a checkpoint of the warm-up buffer.
 */
const WARMUP = 250_000;
// Change detection on (the default schedule would leave it off): its state must survive the kills too.
const ENGINE = ['--components', String(K), '--warmup', String(WARMUP), '--seed', '5', '--change-detection', 'on'];
/** The reference commits by time only; the killed run commits after every minibatch. */
const REFERENCE_CADENCE = ['--snapshot-interval', '1000'];
/** A short session timeout (the broker's minimum) makes the one restart that waits for it wait 6 s, not 30. */
const KILLED_CADENCE = ['--snapshot-interval', '100', '--snapshot-every', '1', '--progress-interval', '100', '--session-timeout', '6000'];

/** The live producer: this many messages every tick (905 messages in about 25 s). */
const PRODUCED_PER_TICK = 8;
const PRODUCER_TICK_MS = 200;

type Phase = 'startup' | 'warm-up' | 'restore' | 'after-commit' | 'between-commits' | 'random';

/** The stream: 500,000 valid points in messages of 100-1000 points (JSON and binary), and 8 bad messages. */
function buildStream(): AccountedMessage[] {
  const rng = new SeededRandom(SEED);
  const data = sampleMixture(randomMixture({ k: K, dim: D, seed: SEED + 1 }), POINTS, SEED + 2).data;
  const messages: AccountedMessage[] = [];
  for (let start = 0; start < POINTS; ) {
    const n = Math.min(POINTS - start, 100 + rng.int(901));
    messages.push(good(data.slice(start * D, (start + n) * D), D, rng.uniform() < 0.2 ? 'binary' : 'json'));
    start += n;
  }
  const partlyBadJson = (m: AccountedMessage, extra: unknown[]): AccountedMessage => {
    const rows = (JSON.parse(m.value!.toString()) as { points: unknown[] }).points;
    for (const e of extra) rows.splice(rng.int(rows.length + 1), 0, e);
    return bad('partly bad JSON', JSON.stringify({ points: rows }), extra.length, m.valid);
  };
  const firstJson = messages.findIndex((m, i) => i >= 1 && !m.headers);
  // In the warm-up (the first WARMUP points): a JSON message with one out-of-range point.
  messages[firstJson] = partlyBadJson(messages[firstJson], [[1e308, 0, 0, 0]]);
  const later = messages.findIndex((m, i) => i >= 300 && !m.headers);
  messages[later] = partlyBadJson(messages[later], [['x', 1, 2, 3], [1, 2, 3]]);
  const binaryAt = messages.findIndex((m, i) => i >= 500 && m.headers !== undefined);
  {
    const rows = new Float64Array(messages[binaryAt].value!.buffer.slice(messages[binaryAt].value!.byteOffset, messages[binaryAt].value!.byteOffset + messages[binaryAt].value!.length));
    const withBad = new Float64Array(rows.length + 2 * D);
    withBad.set(rows.subarray(0, 4 * D));
    withBad.set([Infinity, 0, 0, 0, NaN, NaN, NaN, NaN], 4 * D);
    withBad.set(rows.subarray(4 * D), 6 * D);
    messages[binaryAt] = bad('partly bad binary', encodeBinaryPoints(withBad), 2, rows.length / D, messages[binaryAt].headers);
  }
  const inserts: [number, AccountedMessage][] = [
    [3, bad('truncated JSON', '{"points": [[1, 2, 3, 4], [5, 6', 1)],
    [120, bad('no value', null, 1)],
    [250, bad('binary of the wrong dimension', encodeBinaryPoints(new Float64Array(30).fill(1.5)), 10, 0, { 'content-type': BINARY_CONTENT_TYPE, dimension: '3' })],
    [420, bad('points not an array', '{"points": "nope"}', 1)],
    [700, bad('unsupported content-type', '[1, 2, 3, 4]', 1, 0, { 'content-type': 'text/plain' })],
  ];
  for (const [at, m] of inserts.sort((a, b) => b[0] - a[0])) messages.splice(at, 0, m);
  return messages;
}

function killPlan(): { phase: Phase; delayMs: number; commits: number }[] {
  const rng = new SeededRandom(SEED + 3);
  const rest: Phase[] = rng.shuffle(['after-commit', 'after-commit', 'after-commit', 'between-commits', 'between-commits', 'between-commits', 'random', 'random', 'restore', 'startup']);
  return (['startup', 'warm-up', ...rest] as Phase[]).map((phase) => ({
    phase,
        // Bounded so that the 12 kills fall within the first half of the stream (it is
    // consumed at about 80,000 points/s even with a transaction per minibatch).
    delayMs: phase === 'startup' ? 30 + rng.int(270) : phase === 'between-commits' ? 1 + rng.int(30) : phase === 'random' ? 200 + rng.int(800) : 0,
    commits: 1 + rng.int(20),
  }));
}

describe('crash: SIGKILL at random moments, restart, same model as an uninterrupted run', () => {
  it('ends bit-identical to the reference with exact counts and each dead letter once', async () => {
    const started = Date.now();
    const messages = buildStream();
    const ledger = new StreamLedger(messages);
    expect(ledger.totalValid).toBe(POINTS);
    const reference = uniqueNames('crash-reference');
    const killed = { ...uniqueNames('crash-killed'), input: reference.input };
    await createTopic(reference.input);
    // The producer streams throughout the killed run (about 25 s, in order, one partition, so
    // message i stands at offset i); the reference reads the same topic once it is complete.
    const records = toKafkaMessages(messages);
    const producing = (async () => {
      for (let i = 0; i < records.length; i += PRODUCED_PER_TICK) {
        await produce(reference.input, records.slice(i, i + PRODUCED_PER_TICK));
        await sleep(PRODUCER_TICK_MS);
      }
    })();

    // The killed run: 12 SIGKILLs, each followed by a restart with the same names. A SIGKILLed
    // member stays in the group until its session times out, and the restarted processor is
    // assigned the input only then; the test removes the dead member at once (evictGroupMembers,
    // what the coordinator does at the timeout) except after one kill, whose restart waits it out.
    const plan = killPlan();
    const kills: { phase: Phase; atPoints: string; restoredFrom: Restored | null; evicted: number; firstCommitMs: number | null; cycleMs: number; inWarmup: boolean }[] = [];
    // After this kill the dead member is not evicted: the next process (which waits for a
    // commit before it is killed) sits out the group's session timeout, as after a real crash.
    const NATURAL = plan.findIndex((_, i) => i >= 2 && (plan[i + 1]?.phase === 'after-commit' || plan[i + 1]?.phase === 'between-commits'));
    const procs: ProcessorProcess[] = [];
    for (let i = 0; i < plan.length; i++) {
      const { phase, delayMs, commits } = plan[i];
      const t0 = Date.now();
      const proc = ProcessorProcess.forNames(killed, [...ENGINE, ...KILLED_CADENCE]);
      procs.push(proc);
      const restored = proc.waitForEvent('restored', undefined, 120_000);
      restored.catch(() => undefined);
      const firstCommit = proc.waitForEvent('committed', isSnapshot, 240_000).then(() => Date.now() - t0, () => null);
      if (phase === 'startup') {
        await sleep(delayMs);
      } else if (phase === 'restore') {
        await restored;
      } else if (phase === 'warm-up') {
        // Kill as soon as a checkpoint of the warm-up buffer (fewer than WARMUP points, no model yet) is committed.
        await proc.waitForEvent('committed', (e) => e.snapshot === null, 60_000);
      } else {
        await proc.waitForEvent('consuming', undefined, 120_000);
        const before = proc.eventCount('committed', isSnapshot);
        if (phase === 'random') await sleep(delayMs);
        else {
          const target = phase === 'after-commit' ? commits : 1;
          await proc.waitUntil(
            () => {
              if (proc.eventCount('committed', (e) => e.snapshot?.pointsSeen === POINTS) > 0) throw new Error('the killed run consumed the whole stream before its last kill: shorten the kill delays');
              return proc.eventCount('committed', isSnapshot) >= before + target;
            },
            120_000,
            `${before + target} snapshots`,
          );
          if (phase === 'between-commits') await sleep(delayMs);
        }
      }
      proc.kill('SIGKILL');
      const exit = await proc.exited;
      expect(exit.signal).toBe('SIGKILL');
      const lastSnapshot = proc.lastEvent('committed', isSnapshot)?.snapshot;
      const evicted = i === NATURAL ? 0 : await evictGroupMembers(killed.group);
      const restoredFrom = proc.eventsOf('restored')[0];
      kills.push({
        phase,
        atPoints: lastSnapshot ? String(lastSnapshot.pointsSeen) : 'no snapshot yet',
        restoredFrom: restoredFrom ? { source: restoredFrom.source, points: restoredFrom.points } : null,
        evicted,
        firstCommitMs: await firstCommit,
        inWarmup: phase === 'warm-up' && proc.eventCount('committed', (e) => e.snapshot !== null) === 0,
        cycleMs: Date.now() - t0,
      });
    }

    // The last restart runs to the end of the stream.
    const t0 = Date.now();
    const last = ProcessorProcess.forNames(killed, [...ENGINE, ...KILLED_CADENCE]);
    procs.push(last);
    await last.waitForEvent('restored', resumedFromCheckpoint, 120_000);
    const lastFirstCommitMs = await last.waitForEvent('committed', isSnapshot, 120_000).then(() => Date.now() - t0);
    await last.waitForSnapshot(POINTS, 240_000);
    last.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    await producing;

    const referenceStarted = Date.now();
    const ref = await runToEnd(reference, POINTS, [...ENGINE, ...REFERENCE_CADENCE]);
    expect(ref.exit.code).toBe(0);
    expect(ref.final.final).toBe(true);
    expect(ref.final.input).toEqual({ messages: messages.length, deadLettered: ledger.totalDeadLettered });
    const referenceSeconds = (Date.now() - referenceStarted) / 1000;

    const snapshots = await readCommittedSnapshots(killed.snapshot);
    const final = snapshots[snapshots.length - 1];
    const difference = maxParameterDifference(final, ref.final);
    const states = await readAllRecords(killed.state, { readUncommitted: true });
    const committedStates = await readAllRecords(killed.state);
    const deadLetters = await readAllRecords(killed.deadLetter);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      [
        `crash test: ${kills.length} SIGKILLs, ${messages.length} messages, ${POINTS} valid points, ${ledger.totalDeadLettered} bad messages`,
        ...kills.map((k, i) => `  kill ${i + 1} (${k.phase}): last committed snapshot ${k.atPoints}; that process ${describeRestore(k.restoredFrom)}; evicted ${k.evicted}; first commit ${k.firstCommitMs ?? '-'} ms after spawn; cycle ${k.cycleMs} ms${k.inWarmup ? '; killed while warming up' : ''}`),
        `  kill ${NATURAL + 1}'s member left to time out; last restart: first commit ${lastFirstCommitMs} ms after spawn`,
        `  transactions aborted by kills (checkpoint records read_uncommitted - read_committed): ${states.length - committedStates.length}`,
        `  committed snapshots of the killed run: ${snapshots.length}; reference: ${ref.snapshots.length}`,
        `  largest parameter difference vs the reference: ${difference}`,
        `  runtime: ${seconds.toFixed(1)} s (reference run ${referenceSeconds.toFixed(1)} s)`,
      ].join('\n'),
    );

    // The process after the kill whose member was left to time out waited for the group, and said
    // so, not that it was idle waiting for input (the dead member held the partitions).
    const waited = procs[NATURAL + 1];
    const consumingAt = waited.events.findIndex((e) => e.event === 'consuming');
    expect(waited.eventsOf('waiting-for-group').length).toBeGreaterThan(0);
    expect(waited.events.slice(0, consumingAt).filter((e) => e.event === 'progress')).toEqual([]);
    expect(procs.flatMap((p) => stackTraceLines(p))).toEqual([]);
    expect(procs.flatMap((p) => p.nonJsonLines)).toEqual([]);
    // One kill fell in the warm-up (no model yet), and a restart resumed from a warm-up checkpoint.
    expect(kills.find((k) => k.phase === 'warm-up')?.inWarmup).toBe(true);
    expect(kills.some((k) => k.restoredFrom !== null && resumedFromCheckpoint(k.restoredFrom) && k.restoredFrom.points < WARMUP)).toBe(true);
    // Every process killed after it began consuming had restored from a checkpoint, or started a new fit.
    expect(kills.filter((k) => k.phase !== 'startup' && k.phase !== 'restore').every((k) => k.restoredFrom !== null && k.restoredFrom.source !== 'acknowledged')).toBe(true);
    // The same model, bit for bit: SIGKILLs and the commit cadence change nothing.
    expect(difference).toBeLessThanOrEqual(1e-9);
    expect(final.final).toBe(true);
    expect(final.pointsSeen).toBe(POINTS);
    for (const key of ['pointsSeen', 'pointsPending', 'batches', 'rejected', 'stepSize', 'logLikelihood', 'converged', 'health', 'weights', 'means', 'covariances', 'offsets', 'input'] as const) {
      expect(final[key], key).toEqual(ref.final[key]);
    }
    // Every committed snapshot reflects exactly the messages before its offset, on both runs.
    for (const s of [...snapshots, ...ref.snapshots]) expect(ledger.disagreement(s)).toEqual([]);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i].pointsSeen).toBeGreaterThanOrEqual(snapshots[i - 1].pointsSeen);
    expect(republished(snapshots)).toEqual([]);
    // Each bad message in the dead-letter topic exactly once, as it was produced.
    expect(deadLetters.map((r) => r.headers[DEAD_LETTER_HEADERS.source]?.[0])).toEqual(ledger.deadLetterOffsets.map((o) => `${killed.input}/0/${o}`));
    for (const r of deadLetters) {
      const original = messages[Number(r.headers[DEAD_LETTER_HEADERS.source][0].split('/').pop())];
      expect(r.value?.length ? r.value : null).toEqual(original.value?.length ? original.value : null);
      expect(r.headers[DEAD_LETTER_HEADERS.reason]?.[0]).toBeTruthy();
    }
  });
});

/** Where a process resumed from, as its first `restored` event told. */
type Restored = Pick<LoggedEventOf<'restored'>, 'source' | 'points'>;

function describeRestore(r: Restored | null): string {
  if (r === null) return 'killed before restoring';
  return r.source === 'none' ? 'found no checkpoint' : `restored ${r.points} points (${r.source})`;
}
