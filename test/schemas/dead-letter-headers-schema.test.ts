import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { IndexedRejection } from '../../src/em/point-validation.js';
import { DEAD_LETTER_HEADERS, deadLetterFor } from '../../src/kafka/dead-letter.js';
import { decodeMessage, type MessagePosition } from '../../src/kafka/message-format.js';
import { REPO_ROOT } from '../cli/build-dist.js';
import { errorsOf, loadSchema, validator } from './schemas.js';

const strict = validator('dead-letter-headers', { strict: true });
const lenient = validator('dead-letter-headers', { strict: false });
const position: MessagePosition = { topic: 'points', partition: 2, offset: '41' };

function message(value: string, headers: IHeaders = {}): KafkaMessage {
  return { key: Buffer.from('k'), value: Buffer.from(value), headers, timestamp: '0', attributes: 0, offset: position.offset } as KafkaMessage;
}

/** The dead letter the processor makes of a message: its rejections as the engine reports them. */
function deadLetterOf(m: KafkaMessage, dim: number, points: number): Record<string, string> {
  const input = decodeMessage(m.value, m.headers, position, 1 << 20);
  if (!('points' in input)) throw new Error('expected rows');
  const rejections: IndexedRejection[] = [];
  input.points.forEach((p, index) => {
    if (p && typeof p === 'object' && 'code' in p) rejections.push({ index, code: (p as IndexedRejection).code, message: (p as IndexedRejection).message });
    else if (!Array.isArray(p) || p.length !== dim) rejections.push({ index, code: 'wrong-dimension', message: `expected ${dim} coordinates` });
  });
  const headers = deadLetterFor(m, position, rejections, points, 'model-a').headers!;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
}

/** Only online-em's own headers: the original's are copied beside them. */
const own = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('online-em-')));

describe('schemas/dead-letter-headers.schema.json', () => {
  it('the headers of a partly bad message validate (strict)', () => {
    const headers = deadLetterOf(message('[[1, 2], [3], [4, 5], "x"]'), 2, 4);
    expect(strict(headers), errorsOf(strict)).toBe(true);
    expect(headers[DEAD_LETTER_HEADERS.rejectedPoints]).toBe('2');
  });

  it('the headers of an undecodable message validate', () => {
    const headers = deadLetterOf(message('{not json'), 2, 1);
    expect(strict(headers), errorsOf(strict)).toBe(true);
    expect(headers[DEAD_LETTER_HEADERS.code]).toBe('undecodable');
  });

  it('the headers of a dead letter the budget cut validate, with online-em-truncated; the original headers ride along', () => {
    const headers = deadLetterOf(message('[[1, 2], [3]]', { traceparent: 'abc', big: 'b'.repeat(70 * 1024) }), 2, 2);
    expect(headers[DEAD_LETTER_HEADERS.truncated]).toBeDefined();
    expect(strict(own(headers)), errorsOf(strict)).toBe(true);
    expect(lenient(headers), errorsOf(lenient)).toBe(true);
  });

  it('wrong headers fail', () => {
    const good = deadLetterOf(message('[[1, 2], [3]]'), 2, 2);
    for (const bad of [
      { ...good, [DEAD_LETTER_HEADERS.code]: 'bad-vibes' },
      { ...good, [DEAD_LETTER_HEADERS.source]: 'points-41' },
      { ...good, [DEAD_LETTER_HEADERS.acceptedPoints]: 'one' },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== DEAD_LETTER_HEADERS.model)),
    ]) expect(lenient(bad)).toBe(false);
    expect(strict({ ...good, 'online-em-new-header': 'x' })).toBe(false);
  });

  it('names every header of DEAD_LETTER_HEADERS and of the README\'s Dead letters table', () => {
    const properties = Object.keys(loadSchema('dead-letter-headers').properties as object).sort();
    expect(properties).toEqual(Object.values(DEAD_LETTER_HEADERS).sort());
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Dead letters');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const inTable = [...section.matchAll(/^\| ((?:`online-em-[^`]+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((f) => f[1]));
    expect(inTable.sort()).toEqual(properties);
  });
});
