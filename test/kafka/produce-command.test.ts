import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/kafka/message-format.js';
import { isFloat64Input } from '../../src/stream/point-input.js';
import { runCli } from '../cli/run-cli.js';
import { readTopic, testBrokers, uniqueNames, type ReadMessage } from './support/kafka-io.js';

/**
 * `online-em produce` against the test broker: a CSV with a key column to a fresh topic,
 * read back message by message. Every valid point arrives once, under its key, in file
 * order; the bad lines are reported and not sent.
 */

const KEYS = ['s1', 's2', 's3', 's4', 's5'];
const ROWS = 1000;
const PER_MESSAGE = 40;

let dir: string;
/** The valid points of each key, in file order. */
const expected = new Map<string, number[][]>();
let csvFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'online-em-produce-'));
  const lines = ['time,sensor,x,y'];
  for (let i = 0; i < ROWS; i++) {
    const key = KEYS[(3 * i + Math.floor(i / 7)) % KEYS.length];
    const point = [i / 10, i % 7 === 0 ? null : -i];
    lines.push(`t${i},${key},${point[0]},${point[1] ?? ''}`);
    expected.set(key, [...(expected.get(key) ?? []), point as number[]]);
  }
  // Refused, not sent: a text coordinate, a missing cell, no coordinate at all.
  lines.splice(100, 0, 'bad,s1,abc,1', 'short,s2,1', 'empty,s3,,');
  csvFile = join(dir, 'points.csv');
  writeFileSync(csvFile, `${lines.join('\n')}\n`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The points of a message, JSON or binary (NaN as null). */
function pointsOf(message: ReadMessage): (number | null)[][] {
  const input = decodeMessage(message.value, message.headers, { topic: '', partition: message.partition, offset: message.offset }, 1 << 26);
  if (isFloat64Input(input)) {
    const out: (number | null)[][] = [];
    for (let i = 0; i < input.data.length; i += input.dim) out.push(Array.from(input.data.subarray(i, i + input.dim), (v) => (Number.isNaN(v) ? null : v)));
    return out;
  }
  return (input as { points: (number | null)[][] }).points;
}

async function produceAndRead(format: 'json' | 'binary'): Promise<{ stderr: string; messages: ReadMessage[] }> {
  const topic = uniqueNames(`produce-${format}`).input;
  const run = await runCli([
    'produce', '--brokers', testBrokers().join(','), '--topic', topic, '--partitions', '3', '--key-column', 'sensor',
    '--points-per-message', String(PER_MESSAGE), '--message-format', format, csvFile,
  ]);
  expect(run.code, run.stderr).toBe(0);
  const messageCount = [...expected.values()].reduce((sum, points) => sum + Math.ceil(points.length / PER_MESSAGE), 0);
  const messages = await readTopic(topic, { count: messageCount, timeoutMs: 20_000 });
  expect(messages).toHaveLength(messageCount);
  return { stderr: run.stderr, messages };
}

describe('online-em produce', () => {
  it.each(['json', 'binary'] as const)('sends a keyed CSV (%s): every valid point once, per key in file order, in messages of --points-per-message', async (format) => {
    const { stderr, messages } = await produceAndRead(format);
    // Messages of a key share a partition; reading a partition in offset order gives the key's points in order.
    const byKey = new Map<string, { partition: number; points: (number | null)[][] }>();
    for (const message of [...messages].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset))) {
      expect(KEYS).toContain(message.key);
      const points = pointsOf(message);
      expect(points.length).toBeGreaterThan(0);
      expect(points.length).toBeLessThanOrEqual(PER_MESSAGE);
      const seen = byKey.get(message.key!) ?? { partition: message.partition, points: [] };
      expect(message.partition).toBe(seen.partition);
      seen.points.push(...points);
      byKey.set(message.key!, seen);
    }
    let total = 0;
    for (const key of KEYS) {
      expect(byKey.get(key)?.points, key).toEqual(expected.get(key));
      total += expected.get(key)!.length;
    }
    expect(total).toBe(ROWS);
    const lines = stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('line '))).toEqual([
      'line 101: not-a-number: column "x" is "abc", not a number (an empty cell is a missing coordinate)',
      'line 102: undecodable: csv: the line has 3 cell(s), the header 4',
      'line 103: all-missing: every coordinate is missing',
    ]);
    expect(stderr).toMatch(new RegExp(`produced ${ROWS} point\\(s\\) in ${messages.length} message\\(s\\) to .* with ${KEYS.length} key\\(s\\); 3 point\\(s\\) refused`));
    expect(stderr).toMatch(/reading the numeric columns x, y \(not time\)/);
  });
});
