import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/em/random.js';
import { DEAD_LETTER_HEADERS } from '../../../src/kafka/dead-letter.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { StreamLedger, toKafkaMessages, type AccountedMessage } from '../support/accounted-stream.js';
import { FUZZ_DIM, FuzzGenerator } from '../support/fuzz-messages.js';
import { createTopic, produce, testKafka, uniqueNames } from '../support/kafka-io.js';
import { ProcessorProcess, resumedFromCheckpoint, snapshotAt } from '../support/processor-process.js';
import { parameterProblems, readAllRecords, readCommittedSnapshots, stackTraceLines } from '../support/reliability.js';

/**
 * Fuzz: 10,000 seeded malformed messages of every kind interleaved with good ones,
 * through one processor that must stay up (no session restart) and account for every
 * message: each bad one dead-lettered exactly once, as it was, with a reason; every
 * good point counted; every refused point counted; the model finite.
 */
const SEED = 77_001;
const BAD = 10_000;
const GOOD = 3_000;
const MAX_MESSAGE_BYTES = 16_384;

const fuzzId = 'x-fuzz-id';

function buildStream(): { messages: AccountedMessage[]; kinds: Map<string, number> } {
  const rng = new SeededRandom(SEED);
  const goodPoints = sampleMixture(randomMixture({ k: 3, dim: FUZZ_DIM, seed: SEED + 1 }), 100_000, SEED + 2).data;
  const fuzz = new FuzzGenerator({ seed: SEED + 3, maxMessageBytes: MAX_MESSAGE_BYTES, goodPoints });
  const bad = Array.from({ length: BAD }, () => fuzz.bad());
  const goodMessages = Array.from({ length: GOOD }, () => fuzz.good(1 + rng.int(40)));
  // The first messages are good (the first valid point fixes the dimension), so is the last
  // (a snapshot showing every valid point then shows that everything was consumed).
  const middle = rng.shuffle([...bad, ...goodMessages.slice(10, -1)]);
  const messages = [...goodMessages.slice(0, 10), ...middle, goodMessages[GOOD - 1]].map((m, i) => ({
    ...m,
    headers: { ...(m.headers ?? {}), [fuzzId]: String(i) },
  }));
  return { messages, kinds: fuzz.kinds };
}

describe('fuzz: malformed input never stops the processor and is accounted for exactly', () => {
  it('dead-letters each of 10,000 malformed messages once, with its bytes, headers and a reason, and counts every point', async () => {
    const started = Date.now();
    const { messages, kinds } = buildStream();
    const ledger = new StreamLedger(messages);
    expect(ledger.totalDeadLettered).toBe(BAD);
    const names = uniqueNames('fuzz');
    await createTopic(names.input);
    await produce(names.input, toKafkaMessages(messages));

    const proc = ProcessorProcess.forNames(names, ['--components', '3', '--max-message-bytes', String(MAX_MESSAGE_BYTES), '--snapshot-interval', '500', '--snapshot-every', '20']);
    // Fails fast when the session restarts (a warning) instead of timing out.
    await proc.waitUntil(() => proc.warnings().length > 0 || proc.lastEvent('committed', snapshotAt(ledger.totalValid)), 120_000, `a snapshot of ${ledger.totalValid} points or a warning`);
    expect(proc.child.exitCode).toBeNull();
    proc.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    const processedSeconds = (Date.now() - started) / 1000;

    // Alive throughout: one session, no restart, no warning, no stack trace.
    expect(proc.eventsOf('restored').map((e) => e.source)).toEqual(['none']);
    expect(proc.eventCount('rebalanced')).toBe(0);
    expect(proc.eventCount('session-failed')).toBe(0);
    expect(proc.warnings()).toEqual([]);
    expect(proc.nonJsonLines).toEqual([]);
    expect(stackTraceLines(proc)).toEqual([]);

    const snapshots = await readCommittedSnapshots(names.snapshot);
    const final = snapshots.at(-1)!;
    expect(final.final).toBe(true);
    expect(final.pointsSeen).toBe(ledger.totalValid);
    expect(final.rejected).toBe(ledger.totalRefused);
    expect(final.input).toEqual({ messages: messages.length, deadLettered: BAD });
    for (const s of snapshots) {
      expect(ledger.disagreement(s)).toEqual([]);
      expect(parameterProblems(s)).toEqual([]);
    }

    const deadLetters = await readAllRecords(names.deadLetter);
    const seen = new Map<number, number>();
    const problems: string[] = [];
    for (const r of deadLetters) {
      const id = Number(r.headers[fuzzId]?.[0]);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const original = messages[id];
      if (!original?.deadLettered) {
        problems.push(`message ${id} (${original?.kind}) was dead-lettered but is good`);
        continue;
      }
      const why = `message ${id} (${original.kind})`;
      const value = r.value && r.value.length > 0 ? r.value : null;
      const want = original.value && original.value.length > 0 ? original.value : null;
      if (!(value === null ? want === null : want !== null && value.equals(want))) problems.push(`${why}: value differs`);
      for (const [k, v] of Object.entries(original.headers ?? {})) {
        const expected = (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
        if (JSON.stringify(r.headers[k]) !== JSON.stringify(expected)) problems.push(`${why}: header ${k} ${JSON.stringify(r.headers[k])} != ${JSON.stringify(expected)}`);
      }
      if (!r.headers[DEAD_LETTER_HEADERS.reason]?.[0]) problems.push(`${why}: no reason`);
      if (r.headers[DEAD_LETTER_HEADERS.source]?.[0] !== `${names.input}/0/${id}`) problems.push(`${why}: source ${r.headers[DEAD_LETTER_HEADERS.source]?.[0]}`);
      const code = r.headers[DEAD_LETTER_HEADERS.code]?.[0];
      const whole = code === 'undecodable';
      const rejected = Number(r.headers[DEAD_LETTER_HEADERS.rejectedPoints]?.[0]);
      const accepted = Number(r.headers[DEAD_LETTER_HEADERS.acceptedPoints]?.[0]);
      // A message refused whole says 0 and 0; otherwise the refused and the accepted points.
      if (whole ? !(original.refused === 1 && original.valid === 0 && rejected === 0 && accepted === 0) : rejected !== original.refused || accepted !== original.valid) {
        problems.push(`${why}: code ${code}, rejected ${rejected} accepted ${accepted}, expected refused ${original.refused} valid ${original.valid}`);
      }
    }
    for (const m of messages.filter((x) => x.deadLettered)) {
      const id = Number((m.headers as Record<string, string>)[fuzzId]);
      if (seen.get(id) !== 1) problems.push(`message ${id} (${m.kind}) dead-lettered ${seen.get(id) ?? 0} times`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(deadLetters).toHaveLength(BAD);

    console.log(
      [
        `fuzz: ${messages.length} messages (${BAD} malformed, ${GOOD} good), ${ledger.totalValid} valid points, ${ledger.totalRefused} refused points, ${deadLetters.length} dead letters`,
        `  kinds: ${[...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join('; ')}`,
        `  committed snapshots ${snapshots.length}; processed in ${processedSeconds.toFixed(1)} s; test ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
  });
});

describe('large dead letters', () => {
  it('dead-letters megabytes of bad input, and a single 2 MiB message, without a session restart', async () => {
    const started = Date.now();
    const names = uniqueNames('large-dead-letters');
    // An input topic that takes 4 MiB messages (the processor's default --max-message-bytes is 8 MiB).
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: names.input, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }] }], waitForLeaders: true });
    await admin.disconnect();
    const rows = (n: number, at: number) => JSON.stringify({ points: Array.from({ length: n }, (_, i) => [at + i, i % 7, (i * 3) % 11, (i * 5) % 13]) });
    const messages: AccountedMessage[] = [{ value: Buffer.from(rows(2000, 0)), valid: 2000, refused: 0, deadLettered: false, kind: 'good' }];
    // 1,500 invalid messages of 3 KiB: 4.5 MB of dead letters, more than 1 MiB within one commit interval.
    for (let i = 0; i < 1500; i++) messages.push({ value: Buffer.from(`#${i} ${'x'.repeat(3000)}`), valid: 0, refused: 1, deadLettered: true, kind: '3 KiB invalid' });
    messages.push({ value: Buffer.from(`[${'9'.repeat(2 * 1024 * 1024)}`), valid: 0, refused: 1, deadLettered: true, kind: '2 MiB invalid' });
    messages.push({ value: Buffer.from(rows(100, 5000)), valid: 100, refused: 0, deadLettered: false, kind: 'good' });
    const ledger = new StreamLedger(messages);
    await produce(names.input, toKafkaMessages(messages));

    const proc = ProcessorProcess.forNames(names, ['--components', '3', '--snapshot-interval', '1000']);
    await proc.waitUntil(
      () => proc.warnings().length > 0 || proc.lastEvent('committed', (e) => snapshotAt(ledger.totalValid)(e) && e.counters.deadLettered === 1501),
      120_000,
      `a snapshot of ${ledger.totalValid} points and 1501 dead letters, or a warning`,
    );
    proc.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.warnings()).toEqual([]);
    expect(proc.eventCount('restored', resumedFromCheckpoint)).toBe(0);
    const deadLetters = await readAllRecords(names.deadLetter);
    expect(deadLetters.map((r) => r.headers[DEAD_LETTER_HEADERS.source]?.[0])).toEqual(ledger.deadLetterOffsets.map((o) => `${names.input}/0/${o}`));
    expect(deadLetters.at(-1)!.value!.equals(messages.at(-2)!.value!)).toBe(true);
    const final = (await readCommittedSnapshots(names.snapshot)).at(-1)!;
    expect(ledger.disagreement(final)).toEqual([]);
    console.log(`large dead letters: ${deadLetters.length} dead letters, ${(deadLetters.reduce((s, r) => s + (r.value?.length ?? 0), 0) / 1e6).toFixed(1)} MB; test ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
