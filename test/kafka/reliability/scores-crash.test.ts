import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/em/random.js';
import { SCORES_HEADERS } from '../../../src/kafka/scores/scores-record.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { bad, good, StreamLedger, toKafkaMessages, type AccountedMessage } from '../support/accounted-stream.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { isSnapshot, ProcessorProcess } from '../support/processor-process.js';
import { evictGroupMembers, readAllRecords, readCommittedSnapshots, runToEnd, sleep, stackTraceLines, type RawRecord } from '../support/reliability.js';

/**
 * Scores under SIGKILLs: a processor with --scores-topic, killed three times while a
 * producer streams its input and restarted each time, must leave exactly one committed
 * scores record per input message with accepted points (distinct sources, none missing),
 * each with one entry per point of its message, every scored log-likelihood finite, and
 * the very records of an uninterrupted run: scores and anomaly flags depend on the stream,
 * not on where the kills fell.
 */
const SEED = 20_261_202;
const D = 3;
const K = 3;
const POINTS = 120_000;
const ENGINE = ['--components', String(K), '--warmup', '4000', '--seed', '3'];
/** A quantile the test can see within its stream: a threshold after 500 points, refreshed every 500. */
const SCORES = ['--anomaly-quantile', '0.01', '--anomaly-window', '2000'];
const KILLED_CADENCE = ['--snapshot-interval', '100', '--snapshot-every', '1', '--progress-interval', '100', '--session-timeout', '6000'];
const PRODUCED_PER_TICK = 12;
const PRODUCER_TICK_MS = 200;

/** 120,000 points in messages of 50-300 (a fifth binary), a partly bad message and an undecodable one. */
function buildStream(): AccountedMessage[] {
  const rng = new SeededRandom(SEED);
  const data = sampleMixture(randomMixture({ k: K, dim: D, seed: SEED + 1 }), POINTS, SEED + 2).data;
  const messages: AccountedMessage[] = [];
  for (let start = 0; start < POINTS; ) {
    const n = Math.min(POINTS - start, 50 + rng.int(251));
    messages.push(good(data.slice(start * D, (start + n) * D), D, rng.uniform() < 0.2 ? 'binary' : 'json'));
    start += n;
  }
  const at = messages.findIndex((m, i) => i >= 200 && !m.headers);
  const rows = (JSON.parse(messages[at].value!.toString()) as { points: unknown[] }).points;
  rows.splice(3, 0, [1, 'x', 2]);
  messages[at] = bad('partly bad JSON', JSON.stringify({ points: rows }), 1, messages[at].valid);
  messages.splice(100, 0, bad('truncated JSON', '{"points": [[1, 2', 1));
  return messages;
}

interface ScoresValue {
  readonly model: string;
  readonly source: string;
  readonly points: readonly { logLikelihood?: number; component?: number; responsibilities?: number[]; anomaly?: boolean; refused?: true; code?: string; warmingUp?: true }[];
}

describe('scores topic: SIGKILLs, restarts, exactly one scores record per message', () => {
  it('leaves one record per message with accepted points, finite scores, the records of an uninterrupted run', async () => {
    const messages = buildStream();
    const ledger = new StreamLedger(messages);
    expect(ledger.totalValid).toBe(POINTS);
    const killed = uniqueNames('scores-killed');
    const reference = { ...uniqueNames('scores-reference'), input: killed.input };
    const scoresTopic = (names: { id: string }): string => `scores-${names.id}`;
    await createTopic(killed.input);
    const records = toKafkaMessages(messages);
    const producing = (async () => {
      for (let i = 0; i < records.length; i += PRODUCED_PER_TICK) {
        await produce(killed.input, records.slice(i, i + PRODUCED_PER_TICK));
        await sleep(PRODUCER_TICK_MS);
      }
    })();

    const args = (names: typeof killed, cadence: readonly string[]) => [...ENGINE, ...SCORES, '--scores-topic', scoresTopic(names), ...cadence];
    const procs: ProcessorProcess[] = [];
    const killedAt: string[] = [];
    const rng = new SeededRandom(SEED + 3);
    // Spread over the stream, past the warm-up, while scores flow with every commit.
    for (const [phase, fromPoints] of [['after-commit', 30_000], ['between-commits', 60_000], ['random', 90_000]] as const) {
      const proc = ProcessorProcess.forNames(killed, args(killed, KILLED_CADENCE));
      procs.push(proc);
      await proc.waitForEvent('consuming', undefined, 120_000);
      await proc.waitUntil(() => proc.eventCount('committed', (e) => (e.snapshot?.pointsSeen ?? 0) >= fromPoints) > 0, 120_000, `a snapshot of ${fromPoints} points`);
      const before = proc.eventCount('committed', isSnapshot);
      if (phase === 'random') await sleep(rng.int(300));
      else {
        await proc.waitUntil(() => proc.eventCount('committed', isSnapshot) >= before + 1 + rng.int(10), 120_000, 'snapshots');
        if (phase === 'between-commits') await sleep(1 + rng.int(30));
      }
      proc.kill('SIGKILL');
      expect((await proc.exited).signal).toBe('SIGKILL');
      killedAt.push(`${phase}: ${proc.lastEvent('committed', isSnapshot)?.snapshot?.pointsSeen ?? 'no snapshot'}`);
      await evictGroupMembers(killed.group);
    }
    const last = ProcessorProcess.forNames(killed, args(killed, KILLED_CADENCE));
    procs.push(last);
    await last.waitForSnapshot(POINTS, 240_000);
    last.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    await producing;
    const ref = await runToEnd(reference, POINTS, args(reference, ['--snapshot-interval', '1000']));
    expect(ref.exit.code).toBe(0);

    const scored = await readAllRecords(scoresTopic(killed));
    const aborted = (await readAllRecords(scoresTopic(killed), { readUncommitted: true })).length - scored.length;
    const uninterrupted = await readAllRecords(scoresTopic(reference));
    const values = scored.map(parse);
    console.log(`scores under SIGKILLs: kills at ${killedAt.join('; ')}; ${scored.length} committed scores records, ${aborted} in aborted transactions; reference ${uninterrupted.length}`);
    expect(procs.flatMap((p) => stackTraceLines(p))).toEqual([]);

    // Exactly one record per message with accepted points, in input order, none for the undecodable one.
    const expected = messages.flatMap((m, offset) => (m.valid > 0 ? [`${killed.input}/0/${offset}`] : []));
    const sources = values.map((v) => v.source);
    expect(new Set(sources).size).toBe(sources.length);
    expect(sources).toEqual(expected);
    expect(scored.map((r) => r.headers[SCORES_HEADERS.source]?.[0])).toEqual(expected);
    let scoredPoints = 0;
    let flagged = 0;
    for (const v of values) {
      const message = messages[Number(v.source.split('/').pop())];
      expect(v.model).toBe(killed.model);
      expect(v.points.length, v.source).toBe(message.valid + (message.deadLettered ? message.refused : 0));
      expect(v.points.filter((p) => p.refused).length, v.source).toBe(message.deadLettered ? message.refused : 0);
      for (const p of v.points) {
        if (p.refused || p.warmingUp) continue;
        scoredPoints++;
        if (p.anomaly) flagged++;
        expect(Number.isFinite(p.logLikelihood), v.source).toBe(true);
        expect(p.responsibilities).toHaveLength(K);
      }
    }
    // The partly bad message keeps its indexes: its refused point is entry 3.
    const partly = values.find((v) => v.points.some((p) => p.refused))!;
    expect(partly.points[3]).toEqual({ refused: true, code: 'not-a-number' });
    // Past the warm-up, every point is scored; the rule flags about its quantile.
    expect(scoredPoints).toBeGreaterThan(POINTS - 5000);
    expect(flagged / scoredPoints).toBeGreaterThan(0.005);
    expect(flagged / scoredPoints).toBeLessThan(0.02);
    const finalSnapshot = (await readCommittedSnapshots(killed.snapshot)).at(-1)!;
    expect(finalSnapshot.anomaly?.flagged).toBe(flagged);
    expect(Number.isFinite(finalSnapshot.anomaly?.threshold)).toBe(true);

    // The same records as the uninterrupted run, value for value (its model name aside).
    expect(uninterrupted.map((r) => comparable(r, reference.model))).toEqual(scored.map((r) => comparable(r, killed.model)));
  });
});

function parse(record: RawRecord): ScoresValue {
  return JSON.parse(record.value!.toString('utf8')) as ScoresValue;
}

function comparable(record: RawRecord, model: string): string {
  return record.value!.toString('utf8').replace(JSON.stringify(model), '"MODEL"');
}
