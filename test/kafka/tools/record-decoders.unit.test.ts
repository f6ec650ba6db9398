import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { binaryHeaders, encodeBinaryPoints } from '../../../src/kafka/message-format.js';
import { jsonScores, scoresMessage } from '../../../src/kafka/scores/scores-record.js';
import { decodeRecordValue, headersAsText, RECORD_DECODERS, type RecordDecoder } from '../../../src/kafka/tools/record-decoders.js';
import { belongsToModel, tailRecord } from '../../../src/kafka/tools/tail-record.js';
import { REFUSED_COMPONENT, WARMING_UP_COMPONENT, type ItemScores } from '../../../src/stream/item-scoring.js';

/** Three points of two components: scored (flagged), refused, warming up. */
const SCORES: ItemScores = {
  n: 3,
  k: 2,
  logLikelihood: Float64Array.of(-1.5, NaN, NaN),
  component: Int32Array.of(1, REFUSED_COMPONENT, WARMING_UP_COMPONENT),
  responsibilities: Float64Array.of(0.25, 0.75, 0, 0, 0, 0),
  anomaly: Uint8Array.of(1, 0, 0),
  refused: new Map([[1, 'wrong-dimension']]),
  scored: 1,
  anomalies: 1,
};
const POSITION = { topic: 'points', partition: 2, offset: '41' };

describe('record decoders', () => {
  it('parses JSON values', () => {
    expect(decodeRecordValue(Buffer.from('{"points":[[1,null]]}'), { 'content-type': 'application/json' })).toEqual({ value: { points: [[1, null]] } });
    expect(decodeRecordValue(Buffer.from('[1, 2]'), undefined)).toEqual({ value: [1, 2] });
    expect(decodeRecordValue(Buffer.from('"text"'), undefined)).toEqual({ value: 'text' });
  });

  it('shows text that is not JSON as a utf8 string, and bytes that are not UTF-8 as base64', () => {
    expect(decodeRecordValue(Buffer.from('not json: é'), undefined)).toEqual({ value: 'not json: é', valueEncoding: 'utf8' });
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    expect(decodeRecordValue(bytes, { 'content-type': 'application/octet-stream' })).toEqual({ value: bytes.toString('base64'), valueEncoding: 'base64' });
  });

  it('decodes binary points to rows, NaN as null', () => {
    const value = encodeBinaryPoints(Float64Array.of(1, NaN, 3, -4.5, 0, 6));
    expect(decodeRecordValue(value, binaryHeaders(3))).toEqual({ value: [[1, null, 3], [-4.5, 0, 6]] });
    expect(decodeRecordValue(value, binaryHeaders(2))).toEqual({ value: [[1, null], [3, -4.5], [0, 6]] });
  });

  it('shows binary points it cannot decode as base64, saying why', () => {
    const value = encodeBinaryPoints(Float64Array.of(1, 2, 3));
    const decoded = decodeRecordValue(value, binaryHeaders(2));
    expect(decoded).toMatchObject({ value: value.toString('base64'), valueEncoding: 'base64' });
    expect(decoded.valueError).toMatch(/^not binary points: 24 bytes are not a whole number of rows of 2/);
    expect(decodeRecordValue(value, { 'content-type': 'application/x-online-em-f64le' }).valueError).toMatch(/'dimension' header/);
  });

  it('decodes binary scores to the JSON form (model and source from the headers)', () => {
    const binary = scoresMessage(SCORES, 'binary', 'm1', POSITION, 'k');
    const json = JSON.parse(jsonScores(SCORES, 'm1', 'points/2/41')) as { points: Record<string, unknown>[] };
    // The binary form does not carry a refused point's code.
    const { code: _code, ...refused } = json.points[1];
    const decoded = decodeRecordValue(binary.value as Buffer, binary.headers);
    expect(decoded).toEqual({ value: { ...json, points: [json.points[0], refused, json.points[2]] } });
    expect(decoded.value).toEqual({
      model: 'm1',
      source: 'points/2/41',
      points: [{ logLikelihood: -1.5, component: 1, responsibilities: [0.25, 0.75], anomaly: true }, { refused: true }, { warmingUp: true }],
    });
    // The JSON form is plain JSON.
    const asJson = scoresMessage(SCORES, 'json', 'm1', POSITION, 'k');
    expect(decodeRecordValue(asJson.value as Buffer, asJson.headers)).toEqual({ value: json });
  });

  it('decodes binary scores without responsibilities as the JSON form without them', () => {
    const binary = scoresMessage(SCORES, 'binary', 'm1', POSITION, 'k', false);
    expect(decodeRecordValue(binary.value as Buffer, binary.headers)).toEqual({
      value: { model: 'm1', source: 'points/2/41', points: [{ logLikelihood: -1.5, component: 1, anomaly: true }, { refused: true }, { warmingUp: true }] },
    });
  });

  it('shows a truncated binary scores record as base64, saying why', () => {
    const binary = scoresMessage(SCORES, 'binary', 'm1', POSITION, 'k');
    const cut = (binary.value as Buffer).subarray(0, 20);
    expect(decodeRecordValue(cut, binary.headers)).toMatchObject({ valueEncoding: 'base64', valueError: expect.stringMatching(/^not binary scores: /) });
  });

  it('shows a tombstone as null', () => {
    expect(decodeRecordValue(null, undefined)).toEqual({ value: null });
  });

  it('takes the decoders it is given, in order', () => {
    const hex: RecordDecoder = { name: 'hex', claims: () => true, decode: (value) => ({ value: value.toString('hex') }) };
    expect(decodeRecordValue(Buffer.from('{}'), undefined, [hex, ...RECORD_DECODERS])).toEqual({ value: '7b7d' });
  });

  it('gives headers as text, the first of a repeated one', () => {
    expect(headersAsText({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('1'), Buffer.from('2')], d: undefined })).toEqual({ a: 'x', b: 'y', c: '1' });
  });
});

describe('tail records', () => {
  const message = (key: string | null, headers: KafkaMessage['headers'], value: string): KafkaMessage =>
    ({ key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers, offset: '7', timestamp: '1700000000000', attributes: 0, size: 0 }) as KafkaMessage;

  it('is one line of topic, partition, offset, timestamp, key, headers and value', () => {
    expect(tailRecord('t', 3, message('m1', { 'content-type': Buffer.from('application/json') }, '{"a":1}'))).toEqual({
      topic: 't',
      partition: 3,
      offset: 7,
      timestamp: 1700000000000,
      key: 'm1',
      headers: { 'content-type': 'application/json' },
      value: { a: 1 },
    });
    expect(tailRecord('t', 0, message(null, undefined, 'plain'))).toMatchObject({ key: null, headers: {}, value: 'plain', valueEncoding: 'utf8' });
  });

  it('belongs to a model by its key (M or M/KEY) or its online-em-model header', () => {
    expect(belongsToModel(Buffer.from('m1'), undefined, 'm1')).toBe(true);
    expect(belongsToModel(Buffer.from('m1/device-7'), undefined, 'm1')).toBe(true);
    expect(belongsToModel(Buffer.from('device-7'), { 'online-em-model': Buffer.from('m1') }, 'm1')).toBe(true);
    expect(belongsToModel(Buffer.from('m10'), undefined, 'm1')).toBe(false);
    expect(belongsToModel(null, { 'online-em-model': Buffer.from('m2') }, 'm1')).toBe(false);
    expect(belongsToModel(null, undefined, 'm1')).toBe(false);
  });
});
