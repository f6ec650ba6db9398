import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedPoint } from '../../src/em/point-validation.js';
import { CSV_SAMPLE_ROWS } from '../../src/io/csv-decoder.js';
import { PointFileError, readPointChunks, type NoticeKind, type PointChunk, type PointFileOptions } from '../../src/io/point-file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'online-em-point-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface Read {
  readonly rows: unknown[];
  readonly lines: number[];
  readonly keys: (string | null)[];
  readonly epochs: number[];
  readonly chunks: PointChunk[];
  readonly notices: { message: string; kind: NoticeKind }[];
}

async function read(path: string, options: PointFileOptions = {}): Promise<Read> {
  const notices: Read['notices'] = [];
  const chunks: PointChunk[] = [];
  for await (const chunk of readPointChunks(path, { ...options, onNotice: (message, kind) => notices.push({ message, kind }) })) chunks.push(chunk);
  return {
    rows: chunks.flatMap((c) => c.rows),
    lines: chunks.flatMap((c) => c.lines),
    keys: chunks.flatMap((c) => c.keys ?? []),
    epochs: chunks.flatMap((c) => c.rows.map(() => c.epoch)),
    chunks,
    notices,
  };
}

/** A refused row's reason, as fit reports it. */
function reason(row: unknown): string {
  expect(row).toBeInstanceOf(RefusedPoint);
  const r = row as RefusedPoint;
  return `${r.code}: ${r.message}`;
}

describe('readPointChunks: NDJSON', () => {
  it('reads points, batches and {"points"} lines, skipping blank lines, each row with its line', async () => {
    const { rows, lines, notices } = await read(file('a.ndjson', '[1, 2]\n\n[[3, 4], [5, null]]\n{"points": [[7, 8]]}\n'));
    expect(rows).toEqual([[1, 2], [3, 4], [5, null], [7, 8]]);
    expect(lines).toEqual([1, 3, 3, 4]);
    expect(notices).toEqual([]);
  });

  it('refuses a line that is not JSON or holds no points, with the reason', async () => {
    const { rows, lines } = await read(file('b.ndjson', '{oops\n"x"\n[1, 2]\n'));
    expect(reason(rows[0])).toMatch(/^undecodable: invalid-json: not valid JSON/);
    expect(reason(rows[1])).toMatch(/^undecodable: not-points: expected a point/);
    expect(rows[2]).toEqual([1, 2]);
    expect(lines).toEqual([1, 2, 3]);
  });

  it('objects: the numeric fields of the first object, in its order, said once; missing or null fields are missing coordinates', async () => {
    const text = ['{"y": 1, "label": "a", "x": 2}', '{"x": 4, "y": 3, "z": 9}', '{"y": 5}', '{"y": null, "x": 6}', '{"x": "seven", "y": 1}', '{"x": true, "y": 1}'].join('\n');
    const { rows, notices } = await read(file('objects.ndjson', text));
    expect(rows.slice(0, 4)).toEqual([[1, 2], [3, 4], [5, null], [null, 6]]);
    expect(reason(rows[4])).toBe('not-a-number: field "x" is "seven", not a number (null or an absent field is a missing coordinate)');
    expect(reason(rows[5])).toMatch(/^not-a-number: field "x" is true/);
    expect(notices).toEqual([{ kind: 'columns', message: expect.stringMatching(/reading the fields y, x of the NDJSON objects \(the numeric ones of line 1\); --columns/) }]);
  });

  it('objects with --columns: those fields, in that order; an object without numeric fields cannot choose them', async () => {
    const text = '{"a": 1, "b": 2, "c": 3}\n{"c": 30, "a": 10}\n';
    expect((await read(file('cols.ndjson', text), { columns: ['c', 'a'] })).rows).toEqual([[3, 1], [30, 10]]);
    const { rows } = await read(file('nonumeric.ndjson', '{"name": "x"}\n{"v": 2}\n'));
    expect(reason(rows[0])).toMatch(/without numeric fields/);
    expect(rows[1]).toEqual([2]);
  });

  it('keys: an object\'s field (not a coordinate), a {"points"} line\'s field, none for arrays (with one hint)', async () => {
    const text = '{"id": "s1", "v": 1, "w": 2}\n{"id": 7, "v": 3, "w": 4}\n{"points": [[5, 6], [7, 8]], "id": "s2"}\n{"v": 0, "w": 0}\n[1, 1]\n[2, 2]\n';
    const { rows, keys, notices } = await read(file('keys.ndjson', text), { keyColumn: 'id' });
    expect(rows).toEqual([[1, 2], [3, 4], [5, 6], [7, 8], [0, 0], [1, 1], [2, 2]]);
    expect(keys).toEqual(['s1', '7', 's2', 's2', null, null, null]);
    expect(notices.filter((n) => n.kind === 'hint')).toHaveLength(1);
  });

  it('hints once when the input looks like CSV or pretty-printed JSON, besides refusing the lines', async () => {
    const csv = await read(file('looks-csv.ndjson', 'x,y\n1,2\n3,4\n'));
    expect(csv.notices).toEqual([{ kind: 'hint', message: expect.stringMatching(/looks-csv\.ndjson looks like CSV .*; pass --format csv$/) }]);
    expect(csv.rows).toHaveLength(3);
    for (const row of csv.rows) expect(row).toBeInstanceOf(RefusedPoint);
    for (const first of ['[', '{', '  [{"a": 1,']) {
      const pretty = await read(file('pretty.json', `${first}\n  [1, 2],\n  [3, 4]\n]\n`));
      expect(pretty.notices, first).toEqual([{ kind: 'hint', message: expect.stringMatching(/looks like pretty-printed JSON .*jq -c/) }]);
    }
    // Nothing to hint at in good NDJSON, nor in a first line that is merely bad.
    expect((await read(file('fine.ndjson', '[1, 2]\n'))).notices).toEqual([]);
    expect((await read(file('bad-first.ndjson', '[1, 2\n[1, 2]\n'))).notices).toEqual([]);
  });

  it('--dim must match the fields read', async () => {
    await expect(read(file('dim.ndjson', '{"a": 1, "b": 2}\n'), { dim: 3 })).rejects.toThrow(/--dim 3, but 2 field\(s\) are read .* \(a, b\)/);
    await expect(read(file('dim2.ndjson', '[1, 2]\n'), { dim: 3, columns: ['a'] })).rejects.toThrow(PointFileError);
  });
});

describe('readPointChunks: CSV', () => {
  it('default: every numeric column (a column of text is not; one with a stray typo is), said once; empty cells are missing', async () => {
    const text = 'id,x,label,y\n1,0.5,a,1e3\n2,,b,-2\n3,1.5,c,\n';
    const { rows, lines, notices } = await read(file('a.csv', text));
    expect(rows).toEqual([[1, 0.5, 1000], [2, null, -2], [3, 1.5, null]]);
    expect(lines).toEqual([2, 3, 4]);
    expect(notices).toEqual([{ kind: 'columns', message: expect.stringMatching(/a\.csv: reading the numeric columns id, x, y \(not label\); --columns chooses others/) }]);
    // 1 typo in 10 numbers keeps the column (its row is refused); 2 in 10 do not.
    const typo = (bad: number): string => ['a,b', ...Array.from({ length: 10 }, (_, i) => `${i < bad ? 'oops' : i},${i}`)].join('\n');
    const one = await read(file('typo1.csv', typo(1)));
    expect(one.notices[0].message).toMatch(/numeric columns a, b;/);
    expect(reason(one.rows[0])).toMatch(/column "a" is "oops"/);
    const two = await read(file('typo2.csv', typo(2)));
    expect(two.notices[0].message).toMatch(/numeric columns b \(not a\)/);
  });

  it('--columns chooses and orders the columns by name; a name not in the header is a PointFileError', async () => {
    const path = file('b.csv', 'a,b,c\n1,2,3\n4,5,6\n');
    const { rows, notices } = await read(path, { columns: ['c', 'a'] });
    expect(rows).toEqual([[3, 1], [6, 4]]);
    expect(notices).toEqual([]);
    await expect(read(path, { columns: ['a', 'z'] })).rejects.toThrow(/--columns: no column "z" in the CSV header of .*b\.csv \(its columns: a, b, c\)/);
    await expect(read(path, { keyColumn: 'k' })).rejects.toThrow(/--key-column: no column "k"/);
    await expect(read(path, { dim: 2 })).rejects.toThrow(/--dim 2, but 3 column\(s\)/);
  });

  it('refuses a line with another number of cells, a bad quote, or text in a chosen column, with the reason', async () => {
    const text = 'x,y,note\n1,2,"a, quoted, note"\n1,2\n1,2,3,4\n"1,2,x\nabc,2,n\nNA,nan,n\ninf,0,n\n';
    const { rows, lines } = await read(file('c.csv', text), { columns: ['x', 'y'] });
    expect(rows[0]).toEqual([1, 2]);
    expect(reason(rows[1])).toBe('undecodable: csv: the line has 2 cell(s), the header 3');
    expect(reason(rows[2])).toBe('undecodable: csv: the line has 4 cell(s), the header 3');
    expect(reason(rows[3])).toMatch(/^undecodable: csv: unterminated quoted cell 1/);
    expect(reason(rows[4])).toBe('not-a-number: column "x" is "abc", not a number (an empty cell is a missing coordinate)');
    expect(rows[5]).toEqual([null, null]);
    expect(rows[6]).toEqual([Infinity, 0]);
    expect(lines).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('chooses the columns from the first rows only, keeping the line order while it holds them back', async () => {
    const data = Array.from({ length: CSV_SAMPLE_ROWS + 50 }, (_, i) => (i === 3 ? '1,2' : `${i},${i === CSV_SAMPLE_ROWS + 10 ? 'late' : i * 2}`));
    const { rows, lines } = await read(file('d.csv', ['a,b', ...data].join('\n')), { rowsPerChunk: 64 });
    expect(rows).toHaveLength(CSV_SAMPLE_ROWS + 50);
    expect(lines).toEqual(Array.from({ length: CSV_SAMPLE_ROWS + 50 }, (_, i) => i + 2));
    // Text after the sample is a refused row, not a reason to drop the column.
    expect(reason(rows[CSV_SAMPLE_ROWS + 10])).toMatch(/column "b" is "late"/);
    expect(rows[CSV_SAMPLE_ROWS + 11]).toEqual([CSV_SAMPLE_ROWS + 11, 2 * (CSV_SAMPLE_ROWS + 11)]);
  });

  it('keys: the key column (trimmed; empty is none) is never a coordinate, and rows keep their keys', async () => {
    const { rows, keys, notices } = await read(file('k.csv', 'sensor,t,v\n 17 ,1,2\n17,3,4\n,5,6\n"a,b",7,8\n'), { keyColumn: 'sensor' });
    expect(rows).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(keys).toEqual(['17', '17', null, 'a,b']);
    expect(notices[0].message).toMatch(/numeric columns t, v;/);
  });

  it('no numeric column, or a header that cannot be read: a PointFileError; hints for a header of numbers or of JSON', async () => {
    await expect(read(file('text.csv', 'a,b\nx,y\n'))).rejects.toThrow(/no numeric column in the first 1 rows .* pass --columns/);
    await expect(read(file('quote.csv', '"a,b\n1,2\n'))).rejects.toThrow(/CSV header .* is not a CSV line/);
    const headless = await read(file('headless.csv', '1,2\n3,4\n'));
    expect(headless.notices[0]).toEqual({ kind: 'hint', message: expect.stringMatching(/holds numbers, not column names/) });
    expect(headless.rows).toEqual([[3, 4]]);
    const json = await read(file('json.csv', '[1, 2]\n[3, 4]\n'), { columns: null }).catch((e: Error) => e);
    expect(json).toBeInstanceOf(PointFileError);
  });

  it('only a header: no rows', async () => {
    expect((await read(file('empty.csv', 'a,b\n'))).rows).toEqual([]);
    expect((await read(file('nothing.csv', ''))).rows).toEqual([]);
  });
});

describe('readPointChunks: the input', () => {
  it('auto format: by name (.csv, .csv.gz, .ndjson), else by the first line; --format overrides the name', async () => {
    const csv = 'x,y\n1,2\n';
    expect((await read(file('n.csv', csv))).rows).toEqual([[1, 2]]);
    expect((await read(file('n.txt', csv))).rows).toEqual([[1, 2]]);
    expect((await read(file('n.txt.gz', gzipSync(csv)))).rows).toEqual([[1, 2]]);
    expect((await read(file('n.csv.gz', gzipSync(csv)))).rows).toEqual([[1, 2]]);
    expect((await read(file('csv-named.ndjson', csv), { format: 'csv' })).rows).toEqual([[1, 2]]);
    expect((await read(file('n2.txt', '[1, 2]\n'))).rows).toEqual([[1, 2]]);
    expect((await read(file('array.csv', '[1, 2]\n[3, 4]\n'), { format: 'ndjson' })).rows).toEqual([[1, 2], [3, 4]]);
  });

  it('a BOM is skipped, CRLF line ends are fine, gzip is found by its magic number too', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect((await read(file('bom.csv', Buffer.concat([bom, Buffer.from('x,y\r\n1,2\r\n')])))).rows).toEqual([[1, 2]]);
    expect((await read(file('bom.ndjson', Buffer.concat([bom, Buffer.from('[1, 2]\r\n')])))).rows).toEqual([[1, 2]]);
    expect((await read(file('zipped.data', gzipSync('[5, 6]\n')))).rows).toEqual([[5, 6]]);
  });

  it('a corrupt .gz, a missing file, a directory: one-line PointFileErrors', async () => {
    const truncated = gzipSync('[1, 2]\n'.repeat(1000)).subarray(0, 40);
    await expect(read(file('cut.ndjson.gz', truncated))).rejects.toThrow(/cannot decompress .*cut\.ndjson\.gz as gzip/);
    await expect(read(file('not-gzip.ndjson.gz', '[1, 2]\n'))).rejects.toThrow(/cannot decompress/);
    await expect(read(join(dir, 'missing.ndjson'))).rejects.toThrow(/cannot be read \(ENOENT\)/);
    await expect(read(dir)).rejects.toThrow(/is a directory/);
  });

  it('a line over maxLineBytes is one refused row, and reading goes on at the next line', async () => {
    const long = `[${Array.from({ length: 50 }, (_, i) => i).join(', ')}]`;
    const { rows, lines } = await read(file('long.ndjson', `[1, 2]\n${long}\n[3, 4]\n`), { maxLineBytes: 64 });
    expect(rows[0]).toEqual([1, 2]);
    expect(reason(rows[1])).toBe(`undecodable: line-too-long: the line has ${long.length} bytes, more than the limit of 64 (--max-line-bytes)`);
    expect(rows[2]).toEqual([3, 4]);
    expect(lines).toEqual([1, 2, 3]);
  });

  it('epochs: a regular file is read again (the CSV header each time, notices once), with the epoch of each row', async () => {
    const { rows, lines, epochs, notices } = await read(file('e.csv', 'x,y\n1,2\n3,4\n'), { epochs: 3 });
    expect(rows).toEqual([[1, 2], [3, 4], [1, 2], [3, 4], [1, 2], [3, 4]]);
    expect(lines).toEqual([2, 3, 2, 3, 2, 3]);
    expect(epochs).toEqual([1, 1, 2, 2, 3, 3]);
    expect(notices).toHaveLength(1);
  });

  it('chunks hold at most rowsPerChunk rows', async () => {
    const text = Array.from({ length: 100 }, (_, i) => `[${i}]\n`).join('');
    const { chunks } = await read(file('many.ndjson', text), { rowsPerChunk: 30 });
    expect(chunks.map((c) => c.rows.length)).toEqual([30, 30, 30, 10]);
  });
});
