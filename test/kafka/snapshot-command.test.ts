import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { createTopic, testBrokers, uniqueNames } from './support/kafka-io.js';
import { securedBroker } from './support/secured-broker.js';
import { sendTransactions } from './support/transactions.js';

/**
 * `online-em snapshot` against the test broker: a snapshot topic of three partitions with
 * several committed snapshots of two models and of a keyed model's key, and an aborted
 * transaction after them; it prints the latest committed snapshot of the one asked for,
 * which `score --snapshot` reads.
 */

const names = uniqueNames('snapshot');
const topic = names.snapshot;
const dir = mkdtempSync(join(tmpdir(), 'online-em-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 2-d points of two clusters, deterministic. */
const POINTS = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? [Math.sin(i), Math.cos(i)] : [10 + Math.sin(i), -5 + Math.cos(3 * i)]));
let fitted: Record<string, unknown>;
const snapshotOf = (model: string, number: number, key?: string): Record<string, unknown> => ({ ...fitted, model, number, ...(key ? { key } : {}) });
const record = (model: string, number: number, key?: string) => ({ key: key ? `${model}/${key}` : model, value: JSON.stringify(snapshotOf(model, number, key)) });

beforeAll(async () => {
  const fit = await runCli(['fit', '--components', '2', '--seed', '1'], { stdin: `${POINTS.map((p) => JSON.stringify(p)).join('\n')}\n` });
  expect(fit.code, fit.stderr).toBe(0);
  fitted = JSON.parse(fit.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  await createTopic(topic, 3);
  await sendTransactions([
    { topic, messages: [record('A', 1), record('B', 1), record('A', 1, 'k1')], outcome: 'commit' },
    { topic, messages: [record('A', 2), record('B', 2)], outcome: 'commit' },
    { topic, messages: [record('A', 3), record('A', 2, 'k1')], outcome: 'commit' },
    { topic, messages: [record('A', 4), record('A', 3, 'k1')], outcome: 'abort' },
    { topic, messages: [record('B', 3)], outcome: 'commit' },
  ]);
});

function snapshot(args: readonly string[], env: Record<string, string> = {}) {
  return runCli(['snapshot', '--brokers', testBrokers().join(','), '--snapshot-topic', topic, ...args], { env });
}

describe('online-em snapshot', () => {
  it('prints the latest committed snapshot of the model as one line (not an aborted later one, not another model\'s)', async () => {
    const run = await snapshot(['--model', 'A']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual(snapshotOf('A', 3));
    expect(run.seconds).toBeLessThan(10);
    const b = await snapshot(['--model', 'B', '--pretty']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.split('\n').length).toBeGreaterThan(10);
    expect(JSON.parse(b.stdout)).toEqual(snapshotOf('B', 3));
  });

  it('--key: the snapshot of one key of a keyed model (record key MODEL/KEY)', async () => {
    const run = await snapshot(['--model', 'A', '--key', 'k1']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(snapshotOf('A', 2, 'k1'));
  });

  it('feeds score --snapshot', async () => {
    const run = await snapshot(['--model', 'A']);
    const file = join(dir, 'A.json');
    writeFileSync(file, run.stdout);
    const scored = await runCli(['score', '--snapshot', file], { stdin: '[0, 1]\n[10, -5]\n' });
    expect(scored.code, scored.stderr).toBe(0);
    const lines = scored.stdout.trim().split('\n').map((l) => JSON.parse(l) as { logLikelihood: number; component: number });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => Number.isFinite(l.logLikelihood))).toBe(true);
    expect(lines[0].component).not.toBe(lines[1].component);
  });

  it('exits 4 with one line when there is no snapshot: an unknown model or key, an empty topic, only aborted records, no topic', async () => {
    const unknown = await snapshot(['--model', 'C']);
    expect(unknown.code).toBe(4);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`ERROR no snapshot of C in ${topic}`))]);
    expect((await snapshot(['--model', 'A', '--key', 'k2'])).code).toBe(4);

    const empty = uniqueNames('snapshot-empty').snapshot;
    await createTopic(empty, 2);
    const none = await runCli(['snapshot', '--brokers', testBrokers().join(','), '--snapshot-topic', empty, '--model', 'A']);
    expect(none.code, none.stderr).toBe(4);
    expect(none.seconds).toBeLessThan(10);

    // Offsets taken by an aborted record and its marker, and nothing committed: read to the end, not waited on.
    const aborted = uniqueNames('snapshot-aborted').snapshot;
    await createTopic(aborted, 1);
    await sendTransactions([{ topic: aborted, messages: [record('A', 1)], outcome: 'abort' }]);
    const onlyAborted = await runCli(['snapshot', '--brokers', testBrokers().join(','), '--snapshot-topic', aborted, '--model', 'A']);
    expect(onlyAborted.code, onlyAborted.stderr).toBe(4);
    expect(onlyAborted.seconds).toBeLessThan(10);

    const missing = await runCli(['snapshot', '--brokers', testBrokers().join(','), '--snapshot-topic', `${topic}-missing`, '--model', 'A']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/topic .*-missing does not exist/);
  });

  it('reads over SASL_SSL (PLAIN, the connection from the environment)', async () => {
    const broker = securedBroker();
    const env = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: broker.plain.user, KAFKA_SASL_PASSWORD: broker.plain.password, KAFKA_SSL_CA: broker.ca };
    const run = await runCli(['snapshot', '--brokers', broker.saslSsl, '--snapshot-topic', topic, '--model', 'A'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(snapshotOf('A', 3));
    for (const secret of broker.secrets) expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
  });
});
