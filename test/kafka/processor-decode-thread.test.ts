import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/em/random.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { StreamLedger, toKafkaMessages } from './support/accounted-stream.js';
import { FUZZ_DIM, FuzzGenerator } from './support/fuzz-messages.js';
import { createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { readAllRecords, runToEnd } from './support/reliability.js';

/**
 * `online-em run --decode-thread on` against `off` on the same 3,000 messages: good JSON
 * (batches, single points, {"points": ...}, nulls) and binary ones among 1,500 malformed
 * ones of every kind the fuzz test makes. JSON parsed on the decode thread must leave the
 * same model (bit for bit), counters, dead letters (bytes, headers, reasons) and scores
 * records as JSON parsed on the main thread.
 */
const SEED = 88_001;
const MAX_MESSAGE_BYTES = 16_384;

function stream() {
  const rng = new SeededRandom(SEED);
  const goodPoints = sampleMixture(randomMixture({ k: 3, dim: FUZZ_DIM, seed: SEED + 1 }), 50_000, SEED + 2).data;
  const fuzz = new FuzzGenerator({ seed: SEED + 3, maxMessageBytes: MAX_MESSAGE_BYTES, goodPoints });
  const good = Array.from({ length: 1500 }, () => fuzz.good(1 + rng.int(60)));
  const bad = Array.from({ length: 1500 }, () => fuzz.bad());
  // Good ones first, so that the dimension is the fuzz's, and last, to wait for.
  return [...good.slice(0, 20), ...rng.shuffle([...bad, ...good.slice(20, -1)]), good.at(-1)!];
}

/** A record's bytes and headers, without what differs between two runs: times, and the run's names (its id). */
function comparable(r: Awaited<ReturnType<typeof readAllRecords>>[number], id: string): unknown {
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([name]) => !/time/i.test(name)).map(([name, v]) => [name, String(v).replaceAll(id, 'ID')]));
  return { key: r.key?.toString('base64') ?? null, value: r.value?.toString('base64') ?? null, headers };
}

describe('online-em run --decode-thread', () => {
  it('on and off give the same model, counters, dead letters and scores records on malformed and good JSON', async () => {
    const messages = stream();
    const ledger = new StreamLedger(messages);
    const runs = await Promise.all(
      (['on', 'off'] as const).map(async (mode) => {
        const names = uniqueNames(`decode-${mode}`);
        const scoresTopic = `scores-${names.id}`;
        await createTopic(names.input);
        await produce(names.input, toKafkaMessages(messages));
        const args = ['--components', '3', '--max-message-bytes', String(MAX_MESSAGE_BYTES), '--snapshot-interval', '500', '--scores-topic', scoresTopic, '--scores-format', 'json', '--decode-thread', mode];
        const run = await runToEnd(names, ledger.totalValid, args);
        const deadLetters = (await readAllRecords(names.deadLetter)).map((r) => comparable(r, names.id));
        return { ...run, deadLetters, scores: await readAllRecords(scoresTopic) };
      }),
    );
    const [on, off] = runs;
    for (const run of runs) {
      expect(run.exit).toEqual({ code: 0, signal: null });
      expect(run.final.pointsSeen).toBe(ledger.totalValid);
      expect(run.final.rejected).toBe(ledger.totalRefused);
      expect(run.final.input).toEqual({ messages: messages.length, deadLettered: ledger.totalDeadLettered });
      expect(run.proc.eventCount('decode-thread-failed')).toBe(0);
    }
    for (const key of ['weights', 'means', 'covariances', 'pointsSeen', 'rejected', 'batches', 'logLikelihood', 'health', 'anomaly'] as const) {
      expect(on.final[key]).toStrictEqual(off.final[key]);
    }
    expect(on.deadLetters).toHaveLength(ledger.totalDeadLettered);
    expect(on.deadLetters).toStrictEqual(off.deadLetters);
    // Scores name their source topic: compare the points' scores.
    const points = (records: typeof on.scores) => records.map((r) => JSON.parse(r.value!.toString('utf8')).points as unknown);
    expect(on.scores.length).toBeGreaterThan(1000);
    expect(points(on.scores)).toStrictEqual(points(off.scores));
  });
});
