import { describe, expect, it } from 'vitest';
import { RefusedPoint } from '../../../src/em/point-validation.js';
import { ChunkValidator } from '../../../src/io/decode-thread/validated-chunk.js';
import type { PointChunk } from '../../../src/io/point-file.js';
import { FittingSession } from '../../../src/stream/fitting-session.js';
import type { OnlineEmEvent } from '../../../src/stream/online-em-events.js';
import type { PointInput } from '../../../src/stream/point-input.js';
import { mixtureOfType, punchMissing, sampleBatch, toRows } from '../../helpers/fixtures.js';

/**
 * ChunkValidator's runs fed to the engine (float64 rows and RefusedPoints) against the
 * chunk's rows fed as they are: the same snapshots at every minibatch boundary, the same
 * counters, and the same rejections (code, message, line), for chunks with every kind of
 * bad row, before and after the dimension is known.
 */

type Position = { readonly lines: ArrayLike<number> };
const D = 3;

/** What a session reports of a run: the snapshots (createdAt aside), and each rejection with its line. */
function outcome(items: readonly PointInput<Position>[], dim: number | null = null) {
  const session = new FittingSession<Position>({ components: 2, batchSize: 20, warmup: 60, restarts: 2, snapshotEvery: 1, dim }, () => 0);
  const events: OnlineEmEvent<Position>[] = [];
  for (const item of items) events.push(...session.ingest(item));
  events.push(...session.complete(true));
  const rejections: string[] = [];
  const snapshots: unknown[] = [];
  for (const e of events) {
    if (e.type === 'rejected') for (const r of e.rejections) rejections.push(`${e.position!.lines[r.index]} ${r.code}: ${r.message}`);
    if (e.type === 'snapshot') snapshots.push({ ...e.snapshot, createdAt: null });
  }
  return { rejections, snapshots, counters: { ...session.engine.counters } };
}

function rowItems(chunks: readonly PointChunk[]): PointInput<Position>[] {
  return chunks.map((c) => ({ points: c.rows, position: { lines: c.lines } }));
}

function runItems(chunks: readonly PointChunk[], dim: number | null): PointInput<Position>[] {
  const validator = new ChunkValidator(dim, 1e15);
  return chunks.flatMap((chunk) =>
    validator.validate(chunk).runs.map((run) =>
      run.kind === 'accepted'
        ? { data: run.data, dim: run.dim, position: { lines: run.lines } }
        : { points: run.messages.map((m, i) => new RefusedPoint(m, run.codes[i])), position: { lines: run.lines } },
    ),
  );
}

/** Rows cut into chunks of `size`, numbered from line 1. */
function chunksOf(rows: readonly unknown[], size: number): PointChunk[] {
  const chunks: PointChunk[] = [];
  for (let at = 0; at < rows.length; at += size) {
    const part = rows.slice(at, at + size);
    chunks.push({ rows: part, lines: part.map((_, i) => at + i + 1), epoch: 1 });
  }
  return chunks;
}

const good = (n: number, seed: number): unknown[] => {
  const batch = sampleBatch(mixtureOfType(2, D, 'full', seed), n, seed + 1);
  return toRows(punchMissing(batch.data, n, D, 0.2, seed + 2), D).map((row) => row.map((v) => (Number.isNaN(v) ? null : v)));
};

/** Rows refused whatever the dimension. */
const INVALID: unknown[] = [
  new RefusedPoint('invalid-json: not valid JSON (Unexpected token)'),
  'text',
  [1, 'x', 3],
  [1, Infinity, 2],
  [1e300, 0, 0],
  [null, null, null],
  [],
  { x: 1 },
];
/** Also rows that would be valid points of another dimension. */
const BAD: unknown[] = [...INVALID, [1, 2], [1, 2, 3, 4]];

describe('ChunkValidator', () => {
  it('gives the model, counters and rejections of the rows themselves, bad rows scattered among good ones', () => {
    const rows = good(400, 31);
    // Bad rows at the start (before the dimension is known, within the first chunk), in runs, and alone.
    const mixed = [...INVALID.slice(0, 3), ...rows.slice(0, 150), ...BAD, ...rows.slice(150, 151), BAD[4], ...rows.slice(151), [1, 2]];
    for (const size of [7, 64, 1024]) {
      const chunks = chunksOf(mixed, size);
      const expected = outcome(rowItems(chunks));
      expect(outcome(runItems(chunks, null))).toStrictEqual(expected);
      expect(expected.rejections).toHaveLength(3 + BAD.length + 2);
      expect(expected.snapshots.length).toBeGreaterThan(10);
    }
  });

  it('refuses every row of chunks with no valid point for its own reason, until a chunk fixes the dimension', () => {
    const rows = good(200, 41);
    const chunks = [...chunksOf(INVALID, 3), ...chunksOf([INVALID[1], ...rows], 50)];
    const expected = outcome(rowItems(chunks));
    expect(outcome(runItems(chunks, null))).toStrictEqual(expected);
    expect(expected.rejections.slice(0, 3)).toStrictEqual([
      '1 undecodable: invalid-json: not valid JSON (Unexpected token)',
      '2 not-an-array: a point must be an array of numbers, got the string "text"',
      '3 not-a-number: coordinate 1 is the string "x", not a number or null',
    ]);
    expect(expected.counters.rejected).toBe(INVALID.length + 1);
  });

  it('a stray first row of another length sets the dimension for both, as documented for --dim', () => {
    const rows = good(200, 61);
    const chunks = chunksOf([[1, 2], ...rows], 64);
    const expected = outcome(rowItems(chunks));
    expect(outcome(runItems(chunks, null))).toStrictEqual(expected);
    expect(expected.counters.rejected).toBe(200);
  });

  it('with the dimension given (--dim), validates from the first row', () => {
    const rows = good(200, 51);
    const chunks = chunksOf([[9, 9], ...rows], 32);
    const expected = outcome(rowItems(chunks), D);
    expect(outcome(runItems(chunks, D), D)).toStrictEqual(expected);
    expect(expected.rejections[0]).toBe('1 wrong-dimension: expected 3 coordinates, got 2');
  });

  it('keeps the rows in order as runs: accepted float64 rows with their lines, refused rows with theirs', () => {
    const validator = new ChunkValidator(null, 1e15);
    const { runs } = validator.validate({ rows: [[1, 2], 'x', [3, null], [5, 6]], lines: [10, 11, 12, 13], epoch: 2 });
    expect(runs).toHaveLength(3);
    expect(runs[0]).toStrictEqual({ kind: 'accepted', data: Float64Array.of(1, 2), dim: 2, lines: Int32Array.of(10) });
    expect(runs[1]).toStrictEqual({ kind: 'refused', codes: ['not-an-array'], messages: ['a point must be an array of numbers, got the string "x"'], lines: [11] });
    expect(runs[2]).toStrictEqual({ kind: 'accepted', data: Float64Array.of(3, NaN, 5, 6), dim: 2, lines: Int32Array.of(12, 13) });
  });
});
