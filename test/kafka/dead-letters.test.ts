import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_BUDGET, DEAD_LETTER_HEADERS } from '../../src/kafka/dead-letter.js';
import { BINARY_CONTENT_TYPE, binaryHeaders, encodeBinaryPoints } from '../../src/kafka/message-format.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { committedOffsets, createTopic, produce, readTopic, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';

/** One message of every hostile kind, with what it should do to the counts. */
const HOSTILE: { name: string; message: { value: string | Buffer | null; headers?: Record<string, string> }; refused: number; accepted: number }[] = [
  { name: 'truncated JSON', message: { value: '{"points": [[1, 2, 3], [4, 5' }, refused: 1, accepted: 0 },
  { name: 'not JSON at all', message: { value: 'hello, world' }, refused: 1, accepted: 0 },
  { name: 'a JSON string', message: { value: '"1, 2, 3"' }, refused: 1, accepted: 0 },
  { name: 'an object without points', message: { value: '{"x": [1, 2, 3]}' }, refused: 1, accepted: 0 },
  { name: 'an empty array', message: { value: '[]' }, refused: 1, accepted: 0 },
  { name: 'wrong dimension', message: { value: '[1, 2]' }, refused: 1, accepted: 0 },
  { name: 'a string coordinate', message: { value: '[1, "2", 3]' }, refused: 1, accepted: 0 },
  { name: 'Infinity (1e999)', message: { value: '[1, 1e999, 3]' }, refused: 1, accepted: 0 },
  { name: 'out of range (1e308)', message: { value: '[1, 1e308, 3]' }, refused: 1, accepted: 0 },
  { name: 'every coordinate missing', message: { value: '[null, null, null]' }, refused: 1, accepted: 0 },
  { name: 'nested garbage', message: { value: '{"points": [[[1, 2, 3]], {"a": 1}, true]}' }, refused: 3, accepted: 0 },
  { name: 'partly bad batch', message: { value: '[[1, 2, 3], [1, 2], [4, 5, 6], [null, null, null]]' }, refused: 2, accepted: 2 },
  { name: 'no value (tombstone)', message: { value: null }, refused: 1, accepted: 0 },
  { name: 'empty value', message: { value: Buffer.alloc(0) }, refused: 1, accepted: 0 },
  { name: 'oversized', message: { value: JSON.stringify({ points: Array.from({ length: 5000 }, () => [1, 2, 3]) }) }, refused: 1, accepted: 0 },
  { name: 'unsupported content-type', message: { value: '[1, 2, 3]', headers: { 'content-type': 'text/csv' } }, refused: 1, accepted: 0 },
  { name: 'binary without dimension', message: { value: encodeBinaryPoints(new Float64Array([1, 2, 3])), headers: { 'content-type': BINARY_CONTENT_TYPE } }, refused: 1, accepted: 0 },
  { name: 'binary with a garbage dimension', message: { value: encodeBinaryPoints(new Float64Array([1, 2, 3])), headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: 'three' } }, refused: 1, accepted: 0 },
  { name: 'binary of a broken length', message: { value: Buffer.alloc(20), headers: binaryHeaders(3) as Record<string, string> }, refused: 1, accepted: 0 },
  { name: 'binary of the wrong dimension', message: { value: encodeBinaryPoints(new Float64Array([1, 2, 3, 4])), headers: binaryHeaders(2) as Record<string, string> }, refused: 2, accepted: 0 },
  { name: 'binary with Infinity and an all-NaN row', message: { value: encodeBinaryPoints(new Float64Array([1, 2, 3, Infinity, 0, 0, NaN, NaN, NaN, 4, NaN, 6])), headers: binaryHeaders(3) as Record<string, string> }, refused: 2, accepted: 2 },
];

describe('bad input goes to the dead-letter topic with a reason, and the counts add up', () => {
  it('dead-letters every hostile kind while counting the good points exactly', async () => {
    const names = uniqueNames('hostile');
    const d = 3;
    const good = sampleMixture(randomMixture({ k: 3, dim: d, seed: 21 }), 5_000, 22).data;
    const goodMessages = jsonMessages(good, d, 100);
    // Interleave: a good message, a hostile one, a good one, ...
    const messages: { value: string | Buffer | null; headers?: Record<string, string> }[] = [];
    goodMessages.forEach((m, i) => {
      messages.push(m);
      if (i < HOSTILE.length) messages.push(HOSTILE[i].message);
    });
    await createTopic(names.input);
    await produce(names.input, messages);
    const accepted = 5_000 + HOSTILE.reduce((s, h) => s + h.accepted, 0);
    const refused = HOSTILE.reduce((s, h) => s + h.refused, 0);

    const proc = ProcessorProcess.forNames(names, ['--components', '3', '--snapshot-interval', '300', '--max-message-bytes', '20000']);
    await proc.waitForSnapshot(accepted, 120_000);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);

    const snapshots = await readSnapshots(names.snapshot);
    const final = snapshots[snapshots.length - 1];
    expect(final.pointsSeen).toBe(accepted);
    expect(final.rejected).toBe(refused);
    expect(final.input).toEqual({ messages: messages.length, deadLettered: HOSTILE.length });
    for (const v of [...final.weights, ...final.means.flat(), ...final.covariances.flat(2)]) expect(Number.isFinite(v)).toBe(true);

    const deadLetters = await readTopic(names.deadLetter, { count: HOSTILE.length });
    expect(deadLetters).toHaveLength(HOSTILE.length);
    deadLetters.forEach((dl, i) => {
      const hostile = HOSTILE[i];
      const original = hostile.message.value === null ? null : Buffer.from(hostile.message.value);
      // The original bytes, unchanged (an empty value may come back as empty or as null).
      if (original === null) expect(dl.value, hostile.name).toBeNull();
      else expect(Buffer.from(dl.value ?? Buffer.alloc(0)), hostile.name).toEqual(original);
      expect(dl.headers[DEAD_LETTER_HEADERS.reason], hostile.name).toBeTruthy();
      expect(dl.headers[DEAD_LETTER_HEADERS.source]).toMatch(new RegExp(`^${names.input}/0/\\d+$`));
      for (const [k, v] of Object.entries(hostile.message.headers ?? {})) expect(dl.headers[k]).toBe(v);
      const rejections = JSON.parse(dl.headers[DEAD_LETTER_HEADERS.rejections]) as unknown[];
      expect(rejections.length, hostile.name).toBe(hostile.refused);
      expect(Number(dl.headers[DEAD_LETTER_HEADERS.acceptedPoints]), hostile.name).toBe(hostile.accepted);
    });
  });
});

describe('a dead letter always fits the dead-letter topic', () => {
  it('a 9-byte value with a 22 MiB header is dead-lettered within the budget, committed and counted', async () => {
    const names = uniqueNames('huge-header');
    const d = 3;
    const good = jsonMessages(sampleMixture(randomMixture({ k: 2, dim: d, seed: 31 }), 2_000, 32).data, d, 100);
    const garbage = Buffer.alloc(22 * 1024 * 1024, 'g');
    const huge = { value: '[1, 2, 3]', headers: { 'content-type': garbage.toString('latin1'), traceparent: '00-4bf92f3577b34da6-00f067aa0ba902b7-01' } };
    expect(Buffer.byteLength(huge.value)).toBe(9);
    // The input topic takes it (the broker's default limit is 1 MiB); the processor creates the dead-letter topic itself.
    await createTopic(names.input, 1, { 'max.message.bytes': String(32 * 1024 * 1024) });
    const messages = [...good.slice(0, 10), huge, ...good.slice(10)];
    await produce(names.input, messages);

    const proc = ProcessorProcess.forNames(names, ['--components', '2', '--snapshot-interval', '300']);
    // Before the bound, the commit holding this dead letter was refused on every retry, and nothing after it was ever counted.
    await proc.waitForSnapshot(2_000, 120_000);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    expect(proc.eventsOf('session-failed')).toEqual([]);

    const final = (await readSnapshots(names.snapshot)).at(-1)!;
    expect(final.pointsSeen).toBe(2_000);
    expect(final.rejected).toBe(1);
    expect(final.input).toEqual({ messages: messages.length, deadLettered: 1 });
    expect((await committedOffsets(names.group, names.input)).get(0)).toBe(String(messages.length));

    const [dl, ...more] = await readTopic(names.deadLetter, { count: 1 });
    expect(more).toEqual([]);
    expect(dl.value).toEqual(Buffer.from('[1, 2, 3]'));
    expect(dl.headers.traceparent).toBe(huge.headers.traceparent);
    expect(dl.headers['content-type']).toHaveLength(DEAD_LETTER_BUDGET.headerValueBytes);
    expect(dl.headers[DEAD_LETTER_HEADERS.truncated]).toMatch(/^headers=\d+,reason=\d+,rejections=\d+$/);
    expect(Number(/headers=(\d+)/.exec(dl.headers[DEAD_LETTER_HEADERS.truncated])![1])).toBeGreaterThan(garbage.length);
    expect(Buffer.byteLength(dl.headers[DEAD_LETTER_HEADERS.reason])).toBeLessThanOrEqual(DEAD_LETTER_BUDGET.reasonBytes);
    expect(dl.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^unsupported content-type "g+… \[cut, \d+ bytes in all\]$/);
    expect(dl.headers[DEAD_LETTER_HEADERS.source]).toBe(`${names.input}/0/10`);
  });

  it('a commit the dead-letter topic refuses for size says so, naming the topic and max.message.bytes, not the brokers', async () => {
    const names = uniqueNames('small-dl-topic');
    // A dead-letter topic made beforehand, with a limit below one dead letter: the processor leaves it as it is.
    await createTopic(names.deadLetter, 1, { 'max.message.bytes': '2048' });
    await createTopic(names.input);
    await produce(names.input, [{ value: 'not json, and long: ' + 'x'.repeat(4000) }]);

    const proc = ProcessorProcess.forNames(names, ['--components', '2', '--snapshot-interval', '300']);
    const failed = await proc.waitForEvent('session-failed', undefined, 120_000);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    expect(failed.connection).toBe(false);
    expect(failed.error).toMatch(
      new RegExp(`^the broker refused a record as too large for topic '${names.deadLetter}' \\(MESSAGE_TOO_LARGE; its largest record in this commit was about \\d+ bytes\\): raise the topic's max\\.message\\.bytes \\(kafka-configs --alter --entity-type topics --entity-name ${names.deadLetter} --add-config max\\.message\\.bytes=BYTES\\)$`),
    );
    expect(failed.message).toMatch(/^Kafka session failed: the broker refused a record as too large for topic /);
  });
});
