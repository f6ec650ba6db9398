import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { IndexedRejection } from '../../src/em/point-validation.js';
import { DEAD_LETTER_BUDGET, DEAD_LETTER_HEADERS, deadLetterFor } from '../../src/kafka/dead-letter.js';
import { decodeMessage, type MessagePosition } from '../../src/kafka/message-format.js';
import { DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES } from '../../src/kafka/topics.js';
import { recordBytes } from '../../src/kafka/transactional-publisher.js';

const MiB = 1024 * 1024;
const position: MessagePosition = { topic: 'points', partition: 0, offset: '41' };

function message(value: Buffer | null, headers: IHeaders, key: Buffer | null = Buffer.from('k')): KafkaMessage {
  return { key, value, headers, timestamp: '1700000000000', attributes: 0, offset: position.offset } as KafkaMessage;
}

/** The dead letter the processor makes of `m`: its rejections as decodeMessage gives them. */
function deadLetterOf(m: KafkaMessage) {
  const input = decodeMessage(m.value, m.headers, position, 8 * MiB);
  if (!('points' in input)) throw new Error('expected a refused message');
  const rejections: IndexedRejection[] = input.points.map((p, index) => ({ index, code: (p as IndexedRejection).code, message: (p as IndexedRejection).message }));
  return deadLetterFor(m, position, rejections, 1, 'model-a');
}

function text(v: IHeaders[string]): string {
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? '' : String(first);
}

describe('deadLetterFor: every dead letter fits the dead-letter topic', () => {
  it('a 9-byte value with a 22 MiB header: cut to the budget, below the topic\'s limit, and says so', () => {
    const garbage = 'g'.repeat(22 * MiB);
    const traceparent = '00-4bf92f3577b34da6-00f067aa0ba902b7-01';
    const original = message(Buffer.from('[1, 2, 3]'), { 'content-type': garbage, traceparent });
    const dl = deadLetterOf(original);

    // What was copied and quoted three times over (header, reason, rejections) is now far below the limit.
    expect(recordBytes(dl)).toBeLessThan(DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES);
    expect(recordBytes(dl)).toBeLessThan(2 * MiB);
    const headers = dl.headers!;
    // The original sizes of what was cut: the headers' names and values, the two reason texts.
    const headerBytes = 'content-type'.length + garbage.length + 'traceparent'.length + traceparent.length;
    expect(text(headers[DEAD_LETTER_HEADERS.truncated])).toBe(`headers=${headerBytes},reason=${reasonBytes(garbage)},rejections=${rejectionsBytes(garbage)}`);
    // The value and key whole; the small header whole; the garbage cut to its budget.
    expect(dl.value).toEqual(Buffer.from('[1, 2, 3]'));
    expect(dl.key).toEqual(Buffer.from('k'));
    expect(text(headers.traceparent)).toBe(traceparent);
    expect(Buffer.byteLength(text(headers['content-type']))).toBe(DEAD_LETTER_BUDGET.headerValueBytes);
    // The reasons: readable, cut, and saying how long they were.
    const reason = text(headers[DEAD_LETTER_HEADERS.reason]);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(DEAD_LETTER_BUDGET.reasonBytes);
    expect(reason).toMatch(/^unsupported content-type "g+… \[cut, \d+ bytes in all\]$/);
    const rejections = JSON.parse(text(headers[DEAD_LETTER_HEADERS.rejections])) as { index: number; code: string; message: string }[];
    expect(rejections).toEqual([{ index: 0, code: 'undecodable', message: reason }]);
    expect(text(headers[DEAD_LETTER_HEADERS.code])).toBe('undecodable');
  });

  it('anything else too big: key, an oversized value, overlong names, a thousand headers; multibyte text cut whole', () => {
    const headers: IHeaders = { ['n'.repeat(2 * 1024)]: 'overlong name', dimension: Buffer.alloc(5 * MiB, 1), 'x-emoji': '😀'.repeat(40_000) };
    for (let i = 0; i < 1000; i++) headers[`h${i}`] = 'v'.repeat(2048);
    const dl = deadLetterFor(message(Buffer.alloc(70 * MiB, 7), headers, Buffer.alloc(MiB, 2)), position, [{ index: 0, code: 'undecodable', message: 'oversized message' }], 1, 'm');
    expect(recordBytes(dl)).toBeLessThan(DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES);
    const cut = text(dl.headers![DEAD_LETTER_HEADERS.truncated]);
    expect(cut).toMatch(/^key=1048576,value=73400320,headers=\d+$/);
    expect(dl.value!.length).toBe(DEAD_LETTER_BUDGET.valueBytes);
    expect(dl.key!.length).toBe(DEAD_LETTER_BUDGET.keyBytes);
    expect(dl.headers!['n'.repeat(2 * 1024)]).toBeUndefined();
    const emoji = text(dl.headers!['x-emoji']);
    expect(emoji).toBe('😀'.repeat(DEAD_LETTER_BUDGET.headerValueBytes / 4));
    const copied = Object.keys(dl.headers!).filter((k) => !k.startsWith('online-em-'));
    expect(copied.length).toBeGreaterThan(100);
    expect(copied.length).toBeLessThan(1003);
  });

  it('a dead letter within the budget is the original whole, with no truncation header', () => {
    const headers: IHeaders = { 'content-type': 'application/json', big: 'b'.repeat(60 * 1024), list: ['a', Buffer.from('b')] };
    const original = message(Buffer.from('[1, 2]'), headers);
    const rejections: IndexedRejection[] = [{ index: 0, code: 'wrong-dimension', message: 'expected 3 coordinates, got 2' }];
    const dl = deadLetterFor(original, position, rejections, 1, 'm');
    expect(dl.headers![DEAD_LETTER_HEADERS.truncated]).toBeUndefined();
    expect(dl.value).toBe(original.value);
    for (const [k, v] of Object.entries(headers)) expect(dl.headers![k]).toEqual(v);
    expect(dl.headers![DEAD_LETTER_HEADERS.reason]).toBe('1 of 1 points refused: point 0: wrong-dimension: expected 3 coordinates, got 2');
    // A stale truncation note of a dead letter fed back in is not carried over.
    expect(deadLetterFor(message(Buffer.from('[1, 2]'), { [DEAD_LETTER_HEADERS.truncated]: 'headers=1' }), position, rejections, 1, 'm').headers![DEAD_LETTER_HEADERS.truncated]).toBeUndefined();
  });
});

/** The full reason's bytes: decodeMessage's text for an unknown content-type quotes it. */
function reasonBytes(contentType: string): number {
  return Buffer.byteLength(`unsupported content-type ${JSON.stringify(contentType)}: use application/json or application/x-online-em-f64le`);
}

function rejectionsBytes(contentType: string): number {
  const message = `unsupported content-type ${JSON.stringify(contentType)}: use application/json or application/x-online-em-f64le`;
  return Buffer.byteLength(JSON.stringify([{ index: 0, code: 'undecodable', message }]));
}
