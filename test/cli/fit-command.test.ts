import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIT_SPECS } from '../../src/cli/fit-command.js';
import { SNAPSHOT_SCHEMA, type MixtureSnapshot } from '../../src/em/snapshot.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { ensureDistBuilt, REPO_ROOT } from './build-dist.js';
import { fitOk, runCli, snapshotsOf, withoutCreatedAt } from './run-cli.js';

/**
 * `online-em fit` as a user runs it: the built CLI in a child process, on NDJSON files
 * and stdin. Data: 3,000 points of a seeded 2-d, 3-component mixture.
 */

const DIM = 2;
const K = 3;
const N = 3000;

let dir: string;
let rows: number[][];
let pointsFile: string;
let pointsText: string;

function ndjson(lines: readonly unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-cli-'));
  const mixture = randomMixture({ k: K, dim: DIM, seed: 5 });
  const { data } = sampleMixture(mixture, N, 6);
  rows = Array.from({ length: N }, (_, i) => Array.from(data.subarray(i * DIM, i * DIM + DIM)));
  pointsText = ndjson(rows);
  pointsFile = write('points.ndjson', pointsText);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectWellFormed(snapshot: MixtureSnapshot): void {
  expect(snapshot.schema).toBe(SNAPSHOT_SCHEMA);
  expect(snapshot.k).toBe(K);
  expect(snapshot.dim).toBe(DIM);
  expect(snapshot.weights).toHaveLength(K);
  expect(snapshot.means).toHaveLength(K);
  expect(snapshot.covariances).toHaveLength(K);
  const weightSum = snapshot.weights.reduce((a, b) => a + b, 0);
  expect(Math.abs(weightSum - 1)).toBeLessThan(1e-9);
  expect(Number.isNaN(Date.parse(snapshot.createdAt))).toBe(false);
}

describe('online-em fit: output', () => {
  it('writes NDJSON snapshots on stdout, the final one last, counting every valid point', async () => {
    const { run, snapshots, final } = await fitOk(['-k', String(K), '--snapshot-every', '2', pointsFile]);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(snapshots.length).toBeGreaterThan(2);
    for (const snapshot of snapshots) expectWellFormed(snapshot);
    expect(final.pointsSeen).toBe(N);
    expect(final.pointsPending).toBe(0);
    expect(final.rejected).toBe(0);
    // Snapshots are in stream order and the final one has seen everything.
    for (let i = 1; i < snapshots.length; i++) {
      expect(snapshots[i].pointsSeen).toBeGreaterThanOrEqual(snapshots[i - 1].pointsSeen);
      expect(snapshots[i].batches).toBeGreaterThanOrEqual(snapshots[i - 1].batches);
    }
    expect(final.logLikelihood.last).not.toBeNull();
    expect(Number.isFinite(final.logLikelihood.average)).toBe(true);
    // Nothing but the final snapshot on a quiet run's stderr.
    expect(run.stderr).toBe('');
  });

  it('--snapshot-every BATCHES sets the cadence (the final snapshot is always written)', async () => {
    const batchSize = 50;
    const every = 10;
    const { snapshots, final } = await fitOk(['-k', String(K), '--batch-size', String(batchSize), '--snapshot-every', String(every), pointsFile]);
    // After the 1,000-point warm-up, 2,000 points make 40 minibatches of 50: a snapshot at
    // exactly every 10th, though the reader hands the operator thousands of lines at once.
    expect(final.batches).toBe((N - 1000) / batchSize);
    expect(snapshots.map((s) => s.batches)).toEqual([10, 20, 30, 40, 40]);
    const many = await fitOk(['-k', String(K), '--batch-size', '10', '--snapshot-every', '20', pointsFile]);
    expect(many.snapshots.map((s) => s.batches)).toEqual([...Array.from({ length: 10 }, (_, i) => 20 * (i + 1)), 200]);
    const sparse = await fitOk(['-k', String(K), '--batch-size', String(batchSize), '--snapshot-every', '1000', pointsFile]);
    expect(sparse.snapshots).toHaveLength(1);
    expect(withoutCreatedAt(sparse.final)).toEqual(withoutCreatedAt(final));
  });

  it('is deterministic: the same seed gives the same snapshots, bit for bit, apart from createdAt', async () => {
    // K = 5 on 3 clusters: the k-means++ restarts of the warm-up really differ.
    const args = ['-k', '5', '--seed', '7', '--snapshot-every', '3', pointsFile];
    const a = await fitOk(args);
    const b = await fitOk(args);
    expect(b.snapshots.map(withoutCreatedAt)).toEqual(a.snapshots.map(withoutCreatedAt));
    expect(a.snapshots.length).toBeGreaterThan(2);
  });

  it('the bundled bin (dist/bin) and the plain tsc output (dist/cli/main.js) write the same snapshots and rejections', async () => {
    const input = write('mixed.ndjson', ndjson([...rows.slice(0, 1500), '[1, "x"]', '{"points": 3}', ...rows.slice(1500)]));
    const args = ['fit', '-k', '5', '--seed', '7', '--snapshot-every', '3', input];
    const bundled = await runCli(args);
    const plain = await runCli(args, { main: join(REPO_ROOT, 'dist', 'cli', 'main.js') });
    expect(bundled.code).toBe(0);
    expect(plain.code).toBe(0);
    expect(snapshotsOf(bundled).map(withoutCreatedAt)).toEqual(snapshotsOf(plain).map(withoutCreatedAt));
    expect(bundled.stderr).toBe(plain.stderr);
    expect(bundled.stderr).toMatch(/line 1501/);
    expect(snapshotsOf(bundled).length).toBeGreaterThan(2);
  });
});

describe('online-em fit: input', () => {
  it('reads stdin when no FILE (or -) is given, with the same result as the file', async () => {
    const fromFile = await fitOk(['-k', String(K), pointsFile]);
    const fromStdin = await fitOk(['-k', String(K)], { stdin: pointsText });
    const fromDash = await fitOk(['-k', String(K), '-'], { stdin: pointsText });
    expect(withoutCreatedAt(fromStdin.final)).toEqual(withoutCreatedAt(fromFile.final));
    expect(withoutCreatedAt(fromDash.final)).toEqual(withoutCreatedAt(fromFile.final));
  });

  it('accepts batch lines [[...], ...] and {"points": [...]} lines, fitting the same points identically', async () => {
    const lines: unknown[] = [];
    for (let i = 0; i < N; ) {
      const size = [1, 7, 300, 64][lines.length % 4];
      const batch = rows.slice(i, i + size);
      // Single points stay bare, the others alternate between the two batch forms.
      lines.push(batch.length === 1 ? batch[0] : lines.length % 2 === 0 ? batch : { points: batch });
      i += size;
    }
    const batched = write('batched.ndjson', ndjson(lines));
    const fromPoints = await fitOk(['-k', String(K), pointsFile]);
    const fromBatches = await fitOk(['-k', String(K), batched]);
    expect(fromBatches.final.pointsSeen).toBe(N);
    expect(withoutCreatedAt(fromBatches.final)).toEqual(withoutCreatedAt(fromPoints.final));
  });

  it('--epochs N replays the file N times, from a file and from stdin', async () => {
    const small = write('small.ndjson', ndjson(rows.slice(0, 600)));
    const { final } = await fitOk(['-k', String(K), '--epochs', '4', small]);
    expect(final.pointsSeen).toBe(2400);
    expect(final.pointsPending).toBe(0);
    // 1,000 points of warm-up, then 1,400 in minibatches of 200.
    expect(final.batches).toBe(7);
    const fromStdin = await fitOk(['-k', String(K), '--epochs', '4'], { stdin: ndjson(rows.slice(0, 600)) });
    expect(withoutCreatedAt(fromStdin.final)).toEqual(withoutCreatedAt(final));
    const once = await fitOk(['-k', String(K), small]);
    expect(once.final.pointsSeen).toBe(600);
  });
});

describe('online-em fit: bad lines', () => {
  /** Lines that must be refused, with the code the report must carry and a word of the reason. */
  const BAD: ReadonlyArray<{ text: string; code: RegExp; reason: RegExp }> = [
    { text: '{not json', code: /undecodable/, reason: /invalid-json|JSON/i },
    { text: '["a", 1]', code: /not-a-number/, reason: /coordinate 0.*string/ },
    { text: '[1, "2"]', code: /not-a-number/, reason: /coordinate 1/ },
    { text: '[1, 2, 3]', code: /wrong-dimension/, reason: /expected 2.*got 3/ },
    { text: '[5]', code: /wrong-dimension/, reason: /expected 2.*got 1/ },
    { text: '[null, null]', code: /all-missing/, reason: /missing/ },
    // JSON has no Infinity, but 1e999 parses as one.
    { text: '[1e999, 0]', code: /non-finite/, reason: /Infinity/ },
    { text: '[0, -1e999]', code: /non-finite/, reason: /Infinity/ },
    { text: '[2e15, 0]', code: /out-of-range/, reason: /coordinate 0/ },
    { text: '"hello"', code: /undecodable/, reason: /not-points|expected a point/ },
    { text: '[]', code: /undecodable/, reason: /empty/ },
    { text: '{"points": 3}', code: /undecodable/, reason: /points/ },
    { text: 'true', code: /undecodable/, reason: /expected a point/ },
    { text: '[{"x": 1}, 2]', code: /not-a-number/, reason: /coordinate 0.*object/ },
  ];

  /** The points file with the bad lines spread through it (the first line is bad too); returns line numbers. */
  function withBadLines(): { text: string; badLines: number[]; validPoints: number } {
    const lines: string[] = [];
    const badLines: number[] = [];
    let next = 0;
    const every = Math.floor(N / BAD.length);
    for (let i = 0; i < N; i++) {
      if (i % every === 0 && next < BAD.length) {
        lines.push(BAD[next++].text);
        badLines.push(lines.length);
      }
      if (i === 1500) lines.push('   '); // a blank line is skipped, not rejected
      lines.push(JSON.stringify(rows[i]));
    }
    // A batch line with one bad row: only that row is refused.
    lines.push(JSON.stringify([[0.5, 0.5], [0.5, 'x'], [0.25, 0.75]]));
    badLines.push(lines.length);
    return { text: lines.join('\n') + '\n', badLines, validPoints: N + 2 };
  }

  it('reports each bad line on stderr with its line number and reason, and never stops', async () => {
    const { text, badLines, validPoints } = withBadLines();
    const file = write('bad.ndjson', text);
    const { run, final } = await fitOk(['-k', String(K), file]);
    expect(final.pointsSeen).toBe(validPoints);
    expect(final.rejected).toBe(BAD.length + 1);
    const reports = run.stderr.split('\n').filter((line) => line.startsWith('line '));
    expect(reports).toHaveLength(BAD.length + 1);
    BAD.forEach((bad, i) => {
      const report = reports[i];
      expect(report.startsWith(`line ${badLines[i]}: `), `report ${i}: ${report}`).toBe(true);
      expect(report, `report for ${bad.text}`).toMatch(bad.code);
      expect(report, `report for ${bad.text}`).toMatch(bad.reason);
    });
    expect(reports[BAD.length]).toMatch(new RegExp(`^line ${badLines[BAD.length]}: not-a-number: coordinate 1`));
    expect(run.stderr).toMatch(new RegExp(`${BAD.length + 1} point\\(s\\) rejected`));
    // Same model as without the bad lines, apart from the three extra points at the end.
    const clean = await fitOk(['-k', String(K), write('clean.ndjson', ndjson([...rows, [0.5, 0.5], [0.25, 0.75]]))]);
    expect({ ...withoutCreatedAt(final), rejected: 0 }).toEqual(withoutCreatedAt(clean.final));
  });

  it('--rejects FILE writes the rejections as NDJSON {line, epoch, code, message}, not on stderr', async () => {
    const { text, badLines } = withBadLines();
    const file = write('bad2.ndjson', text);
    const rejectsFile = join(dir, 'rejects.ndjson');
    const { run, final } = await fitOk(['-k', String(K), '--epochs', '2', '--rejects', rejectsFile, file]);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('line '))).toHaveLength(0);
    expect(run.stderr).toContain(rejectsFile);
    const rejects = readFileSync(rejectsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; epoch: number; code: string; message: string });
    expect(rejects).toHaveLength(2 * badLines.length);
    expect(final.rejected).toBe(2 * badLines.length);
    for (const epoch of [1, 2]) {
      const ofEpoch = rejects.filter((r) => r.epoch === epoch);
      expect(ofEpoch.map((r) => r.line)).toEqual(badLines);
      ofEpoch.slice(0, BAD.length).forEach((r, i) => {
        expect(r.code).toMatch(BAD[i].code);
        expect(`${r.code}: ${r.message}`).toMatch(BAD[i].reason);
      });
    }
    // On stderr, a multi-epoch run says which pass a line was rejected in.
    const onStderr = await fitOk(['-k', String(K), '--epochs', '2', file]);
    expect(onStderr.run.stderr).toMatch(new RegExp(`^line ${badLines[0]} \\(epoch 2\\): `, 'm'));
  });

  it('lists at most 100 rejections on stderr and counts the rest', async () => {
    const text = ndjson([...rows.slice(0, 1500), ...Array.from({ length: 150 }, () => '[1, 2, 3]'), ...rows.slice(1500)]);
    const { run, final } = await fitOk(['-k', String(K), write('many-bad.ndjson', text)]);
    expect(final.rejected).toBe(150);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('line '))).toHaveLength(100);
    expect(run.stderr).toMatch(/150 point\(s\) rejected; the first 100 are listed/);
  });

  it('fails with exit code 2 when no line holds a valid point', async () => {
    const run = await runCli(['fit', '-k', String(K), write('all-bad.ndjson', ndjson(['{oops', '[null, null]', '"x"']))]);
    expect(run.code).toBe(2);
    expect(snapshotsOf(run)).toHaveLength(0);
    expect(run.stderr).toMatch(/^online-em: not enough valid points/m);
  });

  it('fails with exit code 2, and no snapshot, on fewer valid points than components', async () => {
    const run = await runCli(['fit', '-k', '5', write('two-points.ndjson', ndjson(['[1, 2]', '[3, 4]']))]);
    expect(run.code).toBe(2);
    expect(snapshotsOf(run)).toHaveLength(0);
    expect(run.stderr).toMatch(/^online-em: not enough valid points to fit 5 components: it takes at least as many points as components/m);
  });
});

describe('online-em fit: options', () => {
  /** Every option of `fit`, as its help must list it. */
  const OPTIONS = [
    'components', 'covariance', 'batch-size', 'alpha', 't0', 'eta-min', 'half-life', 'change-detection', 'reg-covar', 'warmup',
    'restarts', 'seed', 'min-weight', 'dim', 'threads', 'max-abs', 'no-averaging', 'format', 'columns', 'max-line-bytes', 'snapshot-every', 'epochs', 'rejects',
    'decode-thread', 'progress', 'help',
  ];

  it('--help lists every option and exits 0', async () => {
    for (const args of [['fit', '--help'], ['fit', '-h']]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: online-em fit/);
      const listed = new Set([...run.stdout.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
      expect([...listed].sort()).toEqual([...OPTIONS].sort());
      // ... and every option the parser knows.
      expect(FIT_SPECS.map((spec) => spec.name).filter((name) => !listed.has(name))).toEqual([]);
      expect(run.stdout).toMatch(/-k, --components/);
      expect(run.stdout).toMatch(/-h, --help/);
    }
  });

  it('accepts every listed option', async () => {
    const small = write('accept.ndjson', ndjson(rows.slice(0, 1200)));
    const values: Record<string, string | null> = {
      covariance: 'diag', 'batch-size': '100', alpha: '0.7', t0: '1', 'eta-min': '0.01', 'reg-covar': '1e-5', warmup: '500',
      restarts: '2', seed: '3', 'min-weight': '0.001', 'max-abs': '1e6', 'no-averaging': null, 'snapshot-every': '3', 'change-detection': 'on',
      epochs: '1', rejects: join(dir, 'accept-rejects.ndjson'), progress: null,
    };
    const args = ['-k', String(K), ...Object.entries(values).flatMap(([name, v]) => (v === null ? [`--${name}`] : [`--${name}`, v])), small];
    const { final } = await fitOk(args);
    expect(final.covarianceType).toBe('diag');
    expect(final.pointsSeen).toBe(1200);
    // --half-life switches the schedule to forgetting: a constant step 1 - 2^(-m/h).
    const forgetting = await fitOk(['-k', String(K), '--half-life', '1000', '--batch-size', '100', small]);
    expect(forgetting.final.stepSize).toBeCloseTo(1 - 2 ** (-100 / 1000), 12);
  });

  /** Bad values: exit 2 and one stderr line that names the option and what it accepts. */
  const BAD_VALUES: ReadonlyArray<{ args: string[]; env?: Record<string, string>; mentions: RegExp[] }> = [
    { args: ['-k', '0'], mentions: [/--components/, /integer/, /1 to 1024/] },
    { args: ['-k', '2.5'], mentions: [/--components/, /integer/, /1 to 1024/] },
    { args: ['-k', 'three'], mentions: [/--components/, /integer/, /1 to 1024/] },
    { args: ['-k', '2000'], mentions: [/--components/, /1 to 1024/] },
    { args: ['--covariance', 'banana'], mentions: [/--covariance/, /full, diag, spherical/] },
    { args: ['--batch-size', '0'], mentions: [/--batch-size/, /1 to 1000000/] },
    { args: ['--alpha', '0.5'], mentions: [/--alpha/, /\(0\.5, 1\]/] },
    { args: ['--alpha', '1.5'], mentions: [/--alpha/, /\(0\.5, 1\]/] },
    { args: ['--alpha', 'fast'], mentions: [/--alpha/, /\(0\.5, 1\]/] },
    { args: ['--t0=-1'], mentions: [/--t0/, />= 0/] },
    { args: ['--eta-min', '1'], mentions: [/--eta-min/, /0 to 0\.999999|\[0, 1\)/] },
    { args: ['--half-life', '0'], mentions: [/--half-life/, /> 0/] },
    { args: ['--half-life', 'NaN'], mentions: [/--half-life/, /> 0/] },
    { args: ['--reg-covar=-1e-6'], mentions: [/--reg-covar/, />= 0/] },
    { args: ['--reg-covar', '-1e-6'], mentions: [/--reg-covar/, />= 0/] },
    { args: ['--warmup', '0'], mentions: [/--warmup/, />= 1|from/] },
    { args: ['--warmup', '2'], mentions: [/--warmup/, /3 to/] },
    { args: ['--restarts', '0'], mentions: [/--restarts/, /1 to 1000/] },
    { args: ['--seed=-1'], mentions: [/--seed/, /0 to 4294967295/] },
    { args: ['--seed', '-1'], mentions: [/--seed/, /0 to 4294967295/] },
    { args: ['--seed', '4294967296'], mentions: [/--seed/, /0 to 4294967295/] },
    { args: ['--min-weight=-0.1'], mentions: [/--min-weight/, />= 0|\[0,/] },
    { args: ['--min-weight', '0.5'], mentions: [/--min-weight/, /\[0, 1\/components\)/] },
    { args: ['--max-abs', '0'], mentions: [/--max-abs/, /> 0/] },
    { args: ['--max-abs', 'Infinity'], mentions: [/--max-abs/, /> 0/] },
    { args: ['--snapshot-every', '0'], mentions: [/--snapshot-every/, />= 1/] },
    { args: ['--epochs', '0'], mentions: [/--epochs/, /1 to 100000/] },
    { args: ['--epochs', '1.5'], mentions: [/--epochs/, /1 to 100000/] },
    { args: ['--rejects', ''], mentions: [/--rejects/, /empty/] },
    { args: [], env: { ONLINE_EM_ALPHA: '2' }, mentions: [/ONLINE_EM_ALPHA/, /--alpha/, /\(0\.5, 1\]/] },
    { args: [], env: { ONLINE_EM_COVARIANCE: 'round' }, mentions: [/ONLINE_EM_COVARIANCE/, /--covariance/, /full, diag, spherical/] },
  ];

  it.each(BAD_VALUES.map((c) => [[...c.args, ...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`)].join(' '), c] as const))(
    'rejects %s with exit code 2 and a one-line reason',
    async (_label, bad) => {
      const args = bad.args[0] === '-k' ? ['fit', ...bad.args, pointsFile] : ['fit', '-k', String(K), ...bad.args, pointsFile];
      const run = await runCli(args, bad.env ? { env: bad.env } : {});
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n').filter((line) => line !== '');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^online-em: /);
      for (const pattern of bad.mentions) expect(lines[0]).toMatch(pattern);
    },
  );

  // A negative value after a space is a value too, checked against the range like any other.
  it('explains a negative value given after a space (--t0 -1): the option, the range, or the --t0=-1 form', async () => {
    const run = await runCli(['fit', '-k', String(K), '--t0', '-1', pointsFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--t0/);
    expect(run.stderr).toMatch(/>= 0|--t0=-1/);
  });

  /** Mistakes in the command line itself: exit 2, one line naming the option or the file. */
  const BAD_USAGE: ReadonlyArray<{ args: string[]; mentions: RegExp[] }> = [
    { args: ['fit', pointsFile], mentions: [/--components/, /required/] },
    { args: ['fit', '-k', '3', '--bogus', pointsFile], mentions: [/--bogus/] },
    { args: ['fit', '-k', '3', pointsFile, '--alpha'], mentions: [/--alpha/, /value/] },
    { args: ['fit', '-k', '3', '--no-averaging=yes', pointsFile], mentions: [/--no-averaging/] },
    { args: ['fit', '-k', '3', '/nonexistent/points.ndjson'], mentions: [/\/nonexistent\/points\.ndjson/] },
    { args: ['fit', '-k', '3', pointsFile, pointsFile], mentions: [/FILE/] },
    { args: ['frobnicate'], mentions: [/frobnicate/, /fit/] },
  ];

  it.each(BAD_USAGE.map((c) => [c.args.slice(1).join(' ').replace(pointsFile, 'FILE'), c] as const))(
    'rejects the command line `%s` with exit code 2 and a one-line reason',
    async (_label, bad) => {
      const run = await runCli(bad.args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n').filter((line) => line !== '');
      expect(lines, run.stderr).toHaveLength(1);
      for (const pattern of bad.mentions) expect(lines[0]).toMatch(pattern);
    },
  );
});
