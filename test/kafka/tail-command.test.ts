import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryHeaders, encodeBinaryPoints } from '../../src/kafka/message-format.js';
import type { TailRecord } from '../../src/kafka/tools/tail-record.js';
import { CLI_MAIN, REPO_ROOT } from '../cli/build-dist.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';
import { createTopic, produce, testBrokers, testKafka, uniqueNames } from './support/kafka-io.js';
import { securedBroker } from './support/secured-broker.js';
import { sendTransactions } from './support/transactions.js';

/**
 * `online-em tail` against the test broker: a topic written in transactions that commit
 * and one that aborts between them; tail shows exactly the committed records, with their
 * keys, headers and decoded values, filtered by --model, stopped by --count or --timeout.
 */

const names = uniqueNames('tail');
const topic = names.input;
const BINARY = Float64Array.of(1.5, NaN, -2, 4);

/** What the committed records should show, by value text (key, headers, decoded value). */
const committed = [
  { key: 'm1', headers: { 'content-type': 'application/json' }, value: '{"points":[[1,2]]}', shown: { points: [[1, 2]] } },
  { key: 'm1/device-7', headers: {}, value: '{"model":"m1","key":"device-7"}', shown: { model: 'm1', key: 'device-7' } },
  { key: null, headers: { 'online-em-model': 'm1', 'online-em-reason': 'bad' }, value: 'not json', shown: 'not json', valueEncoding: 'utf8' },
  { key: 'm2', headers: {}, value: '[3,4]', shown: [3, 4] },
  { key: 'sensor-1', headers: binaryHeaders(2) as Record<string, string>, value: encodeBinaryPoints(BINARY), shown: [[1.5, null], [-2, 4]] },
  { key: 'm2', headers: {}, value: Buffer.from([0xff, 0x00, 0xfe]), shown: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), valueEncoding: 'base64' },
];

beforeAll(async () => {
  await createTopic(topic, 2);
  const messages = committed.map((c) => ({ key: c.key, headers: c.headers, value: c.value, partition: 0 }));
  await sendTransactions([
    { topic, messages: messages.slice(0, 3), outcome: 'commit' },
    { topic, messages: [{ key: 'm1', value: '{"aborted":true}', partition: 0 }, { key: 'm2', value: '{"aborted":true}', partition: 1 }], outcome: 'abort' },
    { topic, messages: messages.slice(3), outcome: 'commit' },
  ]);
});

function lines(stdout: string): TailRecord[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TailRecord);
}

describe('online-em tail', () => {
  it('--from-beginning --timeout: every committed record once, in order, with key, headers and decoded value; no aborted one', async () => {
    const run = await runCli(['tail', '--brokers', testBrokers().join(','), '--topic', topic, '--from-beginning', '--timeout', '1500']);
    expect(run.code, run.stderr).toBe(0);
    const records = lines(run.stdout);
    expect(records.map((r) => ({ key: r.key, headers: r.headers, value: r.value, ...(r.valueEncoding ? { valueEncoding: r.valueEncoding } : {}) }))).toEqual(
      committed.map((c) => ({ key: c.key, headers: c.headers, value: c.shown, ...(c.valueEncoding ? { valueEncoding: c.valueEncoding } : {}) })),
    );
    for (const r of records) {
      expect(r).toMatchObject({ topic, partition: 0 });
      expect(Number.isInteger(r.offset) && r.timestamp > 1.6e12).toBe(true);
    }
    // The aborted record (4) and the transaction markers (3, 5) take offsets of their own.
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 6, 7, 8]);
    expect(run.stdout).not.toContain('aborted');
    expect(run.seconds).toBeLessThan(10);
  });

  it('--model: only the records of the model (key M, M/KEY, or the online-em-model header); --count stops after N', async () => {
    const all = await runCli(['tail', '--brokers', testBrokers().join(','), '--topic', topic, '--from-beginning', '--model', 'm1', '--timeout', '1500']);
    expect(all.code, all.stderr).toBe(0);
    expect(lines(all.stdout).map((r) => r.offset)).toEqual([0, 1, 2]);
    const two = await runCli(['tail', '--brokers', testBrokers().join(','), '--topic', topic, '--from-beginning', '--model', 'm2', '--count', '2']);
    expect(two.code, two.stderr).toBe(0);
    expect(lines(two.stdout).map((r) => [r.key, r.offset])).toEqual([['m2', 6], ['m2', 8]]);
    expect(two.seconds).toBeLessThan(10);
  });

  it('without --from-beginning: only the records written from now on', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'tail', '--brokers', testBrokers().join(','), '--topic', topic, '--count', '1'], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const joined = new Promise<void>((resolve) => child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), stderr.includes('from now on') && resolve())));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      await Promise.race([joined, exited]);
      expect(stderr).toContain(`tailing ${topic} (2 partition(s)) from now on`);
      await produce(topic, [{ key: 'new', value: '{"fresh":true}', partition: 1 }]);
      expect(await exited, stderr).toBe(0);
    } finally {
      clearTimeout(stuck);
      child.kill('SIGKILL');
    }
    expect(lines(stdout).map((r) => [r.key, r.partition, r.value])).toEqual([['new', 1, { fresh: true }]]);
  }, 30_000);

  it('stops cleanly at SIGTERM, and deletes its consumer group, which committed nothing', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'tail', '--brokers', testBrokers().join(','), '--topic', topic, '--from-beginning'], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      // Joined, and everything there is printed (the test before added a record of its own).
      while (!(stderr.includes('group=') && lines(stdout).length >= committed.length)) await new Promise((r) => setTimeout(r, 50));
      const group = /group=(online-em-tail-[\w-]+)/.exec(stderr)?.[1];
      expect(group, stderr).toBeDefined();
      const admin = testKafka().admin();
      await admin.connect();
      try {
        expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(group);
        const offsets = await admin.fetchOffsets({ groupId: group!, topics: [topic] });
        expect(offsets.flatMap((t) => t.partitions.map((p) => p.offset))).toEqual(['-1', '-1']);
        child.kill('SIGTERM');
        expect(await exited, stderr).toBe(0);
        expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(group);
      } finally {
        await admin.disconnect();
      }
    } finally {
      clearTimeout(stuck);
      child.kill('SIGKILL');
    }
    expect(lines(stdout).length).toBeGreaterThanOrEqual(committed.length);
  }, 30_000);

  it('stops quietly when its stdout closes (| head)', async () => {
    // More than a pipe holds: tail is still writing when head has gone, whatever the timing.
    const many = uniqueNames('tail-head').input;
    await createTopic(many, 1);
    await produce(many, Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ points: [[i, i + 0.5, -i]] }) })));
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // tail's own exit code (PIPESTATUS[0]), not head's.
      const script = `"${process.execPath}" "${CLI_MAIN}" tail --brokers ${testBrokers().join(',')} --topic ${many} --from-beginning | head -n 1 >/dev/null; exit "\${PIPESTATUS[0]}"`;
      const child = spawn('bash', ['-c', script], { cwd: REPO_ROOT, env: cleanEnv() });
      const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => (clearTimeout(stuck), resolve({ code, stderr })));
    });
    // head exits after one line; tail, still running (no --count, no --timeout), must notice and end.
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/ERROR|EPIPE|unexpected/);
  }, 30_000);

  it('exits 4 for a topic that does not exist, and 5 when the cluster cannot be reached', async () => {
    const missing = await runCli(['tail', '--brokers', testBrokers().join(','), '--topic', `${topic}-missing`]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/topic .*-missing does not exist/);
    const unreachable = await runCli(['tail', '--brokers', '127.0.0.1:1', '--topic', topic]);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/cannot reach Kafka, giving up: .*brokers 127\.0\.0\.1:1/);
  });

  it('reads over SASL_SSL (SCRAM-SHA-512) with the connection options', async () => {
    const broker = securedBroker();
    const run = await runCli([
      'tail', '--brokers', broker.saslSsl, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'scram-sha-512', '--sasl-username', broker.scram.user, '--ssl-ca', broker.ca,
      '--topic', topic, '--from-beginning', '--model', 'm1', '--count', '3',
    ], { env: { KAFKA_SASL_PASSWORD: broker.scram.password } });
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout).map((r) => r.key)).toEqual(['m1', 'm1/device-7', null]);
    for (const secret of broker.secrets) expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
  });
});
