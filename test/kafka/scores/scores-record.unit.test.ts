import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from '../../../src/kafka/message-format.js';
import {
  decodeBinaryScores,
  encodeBinaryScores,
  isBinaryScores,
  jsonScores,
  SCORES_CONTENT_TYPE,
  SCORES_HEADERS,
  scoresMessage,
} from '../../../src/kafka/scores/scores-record.js';
import { sourceOf } from '../../../src/kafka/message-format.js';
import { REFUSED_COMPONENT, WARMING_UP_COMPONENT, type ItemScores } from '../../../src/stream/item-scoring.js';

const position = { topic: 'points', partition: 3, offset: '12345678901234' };

/** Five rows of three components: scored, refused, warming up, scored and flagged, refused with an odd code. */
function sampleScores(): ItemScores {
  const n = 5;
  const k = 3;
  const responsibilities = new Float64Array(n * k);
  responsibilities.set([0.125, 0.75, 0.125], 0);
  responsibilities.set([1 / 3, 1e-300, 2 / 3], 3 * k);
  return {
    n,
    k,
    logLikelihood: new Float64Array([-1.2345678901234567, NaN, NaN, -987.5, NaN]),
    component: new Int32Array([1, REFUSED_COMPONENT, WARMING_UP_COMPONENT, 2, REFUSED_COMPONENT]),
    responsibilities,
    anomaly: new Uint8Array([0, 0, 0, 1, 0]),
    refused: new Map([
      [1, 'non-finite'],
      [4, 'say "why"'],
    ]),
    scored: 2,
    anomalies: 1,
  };
}

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('binary scores record (OEMS)', () => {
  it('round-trips every column: log-likelihoods bit for bit, NaN where unscored, -1 refused, -2 warming up, responsibilities as float32', () => {
    const s = sampleScores();
    const value = encodeBinaryScores(s);
    expect(value.subarray(0, 4).toString('latin1')).toBe('OEMS');
    expect(value[4]).toBe(2);
    expect(value.length).toBe(16 + 8 * 5 + 4 * 15 + 4 * 5 + 5);
    const d = decodeBinaryScores(value);
    expect([d.version, d.n, d.k]).toEqual([2, 5, 3]);
    const responsibilities = d.responsibilities!;
    expect(bits(d.logLikelihood)).toBe(bits(s.logLikelihood));
    expect(Array.from(d.logLikelihood, Number.isNaN)).toEqual([false, true, true, false, true]);
    expect(bits(responsibilities)).toBe(bits(Float64Array.from(s.responsibilities, Math.fround)));
    // float32: within half an ulp (2^-24 relative) of the float64 value; 1e-300 underflows to 0.
    expect(Math.abs(responsibilities[9] - 1 / 3)).toBeLessThanOrEqual((1 / 3) * 2 ** -24);
    expect(Array.from(responsibilities.subarray(0, 3))).toEqual([0.125, 0.75, 0.125]);
    expect(responsibilities[10]).toBe(0);
    expect(Array.from(responsibilities.subarray(3, 9))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(d.component)).toEqual([1, -1, -2, 2, -1]);
    expect(Array.from(d.anomaly)).toEqual([0, 0, 0, 1, 0]);
  });

  it('round-trips an empty record and one whose buffer sits at an odd offset', () => {
    const empty: ItemScores = { ...sampleScores(), n: 0, logLikelihood: new Float64Array(0), component: new Int32Array(0), responsibilities: new Float64Array(0), anomaly: new Uint8Array(0), refused: new Map() };
    const e = decodeBinaryScores(encodeBinaryScores(empty));
    expect([e.n, e.k, e.logLikelihood.length]).toEqual([0, 3, 0]);
    const shifted = Buffer.concat([Buffer.from([7]), encodeBinaryScores(sampleScores())]).subarray(1);
    expect(Array.from(decodeBinaryScores(shifted).component)).toEqual([1, -1, -2, 2, -1]);
  });

  it('without responsibilities: version 3, 13 bytes a point, the other columns as in version 2', () => {
    const s = sampleScores();
    const value = encodeBinaryScores(s, false);
    expect(value[4]).toBe(3);
    expect(value.length).toBe(16 + (8 + 4 + 1) * 5);
    const d = decodeBinaryScores(value);
    const full = decodeBinaryScores(encodeBinaryScores(s));
    expect([d.version, d.n, d.k, d.responsibilities]).toEqual([3, 5, 3, null]);
    expect(bits(d.logLikelihood)).toBe(bits(full.logLikelihood));
    expect(Array.from(d.component)).toEqual(Array.from(full.component));
    expect(Array.from(d.anomaly)).toEqual(Array.from(full.anomaly));
    const shifted = Buffer.concat([Buffer.from([7]), value]).subarray(1);
    expect(Array.from(decodeBinaryScores(shifted).component)).toEqual([1, -1, -2, 2, -1]);
    expect(() => decodeBinaryScores(value.subarray(0, value.length - 1))).toThrow(/does not hold 5 points of 3 components/);
  });

  it('still reads version 1 (float64 responsibilities) bit for bit', () => {
    const s = sampleScores();
    const v1 = Buffer.alloc(16 + 8 * 5 + 8 * 15 + 4 * 5 + 5);
    v1.write('OEMS', 0, 'latin1');
    v1[4] = 1;
    v1.writeUInt32LE(5, 8);
    v1.writeUInt32LE(3, 12);
    let at = 16;
    for (const x of s.logLikelihood) at = v1.writeDoubleLE(x, at);
    for (const x of s.responsibilities) at = v1.writeDoubleLE(x, at);
    for (const c of s.component) at = v1.writeInt32LE(c, at);
    v1.set(s.anomaly, at);
    const d = decodeBinaryScores(v1);
    expect(d.version).toBe(1);
    expect(bits(d.responsibilities!)).toBe(bits(s.responsibilities));
    expect(bits(d.logLikelihood)).toBe(bits(s.logLikelihood));
    expect(Array.from(d.component)).toEqual([1, -1, -2, 2, -1]);
    expect(Array.from(d.anomaly)).toEqual([0, 0, 0, 1, 0]);
  });

  it.each([
    ['an empty buffer', () => Buffer.alloc(0), /OEMS/],
    ['a buffer shorter than the header', () => encodeBinaryScores(sampleScores()).subarray(0, 15), /OEMS/],
    ['a bad magic', () => Buffer.concat([Buffer.from('OEMX'), encodeBinaryScores(sampleScores()).subarray(4)]), /OEMS/],
    ['the binary points format instead', () => Buffer.from(new Float64Array([1, 2, 3]).buffer), /OEMS/],
    ['an unknown version', () => withByte(encodeBinaryScores(sampleScores()), 4, 4), /version 4; this online-em reads versions 1 to 3/],
    ['a truncated body', () => encodeBinaryScores(sampleScores()).subarray(0, 16 + 8 * 5 + 4 * 15 + 4 * 5 + 4), /140 bytes does not hold 5 points of 3 components/],
    ['trailing bytes', () => Buffer.concat([encodeBinaryScores(sampleScores()), Buffer.alloc(1)]), /142 bytes/],
    ['a count that does not match the body', () => withByte(encodeBinaryScores(sampleScores()), 8, 6), /does not hold 6 points/],
  ])('rejects %s', (_, value, message) => {
    expect(() => decodeBinaryScores(value())).toThrow(message);
  });
});

function withByte(buffer: Buffer, at: number, byte: number): Buffer {
  const out = Buffer.from(buffer);
  out[at] = byte;
  return out;
}

describe('JSON scores record', () => {
  it('is {model, source: "topic/partition/offset", points} in row order, refused and warming-up rows marked', () => {
    expect(sourceOf(position)).toBe('points/3/12345678901234');
    const record = JSON.parse(jsonScores(sampleScores(), 'model "a"/b', sourceOf(position)));
    expect(record).toStrictEqual({
      model: 'model "a"/b',
      source: 'points/3/12345678901234',
      points: [
        { logLikelihood: -1.2345678901234567, component: 1, responsibilities: [0.125, 0.75, 0.125], anomaly: false },
        { refused: true, code: 'non-finite' },
        { warmingUp: true },
        { logLikelihood: -987.5, component: 2, responsibilities: [1 / 3, 1e-300, 2 / 3], anomaly: true },
        { refused: true, code: 'say "why"' },
      ],
    });
  });

  it('without responsibilities: the same points less their "responsibilities"', () => {
    const full = JSON.parse(jsonScores(sampleScores(), 'm', 's')) as { points: Record<string, unknown>[] };
    const lean = JSON.parse(jsonScores(sampleScores(), 'm', 's', false)) as { points: Record<string, unknown>[] };
    expect(lean.points).toStrictEqual(full.points.map(({ responsibilities: _, ...rest }) => rest));
    expect(lean.points[0]).toStrictEqual({ logLikelihood: -1.2345678901234567, component: 1, anomaly: false });
  });

  it('keeps every bit of the log-likelihoods and responsibilities (shortest round-trip decimal)', () => {
    const s = sampleScores();
    const record = JSON.parse(jsonScores(s, 'm', 's')) as { points: { logLikelihood?: number; responsibilities?: number[] }[] };
    expect(record.points[0].logLikelihood).toBe(s.logLikelihood[0]);
    expect(record.points[3].responsibilities).toEqual(Array.from(s.responsibilities.subarray(9, 12)));
  });
});

describe('scoresMessage', () => {
  it('JSON: keyed by the input key, content-type JSON, model and source headers', () => {
    const message = scoresMessage(sampleScores(), 'json', 'm1', position, Buffer.from('key-1'));
    expect(message.key).toEqual(Buffer.from('key-1'));
    expect(message.headers).toEqual({ [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE, [SCORES_HEADERS.model]: 'm1', [SCORES_HEADERS.source]: 'points/3/12345678901234' });
    expect(isBinaryScores(message.headers)).toBe(false);
    expect(JSON.parse(String(message.value))).toEqual(JSON.parse(jsonScores(sampleScores(), 'm1', 'points/3/12345678901234')));
  });

  it('binary: the OEMS value, its content-type, the same headers; a null key stays null', () => {
    const message = scoresMessage(sampleScores(), 'binary', 'm1', position, null);
    expect(message.key).toBeNull();
    expect(message.headers).toEqual({ [CONTENT_TYPE_HEADER]: SCORES_CONTENT_TYPE, [SCORES_HEADERS.model]: 'm1', [SCORES_HEADERS.source]: 'points/3/12345678901234' });
    expect(isBinaryScores(message.headers)).toBe(true);
    expect(Buffer.compare(message.value as Buffer, encodeBinaryScores(sampleScores()))).toBe(0);
  });

  it('without responsibilities, in either form', () => {
    expect(Buffer.compare(scoresMessage(sampleScores(), 'binary', 'm1', position, null, false).value as Buffer, encodeBinaryScores(sampleScores(), false))).toBe(0);
    expect(String(scoresMessage(sampleScores(), 'json', 'm1', position, null, false).value)).toBe(jsonScores(sampleScores(), 'm1', 'points/3/12345678901234', false));
  });
});
