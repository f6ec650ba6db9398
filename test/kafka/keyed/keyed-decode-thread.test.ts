import { describe, expect, it } from 'vitest';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { engineBytes, expectedPerKey, keyedStream, latestKeyCheckpoints, readAllPartitions, toRecord, waitUntilConsumed, type KeyedMessage } from '../support/keyed-stream.js';
import { ProcessorProcess } from '../support/processor-process.js';
import { stackTraceLines } from '../support/reliability.js';

/**
 * `run --keyed --decode-thread on` against `off` on the same messages: every key's model
 * must be the same, bit for bit, with the same counts, and the dead letters the same bytes,
 * headers and reasons. Besides the stream's own bad messages (no key; JSON cut short), some
 * keyed messages carry what the decode thread hands back to the main thread (rows of two
 * lengths, a string) or what the engine refuses among float64 rows (a value out of range,
 * a row with nothing observed) and missing coordinates (null).
 */
const KEYS = 40;
const ENGINE = ['--keyed', '--components', '2', '--warmup', '8', '--batch-size', '4', '--restarts', '1', '--seed', '9', '--snapshot-interval', '1000', '--max-keys', '10'];

function stream(): KeyedMessage[] {
  const messages = keyedStream(KEYS, 30, 4, 25, 31);
  const odd = [
    { value: '[[1, 2], [3, 4, 5], [6, 7]]', valid: 2, deadLettered: true },
    { value: '[[1, 2], ["3", 4]]', valid: 1, deadLettered: true },
    { value: '[[1, 2], [1e300, 4], [5, 6]]', valid: 2, deadLettered: true },
    { value: '[[null, null], [7, 8]]', valid: 1, deadLettered: true },
    { value: '[[null, 3], [7, null], [8, 9]]', valid: 3, deadLettered: false },
  ];
  // After the warm-ups (and before the end), every 37th message: under a key in use.
  const out: KeyedMessage[] = [];
  messages.forEach((m, i) => {
    out.push(m);
    if (i > 400 && i % 37 === 0 && m.key !== null) out.push({ key: m.key, ...odd[(i / 37) % odd.length | 0] });
  });
  return out;
}

function comparableDeadLetters(records: Awaited<ReturnType<typeof readAllPartitions>>, id: string): unknown[] {
  return records
    .map((r) => ({ key: r.key?.toString('base64') ?? null, value: r.value?.toString('base64') ?? null, headers: Object.fromEntries(Object.entries(r.headers).filter(([name]) => !/time/i.test(name)).map(([name, v]) => [name, String(v).replaceAll(id, 'ID')])) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('keyed mode with the decode thread', () => {
  it('on and off leave every key the same model and counts, and the same dead letters', async () => {
    const messages = stream();
    const input = uniqueNames('keyed-decode').input;
    await createTopic(input, 2);
    await produce(input, messages.map(toRecord));
    const runs = await Promise.all(
      (['on', 'off'] as const).map(async (mode) => {
        const names = { ...uniqueNames(`keyed-decode-${mode}`), input };
        const proc = ProcessorProcess.forNames(names, [...ENGINE, '--decode-thread', mode]);
        try {
          await waitUntilConsumed(names.group, input, 180_000, proc);
          proc.kill('SIGTERM');
          expect((await proc.exited).code).toBe(0);
          expect(stackTraceLines(proc)).toEqual([]);
          expect(proc.eventCount('decode-thread-failed')).toBe(0);
          const deadLetters = comparableDeadLetters(await readAllPartitions(names.deadLetter), names.id);
          return { checkpoints: await latestKeyCheckpoints(names.state, names.model), deadLetters };
        } finally {
          proc.kill('SIGKILL');
        }
      }),
    );
    const [on, off] = runs;
    const expected = expectedPerKey(messages);
    expect(on.checkpoints.size).toBe(KEYS);
    const wrong: string[] = [];
    for (const [key, want] of expected) {
      const a = on.checkpoints.get(key)!;
      const b = off.checkpoints.get(key)!;
      if (a.engine.counters.pointsSeen !== want.points || a.counters.messages !== want.messages || a.counters.deadLettered !== want.deadLettered) wrong.push(`${key}: counts`);
      if (engineBytes(a) !== engineBytes(b) || JSON.stringify(a.counters) !== JSON.stringify(b.counters)) wrong.push(`${key}: model`);
    }
    expect(wrong).toEqual([]);
    expect(on.deadLetters).toHaveLength(messages.filter((m) => m.deadLettered).length);
    expect(on.deadLetters).toStrictEqual(off.deadLetters);
  }, 300_000);
});
