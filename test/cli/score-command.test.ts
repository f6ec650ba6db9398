import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreCommand } from '../../src/cli/score-command.js';
import { paramsFromSnapshot, type MixtureSnapshot } from '../../src/em/snapshot.js';
import { scorePoints } from '../../src/score/score-points.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { expectArrayClose } from '../helpers/assertions.js';
import { punchMissing, toRows } from '../helpers/fixtures.js';
import { directScores } from '../score/direct-scores.js';
import { ensureDistBuilt } from './build-dist.js';
import { fitOk, runCli, type CliRun } from './run-cli.js';

/**
 * `online-em score` as a user runs it, on the snapshots of a real `fit` (one fit, shared):
 * 3-d, 3 components, 3,000 points to fit, 150 to score (25% of their coordinates missing).
 */

const DIM = 3;
const K = 3;
const TOL = { atol: 1e-9 };

interface ScoreLine {
  readonly logLikelihood: number;
  readonly component: number;
  readonly responsibilities: number[];
  readonly anomaly?: boolean;
  readonly refused?: true;
  readonly code?: string;
  readonly line?: number;
}

let dir: string;
let snapshotsFile: string;
let snapshots: MixtureSnapshot[];
let last: MixtureSnapshot;
/** Points with NaN where missing, and the same as NDJSON with null. */
let rows: number[][];
let pointsFile: string;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function ndjson(lines: readonly unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
}

function withNull(row: readonly number[]): (number | null)[] {
  return row.map((v) => (Number.isNaN(v) ? null : v));
}

function linesOf(run: CliRun): ScoreLine[] {
  expect(run.stdout === '' || run.stdout.endsWith('\n')).toBe(true);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ScoreLine);
}

async function scoreOk(args: readonly string[], stdin?: string): Promise<{ run: CliRun; lines: ScoreLine[] }> {
  const run = await runCli(['score', ...args], stdin === undefined ? {} : { stdin });
  if (run.code !== 0) throw new Error(`online-em score ${args.join(' ')} exited with ${run.code}:\n${run.stderr}`);
  return { run, lines: linesOf(run) };
}

/** Each line against the scores computed directly (explicit inverse and determinant) under `snapshot`. */
function expectDirect(lines: readonly ScoreLine[], points: readonly number[][], snapshot: MixtureSnapshot): void {
  const direct = directScores(paramsFromSnapshot(snapshot), points);
  expect(lines).toHaveLength(points.length);
  expectArrayClose(lines.map((l) => l.logLikelihood), direct.logLikelihood, TOL, 'logLikelihood');
  expectArrayClose(lines.flatMap((l) => l.responsibilities), direct.responsibilities.flat(), TOL, 'responsibilities');
  expect(lines.map((l) => l.component)).toEqual(direct.component);
}

beforeAll(async () => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-score-'));
  const { data } = sampleMixture(randomMixture({ k: K, dim: DIM, seed: 3100 }), 3150, 3101);
  const fitRows = toRows(data.subarray(0, 3000 * DIM), DIM);
  const fitted = await fitOk(['-k', String(K), '--seed', '3', '--snapshot-every', '2', write('fit.ndjson', ndjson(fitRows))]);
  snapshotsFile = write('snapshots.ndjson', fitted.run.stdout);
  snapshots = fitted.snapshots;
  last = fitted.final;
  // Each row keeps one coordinate; the other two go with probability 3/8: 25% of all coordinates.
  rows = toRows(punchMissing(data.subarray(3000 * DIM), 150, DIM, 3 / 8, 3102), DIM);
  pointsFile = write('points.ndjson', ndjson(rows.map(withNull)));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('online-em score: scores', () => {
  it("scores every point under the last snapshot of fit's output, as the direct computation does (25% missing)", async () => {
    expect(snapshots.length).toBeGreaterThan(2);
    const missing = rows.flat().filter(Number.isNaN).length / (rows.length * DIM);
    expect(missing).toBeGreaterThan(0.2);
    expect(missing).toBeLessThan(0.3);
    const { run, lines } = await scoreOk(['--snapshot', snapshotsFile, pointsFile]);
    expect(run.stderr).toBe('');
    expectDirect(lines, rows, last);
    for (const line of lines) expect(Object.keys(line)).toEqual(['logLikelihood', 'component', 'responsibilities']);
    // Exactly scorePoints on the snapshot's JSON (numbers round-trip through JSON).
    const library = scorePoints(last, rows.map(withNull));
    expect(lines.map((l) => l.logLikelihood)).toEqual(Array.from(library.logLikelihood));
    // The last snapshot, not an earlier one.
    const first = scorePoints(snapshots[0], rows.map(withNull));
    expect(lines.map((l) => l.logLikelihood)).not.toEqual(Array.from(first.logLikelihood));
  });

  it('complete points from stdin, one of them a batch line', async () => {
    const complete = rows.filter((row) => !row.some(Number.isNaN)).slice(0, 20);
    expect(complete.length).toBe(20);
    const text = ndjson([...complete.slice(0, 10), complete.slice(10)]);
    const { lines } = await scoreOk(['--snapshot', snapshotsFile], text);
    expectDirect(lines, complete, last);
  });

  it('reads points in every input format of fit: CSV with a header (--columns), NDJSON objects, gzip, a BOM', async () => {
    const reference = await scoreOk(['--snapshot', snapshotsFile, pointsFile]);
    const cell = (v: number): string => (Number.isNaN(v) ? '' : String(v));
    const csv = write('points.csv', `\uFEFFid,c,a,b\n${rows.map((r, i) => `p${i},${cell(r[2])},${cell(r[0])},${cell(r[1])}`).join('\n')}\n`);
    const objects = rows.map((r) => ({ a: r[0], b: r[1], c: r[2] }));
    const gz = join(dir, 'objects.ndjson.gz');
    writeFileSync(gz, gzipSync(ndjson(objects.map((o) => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v))))));
    const [fromCsv, fromObjects] = await Promise.all([scoreOk(['--snapshot', snapshotsFile, '--columns', 'a,b,c', csv]), scoreOk(['--snapshot', snapshotsFile, '--columns', 'a,b,c', gz])]);
    expect(fromCsv.run.stdout).toBe(reference.run.stdout);
    expect(fromObjects.run.stdout).toBe(reference.run.stdout);
    // Columns that do not give the snapshot's dimension: one line, exit 2.
    const wrong = await runCli(['score', '--snapshot', snapshotsFile, '--columns', 'a,b', csv]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads a pretty-printed snapshot (with a BOM) and a one-line snapshot object the same', async () => {
    const pretty = write('pretty.json', `\uFEFF${JSON.stringify(last, null, 2)}\n`);
    const oneLine = write('one-line.json', `${JSON.stringify(last)}\n`);
    const reference = await scoreOk(['--snapshot', snapshotsFile, pointsFile]);
    const [a, b] = await Promise.all([scoreOk(['--snapshot', pretty, pointsFile]), scoreOk(['--snapshot', oneLine, pointsFile])]);
    expect(a.run.stdout).toBe(reference.run.stdout);
    expect(b.run.stdout).toBe(reference.run.stdout);
  });

  it('--anomaly-threshold NATS adds "anomaly": logLikelihood < NATS (a negative value as the next argument)', async () => {
    const { lines } = await scoreOk(['--snapshot', snapshotsFile, '--anomaly-threshold', '-6', pointsFile]);
    const flagged = lines.filter((l) => l.anomaly === true).length;
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThan(lines.length);
    for (const line of lines) expect(line.anomaly).toBe(line.logLikelihood < -6);
    const bad = await runCli(['score', '--snapshot', snapshotsFile, '--anomaly-threshold', 'low', pointsFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^online-em: --anomaly-threshold must be .*'low'/);
  });
});

describe('online-em score: bad lines keep the output aligned', () => {
  const input = (good: number[][]): string =>
    ndjson([
      withNull(good[0]),
      'not json',
      [1, 2],
      '',
      [null, null, null],
      [good[1], [1, 'x', 3], good[2]],
      '[1, 2,',
      withNull(good[3]),
    ]);
  /** Input line of each point, and the code of each refused one. */
  const expected: [number, string | null][] = [
    [1, null],
    [2, 'undecodable'],
    [3, 'wrong-dimension'],
    [5, 'all-missing'],
    [6, null],
    [6, 'not-a-number'],
    [6, null],
    [7, 'undecodable'],
    [8, null],
  ];

  function expectAligned(lines: readonly ScoreLine[], good: number[][]): void {
    expect(lines).toHaveLength(expected.length);
    const scored: ScoreLine[] = [];
    expected.forEach(([line, code], i) => {
      if (code === null) {
        expect(lines[i].refused).toBeUndefined();
        scored.push(lines[i]);
      } else {
        expect(lines[i]).toEqual({ refused: true, code, line });
      }
    });
    expectDirect(scored, good.slice(0, 4), last);
  }

  it('writes {"refused": true, "code", "line"} in place and reports each on stderr as fit does', async () => {
    const good = rows.slice(0, 4);
    const { run, lines } = await scoreOk(['--snapshot', snapshotsFile], input(good));
    expectAligned(lines, good);
    const stderr = run.stderr.trimEnd().split('\n');
    expect(stderr.slice(0, -1)).toEqual([
      expect.stringMatching(/^line 2: undecodable: invalid-json: not valid JSON/),
      'line 3: wrong-dimension: expected 3 coordinates, got 2',
      'line 5: all-missing: every coordinate is missing',
      'line 6: not-a-number: coordinate 1 is the string "x", not a number or null',
      expect.stringMatching(/^line 7: undecodable: invalid-json/),
    ]);
    expect(stderr.at(-1)).toBe('online-em: 5 point(s) rejected');
  });

  it('--rejects FILE takes the reports as NDJSON instead', async () => {
    const good = rows.slice(0, 4);
    const rejects = join(dir, 'rejects.ndjson');
    const { run, lines } = await scoreOk(['--snapshot', snapshotsFile, '--rejects', rejects], input(good));
    expectAligned(lines, good);
    expect(run.stderr).toBe(`online-em: 5 point(s) rejected, listed in ${rejects}\n`);
    const reported = readFileSync(rejects, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number; epoch: number; code: string });
    expect(reported.map((r) => [r.line, r.epoch, r.code])).toEqual(expected.filter(([, code]) => code !== null).map(([line, code]) => [line, 1, code]));
  });
});

describe('online-em score: snapshot files that cannot be used are one line each', () => {
  it('reports each problem with the file and what is wrong, exit 2, nothing on stdout', async () => {
    const json = JSON.parse(JSON.stringify(last)) as Record<string, unknown>;
    const subdir = join(dir, 'a-directory');
    mkdirSync(subdir, { recursive: true });
    const cases: [string, string, RegExp][] = [
      ['missing file', join(dir, 'absent.json'), /--snapshot '.*absent\.json' does not exist or is not a file/],
      ['a directory', subdir, /does not exist or is not a file/],
      ['empty file', write('empty.json', ''), /holds no snapshot: .* \(the file is empty\)/],
      ['points, not a snapshot', pointsFile, /holds no snapshot: expected a JSON object with k, dim, covarianceType, weights, means and covariances \(none of its 150 line\(s\) is one\)/],
      ['not JSON', write('text.txt', 'k = 3\nweights = 1\n'), /is not a snapshot: neither one JSON object nor NDJSON lines/],
      ['a JSON array over lines', write('array.json', JSON.stringify([last], null, 2)), /is not a snapshot: it holds JSON but not an object/],
      ['ragged means', write('ragged.json', JSON.stringify({ ...json, means: [[0, 0, 0], [0, 0, 0], [0, 0]] })), /is not a usable snapshot: means\[2\] has 2 entries, expected 3/],
      ['not positive definite', write('npd.json', JSON.stringify({ ...json, covariances: Array.from({ length: K }, () => [[1, 2, 0], [2, 1, 0], [0, 0, 1]]) })), /covariance of component 0 is not positive definite/],
      ['another record', write('other.json', JSON.stringify({ ...json, schema: 'online-em.scores/1' })), /schema "online-em.scores\/1" is not a snapshot this version reads/],
      ['a truncated only line', write('truncated.ndjson', `${JSON.stringify(last).slice(0, 200)}\n`), /is not a snapshot: neither one JSON object nor NDJSON lines/],
    ];
    const runs = await Promise.all(cases.map(([, file]) => runCli(['score', '--snapshot', file, pointsFile])));
    runs.forEach((run, i) => {
      const [label, , message] = cases[i];
      expect(run.code, label).toBe(2);
      expect(run.stdout, label).toBe('');
      expect(run.stderr, label).toMatch(/^online-em: [^\n]*\n$/);
      expect(run.stderr, label).toMatch(message);
    });
  });

  it('a truncated last line of NDJSON: the snapshot before it is used, with a warning', async () => {
    const text = `${readFileSync(snapshotsFile, 'utf8')}${JSON.stringify(last).slice(0, 300)}\n`;
    const { run, lines } = await scoreOk(['--snapshot', write('cut.ndjson', text), pointsFile]);
    expect(run.stderr).toMatch(new RegExp(`^online-em: --snapshot '.*cut\\.ndjson' line ${snapshots.length + 1} is not valid JSON \\(.*\\); using the snapshot on line ${snapshots.length}\\n$`));
    expectDirect(lines, rows, last);
  });

  it('a missing POINTS file, and --snapshot missing, are one-line errors; --help explains the alignment', async () => {
    const [noPoints, noSnapshot, help, usage] = await Promise.all([
      runCli(['score', '--snapshot', snapshotsFile, join(dir, 'absent.ndjson')]),
      runCli(['score', pointsFile]),
      runCli(['score', '--help']),
      runCli(['help']),
    ]);
    expect(noPoints.code).toBe(2);
    expect(noPoints.stderr).toMatch(/^online-em: FILE '.*absent\.ndjson' cannot be read \(ENOENT\): check the path\n$/);
    expect(noSnapshot.code).toBe(2);
    expect(noSnapshot.stderr).toMatch(/^online-em: --snapshot is required/);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Output line i is always input point i');
    expect(help.stdout).toContain('{"refused": true, "code": CODE, "line": N}');
    expect(usage.stdout).toMatch(/^ {2}score {10}/m);
  });
});

describe('online-em score: output flow (in process)', () => {
  /** A slow stdout: each write completes a tick later; records the most bytes it ever held queued. */
  function slowStdout(failAfterWrites = Infinity): { stream: Writable; maxQueued: () => number; bytes: () => number } {
    let maxQueued = 0;
    let bytes = 0;
    let writes = 0;
    const stream = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        writes++;
        bytes += chunk.length;
        setImmediate(() => callback(writes > failAfterWrites ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null));
      },
    });
    const write = stream.write.bind(stream);
    stream.write = ((...args: Parameters<Writable['write']>) => {
      const result = write(...args);
      maxQueued = Math.max(maxQueued, stream.writableLength);
      return result;
    }) as Writable['write'];
    return { stream, maxQueued: () => maxQueued, bytes: () => bytes };
  }

  const sink = (): Writable => new Writable({ write: (_c, _e, callback) => callback() });

  it('waits for stdout to drain between chunks, so memory stays bounded', async () => {
    const many = write('many.ndjson', ndjson(Array.from({ length: 20_000 }, (_, i) => [i % 7, (i % 5) - 2, null])));
    const out = slowStdout();
    expect(await scoreCommand(['--snapshot', snapshotsFile, many], { stdout: out.stream, stderr: sink() })).toBe(0);
    await new Promise<void>((resolve) => out.stream.end(resolve));
    expect(out.bytes()).toBeGreaterThan(2_000_000);
    // One chunk (4,096 lines) at a time, not the whole output.
    expect(out.maxQueued()).toBeLessThan(out.bytes() / 3);
  });

  it('stops quietly when stdout goes away (| head)', async () => {
    const many = join(dir, 'many.ndjson');
    const out = slowStdout(1);
    out.stream.on('error', () => {});
    expect(await scoreCommand(['--snapshot', snapshotsFile, many], { stdout: out.stream, stderr: sink() })).toBe(0);
    expect(out.bytes()).toBeLessThan(out.maxQueued() * 3);
  });
});
