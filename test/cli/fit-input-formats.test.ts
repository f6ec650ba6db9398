import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { CLI_MAIN, ensureDistBuilt, REPO_ROOT } from './build-dist.js';
import { cleanEnv, fitOk, runCli, snapshotsOf, withoutCreatedAt, type CliRun } from './run-cli.js';

/**
 * `online-em fit` on each input format and on each kind of bad input: the same points as
 * CSV, NDJSON objects, gzip, through a FIFO, fit to the same model as the NDJSON arrays.
 * Data: 1,500 points of a seeded 2-d, 2-component mixture.
 */

const N = 1500;
const K = '2';
let dir: string;
let rows: number[][];
let arraysFile: string;
/** The final snapshot of the NDJSON arrays: what every other format must reproduce. */
let reference: ReturnType<typeof withoutCreatedAt>;

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const lines = (items: readonly string[]): string => `${items.join('\n')}\n`;
const csvOf = (header: string, row: (r: number[], i: number) => string): string => lines([header, ...rows.map(row)]);
const stderrLines = (run: CliRun): string[] => run.stderr.split('\n').filter((l) => l !== '');

beforeAll(async () => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-formats-'));
  const { data } = sampleMixture(randomMixture({ k: 2, dim: 2, seed: 21 }), N, 22);
  rows = Array.from({ length: N }, (_, i) => [data[2 * i], data[2 * i + 1]]);
  arraysFile = write('points.ndjson', lines(rows.map((r) => JSON.stringify(r))));
  reference = withoutCreatedAt((await fitOk(['-k', K, arraysFile])).final);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('online-em fit: CSV', () => {
  it('--columns chooses the coordinates by name, in that order, and says nothing more', async () => {
    const file = write('cols.csv', csvOf('label,y,x', (r, i) => `"p,${i}",${r[1]},${r[0]}`));
    const { run, final } = await fitOk(['-k', K, '--columns', 'x,y', file]);
    expect(withoutCreatedAt(final)).toEqual(reference);
    expect(run.stderr).toBe('');
  });

  it('by default reads every numeric column and says which, once', async () => {
    const file = write('default.csv', csvOf('x,name,y', (r, i) => `${r[0]},n${i},${r[1]}`));
    const { run, final } = await fitOk(['-k', K, file]);
    expect(withoutCreatedAt(final)).toEqual(reference);
    expect(stderrLines(run)).toEqual([`${file}: reading the numeric columns x, y (not name); --columns chooses others`]);
  });

  it('refuses a row with the wrong number of cells or a text coordinate, with line and reason', async () => {
    const text = lines(['x,y', ...rows.slice(0, 700).map((r) => r.join(',')), '1,2,3', '4', 'a,5', ...rows.slice(700).map((r) => r.join(','))]);
    const { run, final } = await fitOk(['-k', K, write('bad.csv', text)]);
    expect(final.pointsSeen).toBe(N);
    const reports = stderrLines(run).filter((l) => l.startsWith('line '));
    expect(reports).toEqual([
      'line 702: undecodable: csv: the line has 3 cell(s), the header 2',
      'line 703: undecodable: csv: the line has 1 cell(s), the header 2',
      'line 704: not-a-number: column "x" is "a", not a number (an empty cell is a missing coordinate)',
    ]);
  });

  it('an empty cell is a missing coordinate', async () => {
    const text = csvOf('x,y', (r, i) => (i % 10 === 3 ? `${r[0]},` : i % 10 === 7 ? `,${r[1]}` : r.join(',')));
    const { final } = await fitOk(['-k', K, write('missing.csv', text)]);
    expect(final.pointsSeen).toBe(N);
    expect(final.rejected).toBe(0);
  });

  it('a column named by --columns but not in the header: exit 2, one line naming it and the columns there are', async () => {
    const run = await runCli(['fit', '-k', K, '--columns', 'x,z', write('cols2.csv', 'x,y\n1,2\n')]);
    expect(run.code).toBe(2);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/^online-em: --columns: no column "z" in the CSV header of .*cols2\.csv \(its columns: x, y\)$/)]);
  });
});

describe('online-em fit: NDJSON objects', () => {
  it('without --columns: the numeric fields of the first object, in its order (said once)', async () => {
    const file = write('objects.ndjson', lines(rows.map((r, i) => JSON.stringify({ x: r[0], tag: `t${i}`, y: r[1] }))));
    const { run, final } = await fitOk(['-k', K, file]);
    expect(withoutCreatedAt(final)).toEqual(reference);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/reading the fields x, y of the NDJSON objects/)]);
  });

  it('with --columns: those fields in that order; a non-numeric value is a refused point with a reason', async () => {
    const objects = rows.map((r) => JSON.stringify({ b: r[1], a: r[0], c: 'x' }));
    objects.splice(800, 0, JSON.stringify({ a: 'high', b: 1 }));
    const { run, final } = await fitOk(['-k', K, '--columns', 'a,b', write('objects2.ndjson', lines(objects))]);
    expect(withoutCreatedAt({ ...final, rejected: 0 })).toEqual(reference);
    expect(stderrLines(run)[0]).toBe('line 801: not-a-number: field "a" is "high", not a number (null or an absent field is a missing coordinate)');
  });
});

describe('online-em fit: encodings and sources', () => {
  it('skips a UTF-8 BOM (CSV and NDJSON) and reads CRLF lines', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const csv = write('bom.csv', Buffer.concat([bom, Buffer.from(csvOf('x,y', (r) => r.join(',')).replaceAll('\n', '\r\n'))]));
    expect(withoutCreatedAt((await fitOk(['-k', K, '--columns', 'x,y', csv])).final)).toEqual(reference);
    const ndjson = write('bom.ndjson', Buffer.concat([bom, Buffer.from(lines(rows.map((r) => JSON.stringify(r))))]));
    expect(withoutCreatedAt((await fitOk(['-k', K, ndjson])).final)).toEqual(reference);
  });

  it('decompresses FILE.gz (and .csv.gz is CSV)', async () => {
    const gz = write('points.ndjson.gz', gzipSync(lines(rows.map((r) => JSON.stringify(r)))));
    expect(withoutCreatedAt((await fitOk(['-k', K, gz])).final)).toEqual(reference);
    const csvGz = write('points.csv.gz', gzipSync(csvOf('x,y', (r) => r.join(','))));
    expect(withoutCreatedAt((await fitOk(['-k', K, '--columns', 'x,y', csvGz])).final)).toEqual(reference);
  });

  it('reads a FIFO, and /dev/fd/N of a process substitution, also for several epochs (kept in memory)', async () => {
    const fifo = join(dir, 'points.fifo');
    await new Promise<void>((resolve, reject) => spawn('mkfifo', [fifo]).on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo: ${code}`)))));
    // The writer opens the FIFO once the CLI has it open for reading.
    const writer = spawn('sh', ['-c', `cat '${arraysFile}' > '${fifo}'`]);
    const written = new Promise((resolve) => writer.on('close', resolve));
    const fromFifo = await fitOk(['-k', K, fifo]);
    await written;
    expect(withoutCreatedAt(fromFifo.final)).toEqual(reference);

    const substituted = await new Promise<CliRun>((resolve, reject) => {
      const child = spawn('bash', ['-c', `"${process.execPath}" "${CLI_MAIN}" fit -k ${K} --epochs 2 <(gzip -c '${arraysFile}')`], { cwd: REPO_ROOT, env: cleanEnv() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, seconds: 0 }));
    });
    expect(substituted.code, substituted.stderr).toBe(0);
    const twice = await fitOk(['-k', K, '--epochs', '2', arraysFile]);
    expect(withoutCreatedAt(snapshotsOf(substituted).at(-1)!)).toEqual(withoutCreatedAt(twice.final));
    expect(twice.final.pointsSeen).toBe(2 * N);
  });

  it('a directory as FILE: exit 2, one line', async () => {
    const run = await runCli(['fit', '-k', K, dir]);
    expect(run.code).toBe(2);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/^online-em: FILE '.*' is a directory/)]);
  });
});

describe('online-em fit: bad input', () => {
  it('--dim fixes the dimension: a stray first line is one rejection, not the end of the fit', async () => {
    const file = write('stray.ndjson', lines(['[0, 0, 0]', ...rows.map((r) => JSON.stringify(r))]));
    // Without --dim the stray line sets d = 3 and every real point is refused.
    const unfixed = await runCli(['fit', '-k', K, file]);
    expect(unfixed.code).toBe(2);
    expect(unfixed.stderr).toMatch(new RegExp(`${N} point\\(s\\) rejected`));
    const { run, final } = await fitOk(['-k', K, '--dim', '2', file]);
    expect(withoutCreatedAt({ ...final, rejected: 0 })).toEqual(reference);
    expect(final.rejected).toBe(1);
    expect(stderrLines(run)[0]).toBe('line 1: wrong-dimension: expected 2 coordinates, got 3');
    // --dim must match the columns a CSV gives.
    const csvRun = await runCli(['fit', '-k', K, '--dim', '3', write('dim.csv', 'x,y\n1,2\n')]);
    expect(csvRun.code).toBe(2);
    expect(stderrLines(csvRun)).toEqual([expect.stringMatching(/^online-em: --dim 3, but 2 column\(s\) are read from .*dim\.csv \(x, y\)/)]);
  });

  it('a CSV read as NDJSON: one hint line saying what to pass, besides the rejections', async () => {
    const file = write('table.ndjson', csvOf('x,y', (r) => r.join(',')));
    const run = await runCli(['fit', '-k', K, file]);
    expect(run.code).toBe(2);
    const hints = stderrLines(run).filter((l) => l.startsWith('hint: '));
    expect(hints).toEqual([`hint: ${file} looks like CSV (its first line has commas and no brackets); pass --format csv`]);
    expect(stderrLines(run).filter((l) => l.startsWith('line '))).toHaveLength(100);
    // As the hint says:
    expect(withoutCreatedAt((await fitOk(['-k', K, '--format', 'csv', file])).final)).toEqual(reference);
  });

  it('pretty-printed JSON: one hint line (jq -c), besides the rejections', async () => {
    const file = write('pretty.json', JSON.stringify(rows, null, 2));
    const run = await runCli(['fit', '-k', K, file]);
    expect(run.code).toBe(2);
    expect(stderrLines(run).filter((l) => l.startsWith('hint: '))).toEqual([
      `hint: ${file} looks like pretty-printed JSON (its first line is "["): NDJSON needs one point, batch or object per line (jq -c '.[]' ${file} writes that)`,
    ]);
  });

  it('a line longer than --max-line-bytes is one rejected line; the lines after it are fitted', async () => {
    const long = JSON.stringify(Array.from({ length: 400 }, () => rows[0]));
    const file = write('long.ndjson', lines([...rows.slice(0, 500).map((r) => JSON.stringify(r)), long, ...rows.slice(500).map((r) => JSON.stringify(r))]));
    const { run, final } = await fitOk(['-k', K, '--max-line-bytes', '1000', file]);
    expect(withoutCreatedAt({ ...final, rejected: 0 })).toEqual(reference);
    expect(stderrLines(run)[0]).toBe(`line 501: undecodable: line-too-long: the line has ${long.length} bytes, more than the limit of 1000 (--max-line-bytes)`);
    const bad = await runCli(['fit', '-k', K, '--max-line-bytes', '0', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-line-bytes must be an integer/);
  });

  it('a line of 100 MB, with the default limit (64 MiB): one rejected line, read in bounded memory, not a crash', async () => {
    const file = join(dir, 'huge.ndjson');
    const out = createWriteStream(file);
    const piece = Buffer.from('1.2345678901234567,'.repeat(52_429)); // ~1 MB
    out.write(`${rows.slice(0, 500).map((r) => JSON.stringify(r)).join('\n')}\n[`);
    for (let i = 0; i < 100; i++) if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    out.write(`1]\n${rows.slice(500).map((r) => JSON.stringify(r)).join('\n')}\n`);
    await new Promise<void>((resolve) => out.end(() => resolve()));
    try {
      const { run, final } = await fitOk(['-k', K, file]);
      expect(withoutCreatedAt({ ...final, rejected: 0 })).toEqual(reference);
      expect(stderrLines(run)[0]).toBe(`line 501: undecodable: line-too-long: the line has ${100 * piece.length + 3} bytes, more than the limit of 67108864 (--max-line-bytes)`);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
