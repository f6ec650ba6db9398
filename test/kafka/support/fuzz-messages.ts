import type { IHeaders } from 'kafkajs';
import { SeededRandom } from '../../../src/em/random.js';
import { BINARY_CONTENT_TYPE, encodeBinaryPoints } from '../../../src/kafka/message-format.js';
import type { AccountedMessage } from './accounted-stream.js';

/**
 * A seeded generator of malformed point messages, each with what it must do to the
 * counts. The expectations follow the documented input rules (README "message
 * formats"; src/io/json-points.ts and src/em/point-validation.ts), restated here
 * independently:
 * - a message that cannot be decoded at all (no value, oversized, unsupported
 *   content-type, invalid JSON, JSON that is not a point / batch / {"points": [...]},
 *   binary without a usable dimension or of a broken length) is ONE refused point;
 * - otherwise each row is a point: refused unless it is an array of exactly d entries,
 *   each a finite number within ±maxAbs or null/NaN (missing), not all missing;
 * - a message with any refused point is dead-lettered whole, its valid points count.
 */
export const FUZZ_DIM = 4;
const MAX_ABS = 1e15;

type Row = unknown;

/** Why one JSON row would be refused, or null when it is a valid point. */
function rowRefused(row: Row, d: number): boolean {
  if (!Array.isArray(row) || row.length !== d) return true;
  let missing = 0;
  for (const v of row) {
    if (v === null) missing++;
    else if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_ABS) return true;
  }
  return missing === d;
}

/** Expected counts of a JSON text, by the rules above. */
export function expectJson(text: string, d: number): { valid: number; refused: number } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { valid: 0, refused: 1 };
  }
  let rows: unknown[];
  if (Array.isArray(value)) {
    if (value.length === 0) return { valid: 0, refused: 1 };
    rows = Array.isArray(value[0]) ? value : [value];
  } else if (value !== null && typeof value === 'object' && 'points' in value && Array.isArray((value as { points: unknown }).points)) {
    rows = (value as { points: unknown[] }).points;
  } else {
    return { valid: 0, refused: 1 };
  }
  const refused = rows.filter((r) => rowRefused(r, d)).length;
  return { valid: rows.length - refused, refused };
}

/** Expected counts of float64 rows of dimension `dim` (NaN missing) for a model of dimension d. */
export function expectBinaryRows(data: Float64Array, dim: number, d: number): { valid: number; refused: number } {
  const n = data.length / dim;
  if (dim !== d) return { valid: 0, refused: n };
  let refused = 0;
  for (let i = 0; i < n; i++) {
    let missing = 0;
    let bad = false;
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j];
      if (Number.isNaN(v)) missing++;
      else if (!Number.isFinite(v) || Math.abs(v) > MAX_ABS) bad = true;
    }
    if (bad || missing === dim) refused++;
  }
  return { valid: n - refused, refused };
}

export interface FuzzOptions {
  readonly seed: number;
  readonly maxMessageBytes: number;
  /** Valid points to draw good coordinates from (n×FUZZ_DIM). */
  readonly goodPoints: Float64Array;
}

/** Generates fuzz messages; `kinds` tallies what was made. */
export class FuzzGenerator {
  readonly kinds = new Map<string, number>();
  private readonly rng: SeededRandom;
  private cursor = 0;

  constructor(private readonly options: FuzzOptions) {
    this.rng = new SeededRandom(options.seed);
  }

  /** A good message of n points, JSON (sometimes with a missing coordinate or a harmless content-type) or binary. */
  good(n: number): AccountedMessage {
    const d = FUZZ_DIM;
    const rows = this.goodRows(n);
    const r = this.rng.uniform();
    if (r < 0.3) {
      const data = Float64Array.from(rows.flat().map((v) => (v === null ? NaN : v)));
      return this.made('good binary', { value: encodeBinaryPoints(data), headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: String(d) }, valid: n, refused: 0 });
    }
    const headers: IHeaders | undefined = r < 0.4 ? { 'content-type': this.pick(['application/json; charset=utf-8', 'Application/JSON', 'text/json']) } : undefined;
    const text = this.rng.uniform() < 0.5 ? JSON.stringify({ points: rows }) : JSON.stringify(rows);
    return this.made('good JSON', { value: Buffer.from(text), ...(headers ? { headers } : {}), valid: n, refused: 0 });
  }

  /** One malformed message of a random kind. */
  bad(): AccountedMessage {
    const kinds: [number, () => AccountedMessage][] = [
      [8, () => this.truncatedJson()],
      [8, () => this.invalidJson()],
      [8, () => this.partlyBad()],
      [6, () => this.wrongDimension()],
      [6, () => this.nonFinite()],
      [6, () => this.numberStrings()],
      [6, () => this.outOfRange()],
      [5, () => this.notPoints()],
      [5, () => this.nestedGarbage()],
      [4, () => this.emptyValue()],
      [5, () => this.binaryNoise(false)],
      [5, () => this.binaryNoise(true)],
      [6, () => this.binaryBadDimension()],
      [4, () => this.binaryBadRows()],
      [5, () => this.wrongContentType()],
      [4, () => this.oversized()],
      [4, () => this.allMissing()],
      [3, () => this.deepNesting()],
      [3, () => this.hugeArrays()],
    ];
    const total = kinds.reduce((s, [w]) => s + w, 0);
    let u = this.rng.uniform() * total;
    for (const [w, make] of kinds) {
      if ((u -= w) < 0) return this.withNoiseHeaders(make());
    }
    return this.withNoiseHeaders(kinds[0][1]());
  }

  // --- kinds -------------------------------------------------------------------------

  private truncatedJson(): AccountedMessage {
    const text = JSON.stringify({ points: this.goodRows(1 + this.rng.int(20)) });
    return this.json('truncated JSON', text.slice(0, 1 + this.rng.int(text.length - 1)));
  }

  private invalidJson(): AccountedMessage {
    const p = this.goodRows(1)[0].map((v) => (v === null ? 'null' : String(v)));
    const templates = [
      `{points: [[${p}]]}`,
      `[[${p}],]`,
      `[${p.join(' ')}]`,
      `[[${p}]]]`,
      `{"points": [[${p}]]`,
      `[NaN, ${p.slice(1)}]`,
      `[Infinity, ${p.slice(1)}]`,
      `[-Infinity, ${p.slice(1)}]`,
      `[0x10, ${p.slice(1)}]`,
      `[${p}] trailing`,
      `'[${p}]'`,
      `[.5, ${p.slice(1)}]`,
      `[01, ${p.slice(1)}]`,
      `\uFEFF[${p}]`,
      `{"points": [[${p}]], }`,
      `[${p}]\u0000`,
      'hello, world',
      '',
      ' ',
      '{"points": [[1, 2, 3, 4]], "points": ',
      'undefined',
    ];
    // '' and ' ' as text: an empty value is its own kind; ' ' is whitespace-only JSON (invalid).
    const text = this.pick(templates.filter((t) => t !== ''));
    return this.json('invalid JSON', text);
  }

  private partlyBad(): AccountedMessage {
    const rows: Row[] = this.goodRows(1 + this.rng.int(30));
    const badRows = 1 + this.rng.int(5);
    for (let i = 0; i < badRows; i++) rows.splice(this.rng.int(rows.length + 1), 0, this.badRow());
    return this.json('partly bad', JSON.stringify(this.rng.uniform() < 0.5 ? { points: rows } : rows), true);
  }

  private wrongDimension(): AccountedMessage {
    const n = 1 + this.rng.int(10);
    const dims = [1, 2, 3, 5, 6, 8, 16];
    const rows = Array.from({ length: n }, () => Array.from({ length: this.pick(dims) }, () => this.coordinate()));
    return this.json('wrong dimension', JSON.stringify(n === 1 && this.rng.uniform() < 0.5 ? rows[0] : { points: rows }));
  }

  private nonFinite(): AccountedMessage {
    const row = this.goodRows(1)[0].map((v) => (v === null ? 'null' : String(v)));
    row[this.rng.int(FUZZ_DIM)] = this.pick(['1e999', '-1e999', '2e308', '-9e999999']);
    return this.json('non-finite (1e999)', `{"points": [[${row.join(', ')}]]}`);
  }

  private numberStrings(): AccountedMessage {
    const row: Row[] = this.goodRows(1)[0];
    row[this.rng.int(FUZZ_DIM)] = this.pick(['NaN', 'Infinity', '-Infinity', '1.5', '', 'null', '0x1p3']);
    return this.json('numbers as strings', JSON.stringify([row]));
  }

  private outOfRange(): AccountedMessage {
    const row: Row[] = this.goodRows(1)[0];
    row[this.rng.int(FUZZ_DIM)] = this.pick([1e308, -1e308, 1e16, -5e15, 1.7976931348623157e308, 1e15 * (1 + 1e-12)]);
    return this.json('out of range (1e308)', JSON.stringify({ points: [row] }));
  }

  private notPoints(): AccountedMessage {
    const text = this.pick(['"hello"', '42', 'true', 'false', 'null', '[]', '{}', '{"x": [[1, 2, 3, 4]]}', '{"points": "nope"}', '{"points": 7}', '{"points": null}', '{"Points": [[1, 2, 3, 4]]}']);
    return this.json('not points', text);
  }

  private nestedGarbage(): AccountedMessage {
    const garbage: Row[] = [[[1, 2], [3, 4]], { a: 1 }, true, 'x', null, [[1], [2], [3], [4]], [{ x: 1 }, 2, 3, 4], [[1, 2, 3, 4]], [1, [2], 3, 4], [true, false, 1, 2], []];
    const rows = Array.from({ length: 1 + this.rng.int(6) }, () => this.pick(garbage));
    return this.json('nested garbage', JSON.stringify({ points: rows }));
  }

  private emptyValue(): AccountedMessage {
    return this.made('empty value', { value: this.rng.uniform() < 0.5 ? null : Buffer.alloc(0), valid: 0, refused: 1 });
  }

  /** Random bytes; with the binary content-type and a dimension, of a length that is not whole rows. */
  private binaryNoise(withContentType: boolean): AccountedMessage {
    const d = FUZZ_DIM;
    let length = 1 + this.rng.int(8000);
    if (withContentType && length % (8 * d) === 0) length++;
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = this.rng.int(256);
    // Never valid UTF-8 JSON by accident: start with a continuation byte.
    if (!withContentType) bytes[0] = 0x80 + this.rng.int(64);
    return this.made(withContentType ? 'binary noise, binary content-type' : 'binary noise, no content-type', {
      value: bytes,
      ...(withContentType ? { headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: String(d) } } : {}),
      valid: 0,
      refused: 1,
    });
  }

  /** Binary rows with a missing, garbage or wrong 'dimension' header. */
  private binaryBadDimension(): AccountedMessage {
    const d = FUZZ_DIM;
    const rows = this.goodRows(1 + this.rng.int(12));
    const data = Float64Array.from(rows.flat().map((v) => (v === null ? NaN : v)));
    const header = this.pick<string | Buffer | undefined>([undefined, 'abc', '0', '-4', '4.5', '65537', '', 'four', 'NaN', 'Infinity', Buffer.from([0xff, 0xfe, 0x00]), '3', '2', '8', '1']);
    const headers: IHeaders = { 'content-type': BINARY_CONTENT_TYPE, ...(header === undefined ? {} : { dimension: header }) };
    const dim = header === undefined ? NaN : Number(Buffer.isBuffer(header) ? header.toString('utf8') : header);
    let expected: { valid: number; refused: number };
    if (!Number.isInteger(dim) || dim < 1 || dim > 65536) expected = { valid: 0, refused: 1 };
    else if (data.length % dim !== 0) expected = { valid: 0, refused: 1 };
    else expected = expectBinaryRows(data, dim, d);
    if (expected.refused === 0) throw new Error(`not a bad message: dimension ${String(header)}`);
    return this.made('binary, bad dimension header', { value: encodeBinaryPoints(data), headers, ...expected });
  }

  /** Binary rows of the right dimension, some with ±Infinity, beyond ±1e15 or all NaN, some pure noise. */
  private binaryBadRows(): AccountedMessage {
    const d = FUZZ_DIM;
    const n = 1 + this.rng.int(20);
    const data = Float64Array.from(this.goodRows(n).flat().map((v) => (v === null ? NaN : v)));
    const bytes = Buffer.from(data.buffer);
    const spoil = 1 + this.rng.int(n);
    for (let s = 0; s < spoil; s++) {
      const i = this.rng.int(n);
      const how = this.rng.int(4);
      if (how === 0) data[i * d + this.rng.int(d)] = this.pick([Infinity, -Infinity]);
      else if (how === 1) data[i * d + this.rng.int(d)] = this.pick([1e300, -1e16, 2e15]);
      else if (how === 2) data.fill(NaN, i * d, i * d + d);
      else for (let b = 0; b < 8 * d; b++) bytes[i * 8 * d + b] = this.rng.int(256); // noise: any bits
    }
    const expected = expectBinaryRows(data, d, d);
    if (expected.refused === 0) {
      data.fill(NaN, 0, d);
      return this.made('binary, bad rows', { value: encodeBinaryPoints(data), headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: String(d) }, ...expectBinaryRows(data, d, d) });
    }
    return this.made('binary, bad rows', { value: encodeBinaryPoints(data), headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: String(d) }, ...expected });
  }

  private wrongContentType(): AccountedMessage {
    const type = this.pick<string | Buffer>(['text/plain', 'application/xml', 'application/octet-stream', 'image/png', 'application/x-online-em-f32le', 'json', 'application/jsonl', Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
    const text = JSON.stringify({ points: this.goodRows(1 + this.rng.int(5)) });
    return this.made('wrong content-type', { value: Buffer.from(text), headers: { 'content-type': type }, valid: 0, refused: 1 });
  }

  private oversized(): AccountedMessage {
    const max = this.options.maxMessageBytes;
    if (this.rng.uniform() < 0.5) {
      let rows = this.goodRows(40);
      while (JSON.stringify({ points: rows }).length <= max) rows = rows.concat(this.goodRows(40));
      return this.made('oversized', { value: Buffer.from(JSON.stringify({ points: rows })), valid: 0, refused: 1 });
    }
    const n = Math.ceil((max + 1) / (8 * FUZZ_DIM)) + this.rng.int(50);
    const data = Float64Array.from(this.goodRows(n).flat().map((v) => (v === null ? NaN : v)));
    return this.made('oversized', { value: encodeBinaryPoints(data), headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: String(FUZZ_DIM) }, valid: 0, refused: 1 });
  }

  private allMissing(): AccountedMessage {
    const n = 1 + this.rng.int(5);
    if (this.rng.uniform() < 0.5) return this.json('every coordinate null', JSON.stringify({ points: Array.from({ length: n }, () => Array(FUZZ_DIM).fill(null)) }));
    const data = new Float64Array(n * FUZZ_DIM).fill(NaN);
    return this.made('every coordinate NaN (binary)', { value: encodeBinaryPoints(data), headers: { 'content-type': BINARY_CONTENT_TYPE, dimension: String(FUZZ_DIM) }, valid: 0, refused: n });
  }

  private deepNesting(): AccountedMessage {
    const depth = 2 + this.rng.int(Math.floor(this.options.maxMessageBytes / 2) - 20);
    const nested = '['.repeat(depth) + ']'.repeat(depth);
    return this.json('deep nesting', this.rng.uniform() < 0.5 ? nested : `{"points": ${nested}}`);
  }

  private hugeArrays(): AccountedMessage {
    const how = this.rng.int(3);
    if (how === 0) return this.json('huge array: one long point', JSON.stringify(Array.from({ length: 200 + this.rng.int(500) }, () => this.rng.int(10))));
    if (how === 1) return this.json('huge array: many empty points', `[${Array(300 + this.rng.int(900)).fill('[]').join(',')}]`);
    return this.json('huge array: many short points', JSON.stringify({ points: Array.from({ length: 300 + this.rng.int(400), }, () => [this.rng.int(10)]) }));
  }

  // --- helpers -----------------------------------------------------------------------

  private badRow(): Row {
    return this.pick<() => Row>([
      () => [1, 2, 3],
      () => [1, 2, 3, 4, 5],
      () => ['a', 1, 2, 3],
      () => [1e308, 0, 0, 0],
      () => [null, null, null, null],
      () => [],
      () => 'x',
      () => 7,
      () => null,
      () => ({ x: 1 }),
      () => [[1], 2, 3, 4],
      () => [true, 1, 2, 3],
    ])();
  }

  /** n valid points (JSON rows), with an occasional missing coordinate. */
  private goodRows(n: number): (number | null)[][] {
    const { goodPoints } = this.options;
    const d = FUZZ_DIM;
    const total = goodPoints.length / d;
    const rows: (number | null)[][] = [];
    for (let i = 0; i < n; i++) {
      const at = this.cursor++ % total;
      const row: (number | null)[] = Array.from(goodPoints.subarray(at * d, at * d + d));
      if (this.rng.uniform() < 0.02) row[this.rng.int(d)] = null;
      rows.push(row);
    }
    return rows;
  }

  private coordinate(): number {
    return Math.round(this.rng.normal() * 1000) / 100;
  }

  private json(kind: string, text: string, partial = false): AccountedMessage {
    const expected = expectJson(text, FUZZ_DIM);
    let value = Buffer.from(text);
    if (value.length > this.options.maxMessageBytes) return this.made(`${kind} (oversized)`, { value, valid: 0, refused: 1 });
    if (expected.refused === 0) throw new Error(`fuzz generator made a good message as '${kind}': ${text.slice(0, 200)}`);
    if (partial && expected.valid === 0) kind = `${kind} (no good point left)`;
    value = Buffer.from(text);
    return this.made(kind, { value, ...expected });
  }

  private made(kind: string, m: { value: Buffer | null; headers?: IHeaders; valid: number; refused: number }): AccountedMessage {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    return { ...m, deadLettered: m.refused > 0, kind };
  }

  /** Some bad messages carry headers of their own (one repeated), which their dead letters must keep. */
  private withNoiseHeaders(m: AccountedMessage): AccountedMessage {
    if (this.rng.uniform() >= 0.2) return m;
    const extra: IHeaders = { 'x-trace': `trace-${this.rng.int(1e9)}`, 'x-repeated': ['first', 'second'] };
    return { ...m, headers: { ...(m.headers ?? {}), ...extra } };
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)];
  }
}
