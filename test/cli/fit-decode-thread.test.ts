import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { ensureDistBuilt } from './build-dist.js';
import { runCli, snapshotsOf, withoutCreatedAt, type CliRun } from './run-cli.js';

/**
 * `fit --decode-thread on` against `off`, whole processes: the same snapshots (createdAt
 * aside) at every minibatch, the same stderr (every rejection, notice and summary, in
 * order), the same --rejects file and exit code, on input with every kind of bad line, in
 * each format and source; and the same one-line errors.
 */

let dir: string;
let points: string[];

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-decode-thread-'));
  const { data } = sampleMixture(randomMixture({ k: 2, dim: 3, seed: 5 }), 3000, 6);
  points = Array.from({ length: 3000 }, (_, i) => JSON.stringify(Array.from(data.subarray(3 * i, 3 * i + 3), (v, j) => (i % 7 === j ? null : v))));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The run at --decode-thread on and off. */
async function both(args: readonly string[], stdin?: string): Promise<[CliRun, CliRun]> {
  const on = await runCli(['fit', '--decode-thread', 'on', ...args], { stdin });
  const off = await runCli(['fit', '--decode-thread', 'off', ...args], { stdin });
  return [on, off];
}

function expectSame(on: CliRun, off: CliRun): void {
  expect(on.code).toBe(off.code);
  expect(on.stderr.replaceAll('rejects-on', 'rejects-off')).toBe(off.stderr);
  expect(snapshotsOf(on).map(withoutCreatedAt)).toStrictEqual(snapshotsOf(off).map(withoutCreatedAt));
}

/** NDJSON with bad lines of every kind: before the first valid point, in runs, alone, and the last. */
function nastyNdjson(): string {
  const bad = ['{not json', '"text"', '[1, "x", 3]', '[1e999, 0, 0]', '[null, null, null]', '[]', '{"points": 3}', `[${'1,'.repeat(200)}1]`, '[1, 2]', '{"a": "b"}'];
  const lines = [bad[0], bad[1], '', ...points.slice(0, 1000), ...bad, `[${points[1000]}, ${points[1001]}]`, `{"points": [${points[1002]}]}`, ...points.slice(1003, 2000)];
  lines.push(bad[2], ...points.slice(2000).map((p, i) => (i % 500 === 0 ? `${p}\r` : p)), bad[8]);
  return `${lines.join('\n')}\n`;
}

describe('fit --decode-thread', () => {
  it('on NDJSON with bad lines of every kind: the same snapshots at every minibatch, rejections and summary', async () => {
    const file = write('nasty.ndjson', nastyNdjson());
    const rejects = [join(dir, 'rejects-on.ndjson'), join(dir, 'rejects-off.ndjson')];
    const args = ['-k', '2', '--batch-size', '50', '--warmup', '300', '--snapshot-every', '1', '--max-line-bytes', '300', file];
    const [on, off] = await both(args);
    expectSame(on, off);
    expect(on.code).toBe(0);
    expect(snapshotsOf(on).length).toBeGreaterThan(50);
    expect(on.stderr).toMatch(/line 1: undecodable: invalid-json/);
    expect(on.stderr).toMatch(/line-too-long/);
    const withFiles = await Promise.all(rejects.map((path, i) => runCli(['fit', '--decode-thread', i === 0 ? 'on' : 'off', '--rejects', path, ...args])));
    expectSame(withFiles[0], withFiles[1]);
    expect(readFileSync(rejects[0], 'utf8')).toBe(readFileSync(rejects[1], 'utf8'));
    expect(readFileSync(rejects[0], 'utf8').split('\n').filter(Boolean)).toHaveLength(14);
  });

  it('from stdin, twice over (--epochs 2), with --dim', async () => {
    const [on, off] = await both(['-k', '2', '--epochs', '2', '--dim', '3', '--snapshot-every', '5'], nastyNdjson());
    expectSame(on, off);
    expect(on.code).toBe(0);
    expect(on.stderr).toMatch(/epoch 2/);
  });

  it('on gzip CSV with a header, empty cells and bad cells, and the notice of the columns chosen', async () => {
    const rows = points.map((p) => (JSON.parse(p) as (number | null)[]).map((v) => (v === null ? '' : String(v))).join(','));
    rows.splice(700, 0, 'a,b,c', '1,2', '1,2,3,4');
    const file = write('points.csv.gz', gzipSync(`x,y,z\n${rows.join('\n')}\n`));
    const [on, off] = await both(['-k', '2', '--snapshot-every', '3', file]);
    expectSame(on, off);
    expect(on.code).toBe(0);
    expect(on.stderr).toMatch(/reading the numeric columns x, y, z/);
  });

  it('NDJSON objects whose fields are chosen by --columns', async () => {
    const lines = points.map((p) => {
      const [x, y, z] = JSON.parse(p) as (number | null)[];
      return JSON.stringify({ id: 'p', z, x, y });
    });
    const [on, off] = await both(['-k', '2', '--columns', 'x,y,z', write('objects.ndjson', `${lines.join('\n')}\n`)]);
    expectSame(on, off);
    expect(on.code).toBe(0);
  });

  it('the same one-line errors: a missing file, --columns the CSV lacks, no valid point', async () => {
    const cases = [
      ['-k', '2', join(dir, 'absent.ndjson')],
      ['-k', '2', '--columns', 'x,w', write('cols.csv', 'x,y\n1,2\n')],
      ['-k', '2', write('none.ndjson', '"x"\n[1, "y"]\n{\n')],
    ];
    for (const args of cases) {
      const [on, off] = await both(args);
      expect(on.code).not.toBe(0);
      expect({ code: on.code, stderr: on.stderr, stdout: on.stdout }).toStrictEqual({ code: off.code, stderr: off.stderr, stdout: off.stdout });
    }
  });
});
