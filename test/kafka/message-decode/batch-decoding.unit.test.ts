import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { RefusedPoint } from '../../../src/em/point-validation.js';
import { BatchDecoding } from '../../../src/kafka/message-decode/batch-decoding.js';
import { MessageDecodeThread } from '../../../src/kafka/message-decode/message-decode-thread.js';
import { binaryHeaders, encodeBinaryPoints } from '../../../src/kafka/message-format.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';

/**
 * A batch's messages through the real decode thread (the compiled worker under dist/):
 * uniform JSON comes back as float64 rows, every other message is decoded here as
 * decodeMessage does; with the thread gone, every message is decoded here, and the
 * failure is told once.
 */
const position = (offset: number) => ({ topic: 't', partition: 0, offset: String(offset) });
const message = (value: Buffer | string | null, headers?: KafkaMessage['headers']): KafkaMessage =>
  ({ key: null, value: typeof value === 'string' ? Buffer.from(value) : value, headers: headers ?? {}, offset: '0', timestamp: '0', attributes: 0 }) as KafkaMessage;

const threads: MessageDecodeThread[] = [];
afterEach(() => threads.splice(0).forEach((t) => t.close()));

function thread(onFailure: (reason: string) => void = () => undefined): MessageDecodeThread {
  ensureDistBuilt();
  const t = new MessageDecodeThread(1e15, onFailure);
  threads.push(t);
  return t;
}

const messages = [
  message('[[1, 2], [3, null]]'),
  message('{bad'),
  message(encodeBinaryPoints(Float64Array.of(5, 6)), binaryHeaders(2)),
  message('{"points": [[7, 8]]}', { 'content-type': 'application/json; charset=utf-8' }),
  message('[[1, 2], [3]]'),
  message(null),
  message('[9, 10]', { 'content-type': 'text/plain' }),
  // Many messages, more than one group (64 KiB).
  ...Array.from({ length: 3000 }, (_, i) => message(JSON.stringify([i, i + 0.5]))),
];

async function inputs(decoding: BatchDecoding) {
  const out = [];
  for (let i = 0; i < messages.length; i++) out.push(await decoding.input(i, position(i)));
  return out;
}

describe('BatchDecoding', () => {
  it('gives float64 rows for uniform JSON and decodeMessage\'s input for every other message, in order', async () => {
    const got = await inputs(new BatchDecoding(messages, 1024, thread()));
    expect(got[0]).toStrictEqual({ data: Float64Array.of(1, 2, 3, NaN), dim: 2, position: position(0) });
    expect(got[1]).toMatchObject({ points: [expect.any(RefusedPoint)], position: position(1) });
    expect(got[2]).toStrictEqual({ data: Float64Array.of(5, 6), dim: 2, position: position(2) });
    expect(got[3]).toStrictEqual({ data: Float64Array.of(7, 8), dim: 2, position: position(3) });
    expect(got[4]).toStrictEqual({ points: [[1, 2], [3]], position: position(4) });
    expect((got[5] as { points: RefusedPoint[] }).points[0].message).toBe('empty message: no value');
    expect((got[6] as { points: RefusedPoint[] }).points[0].message).toMatch(/unsupported content-type "text\/plain"/);
    for (let i = 7; i < messages.length; i++) expect(got[i]).toStrictEqual({ data: Float64Array.of(i - 7, i - 7 + 0.5), dim: 2, position: position(i) });
  });

  it('decodes here when the thread has failed, and tells the failure once', async () => {
    const reasons: string[] = [];
    const t = thread((reason) => reasons.push(reason));
    // The worker is gone: what was sent and everything after is decoded here.
    await (t as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const got = await inputs(new BatchDecoding(messages, 1024, t));
    expect(got[0]).toStrictEqual({ points: [[1, 2], [3, null]], position: position(0) });
    expect(got[7]).toStrictEqual({ points: [[0, 0.5]], position: position(7) });
    await inputs(new BatchDecoding(messages, 1024, t));
    expect(reasons).toStrictEqual(['the decode thread exited (code 0)']);
  });
});
