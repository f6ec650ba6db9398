import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CONNECTION_REFUSED } from '../../src/kafka/connection/connection-failure.js';
import { runCli } from '../cli/run-cli.js';
import { createTopic, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess, processorArgs } from './support/processor-process.js';
import { readAllRecords, readCommittedSnapshots } from './support/reliability.js';
import { securedBroker } from './support/secured-broker.js';

/**
 * `run` and `demo-producer` against the test broker's secured listeners: SASL_SSL with
 * SCRAM-SHA-512 and PLAIN, mTLS, a client properties file; the failures retrying cannot
 * fix; and that no secret appears in any output, topic or metric.
 */
const broker = securedBroker();
const temp = mkdtempSync(join(tmpdir(), 'online-em-secured-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
/** Everything the commands printed, for the secrets check at the end. */
const outputs: string[] = [];

const scram = ['--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'scram-sha-512', '--sasl-username', broker.scram.user, '--ssl-ca', broker.ca];
const plainEnv = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: broker.plain.user, KAFKA_SASL_PASSWORD: broker.plain.password, KAFKA_SSL_CA: broker.ca };
/** mTLS with the encrypted client key and its passphrase on the command line (searched for in every output at the end). */
const mtls = ['--security-protocol', 'SSL', '--ssl-ca', broker.ca, '--ssl-cert', broker.clientCert, '--ssl-key', broker.clientKeyEncrypted, '--ssl-key-password', broker.keyPassword];
/** A wrong password, also a secret that must never be printed. */
const WRONG_PASSWORD = 'not-the-password';
const ENGINE = ['--components', '3', '--warmup', '2000', '--snapshot-interval', '300'];

/** `online-em ARGS` to the end (runCli); what it printed is kept for the secrets check. */
async function command(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const run = await runCli(args, { env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env } });
  const output = `${run.stdout}${run.stderr}`;
  outputs.push(output);
  return { code: run.code, output };
}

function passwordFile(name: string, password: string): string {
  const path = join(temp, name);
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  return path;
}

/** A demo stream of `points` points over SASL_SSL PLAIN, its password from a mounted file. */
function demoProducer(topic: string, points: number, rate: number) {
  return command([
    'demo-producer', '--brokers', broker.saslSsl, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'plain',
    '--sasl-username', broker.plain.user, '--sasl-password-file', passwordFile('plain-password', broker.plain.password), '--ssl-ca', broker.ca,
    '--topic', topic, '--count', String(points), '--rate', String(rate), '--points-per-message', '250', '--bad-fraction', '0.05', '--log-level', 'debug',
  ]);
}

/**
 * What the demo producer wrote: its messages, the points of the good ones (2-d rows of
 * finite numbers under "points"), and the bad ones (none of whose points is valid).
 */
async function inputAccount(topic: string): Promise<{ messages: number; goodPoints: number; bad: number }> {
  let goodPoints = 0;
  let bad = 0;
  const records = await readAllRecords(topic);
  for (const r of records) {
    let rows: unknown = null;
    try {
      rows = (JSON.parse(r.value!.toString('utf8')) as { points?: unknown }).points;
    } catch {
      // not JSON: a bad message
    }
    const good = Array.isArray(rows) && rows.every((row) => Array.isArray(row) && row.length === 2 && row.every((x) => typeof x === 'number' && Number.isFinite(x)));
    if (good) goodPoints += (rows as unknown[]).length;
    else bad++;
  }
  return { messages: records.length, goodPoints, bad };
}

/** `read()` again every 250 ms until `done` holds or `timeoutMs` passes; the last value read. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function finish(proc: ProcessorProcess): Promise<void> {
  proc.kill('SIGTERM');
  const exit = await proc.exited;
  outputs.push(proc.output);
  expect(exit.code).toBe(0);
}

describe('secured connections', () => {
  it('SCRAM-SHA-512 over SASL_SSL fits a live stream end to end; a SIGKILL and restart keep the counts exact', async () => {
    const names = uniqueNames('scram');
    await createTopic(names.input);
    // The producer runs throughout: 40,000 points at 4,000 points/s, about 10 s, over SASL_SSL PLAIN.
    const producing = demoProducer(names.input, 40_000, 4000);
    const args = processorArgs(names, broker.saslSsl, [...scram, '--sasl-password', broker.scram.password, ...ENGINE, '--log-level', 'debug', '--metrics-port', '0', '--metrics-host', '127.0.0.1']);
    const first = new ProcessorProcess(args);
    await first.waitForEvent('committed', (e) => e.snapshot !== null, 120_000);
    first.kill('SIGKILL');
    await first.exited;
    outputs.push(first.output);
    const second = new ProcessorProcess(args);
    const restored = await second.waitForEvent('restored', undefined, 120_000);
    expect(restored.source).toBe('committed');
    const produced = await producing;
    expect(produced.code).toBe(0);
    const metricsLine = await second.waitForRecord((r) => /^metrics on http/.test(r.message), 30_000);
    const url = /^metrics on (\S+)\/metrics/.exec(metricsLine.message)![1];
    // Every good point once, every bad message dead-lettered once, counted from the input topic itself.
    const input = await inputAccount(names.input);
    expect(input.messages).toBeGreaterThan(100);
    expect(input.bad).toBeGreaterThan(0);
    const committed = await second.waitForEvent('committed', (e) => e.snapshot !== null && e.counters.messages === input.messages, 120_000);
    expect(committed.snapshot!.pointsSeen).toBe(input.goodPoints);
    expect(committed.counters.deadLettered).toBe(input.bad);
    // The commit returned, but the transaction markers reach the partitions a moment later:
    // until then a read_committed reader sees nothing of it.
    expect(await eventually(async () => (await readAllRecords(names.deadLetter)).length, (n) => n === input.bad, 15_000)).toBe(input.bad);
    outputs.push(await (await fetch(`${url}/metrics`)).text());
    await finish(second);
    const snapshots = await readCommittedSnapshots(names.snapshot);
    expect(snapshots.at(-1)!.input).toEqual({ messages: input.messages, deadLettered: input.bad });
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i].pointsSeen).toBeGreaterThanOrEqual(snapshots[i - 1].pointsSeen);
    for (const topic of [names.snapshot, names.state, names.deadLetter]) {
      for (const r of await readAllRecords(topic)) outputs.push(`${r.key?.toString() ?? ''} ${r.value?.toString('latin1') ?? ''} ${JSON.stringify(r.headers)}`);
    }
  });

  it.each([
    ['PLAIN over SASL_SSL (credentials from the environment)', broker.saslSsl, [] as string[], plainEnv],
    ['mTLS (a client certificate)', broker.ssl, mtls, {}],
  ])('%s publishes snapshots', async (_name, address, flags, env) => {
    const names = uniqueNames('secured');
    await createTopic(names.input);
    expect((await demoProducer(names.input, 5_000, 100_000)).code).toBe(0);
    const proc = new ProcessorProcess(processorArgs(names, address, [...flags, ...ENGINE, '--log-level', 'debug']), env);
    const input = await inputAccount(names.input);
    const committed = await proc.waitForEvent('committed', (e) => e.snapshot !== null && e.counters.messages === input.messages, 120_000);
    expect([committed.snapshot!.pointsSeen, committed.counters.deadLettered]).toEqual([input.goodPoints, input.bad]);
    await finish(proc);
    expect((await readCommittedSnapshots(names.snapshot)).length).toBeGreaterThan(0);
  });

  it('--kafka-config reads a client.properties file with a sasl.jaas.config line, and lists the keys it does not use', async () => {
    const names = uniqueNames('properties');
    await createTopic(names.input);
    expect((await demoProducer(names.input, 5_000, 100_000)).code).toBe(0);
    const file = join(temp, 'client.properties');
    writeFileSync(
      file,
      [
        '# as a managed service hands it out',
        `bootstrap.servers=${broker.saslSsl}`,
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${broker.scram.user}" password="${broker.scram.password}";`,
        `ssl.ca.location=${broker.ca}`,
        'session.timeout.ms=45000',
        'acks=all',
      ].join('\n'),
    );
    const args = processorArgs(names, broker.saslSsl, ['--kafka-config', file, ...ENGINE, '--log-level', 'debug']).filter((a, i, all) => a !== '--brokers' && all[i - 1] !== '--brokers');
    const proc = new ProcessorProcess(args);
    const input = await inputAccount(names.input);
    await proc.waitForEvent('committed', (e) => e.snapshot !== null && e.counters.messages === input.messages, 120_000);
    await finish(proc);
    const warnings = proc.warnings().map((r) => r.message);
    expect(warnings).toEqual([`--kafka-config ${file}: ignoring keys online-em does not use: session.timeout.ms, acks`]);
  });

  it.each([
    ['a wrong password', broker.saslSsl, [...scram, '--sasl-password', WRONG_PASSWORD], 'credentials', /the cluster refused the login .*check --sasl-username and the password/],
    ['an unknown CA', broker.saslSsl, [...scram.slice(0, -1), broker.otherCa, '--sasl-password', broker.scram.password], 'certificate', /the broker's TLS certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN; .*give the CA that signed it with --ssl-ca/],
    ['no client certificate on the mTLS listener', broker.ssl, ['--security-protocol', 'SSL', '--ssl-ca', broker.ca], 'certificate', /the broker refused this client's TLS certificate .*check --ssl-cert and --ssl-key/],
    ['a plaintext client on the TLS port', broker.saslSsl, [], 'protocol', /the broker wants TLS on this port .*check --security-protocol/],
    ['a TLS client on the plaintext port', broker.plaintext, ['--security-protocol', 'SSL', '--ssl-ca', broker.ca], 'protocol', /the broker does not speak TLS on this port .*check --security-protocol/],
  ])('%s: exits with code 3 within a minute, with one clear line', async (_name, address, flags, kind, line) => {
    const names = uniqueNames('refused');
    const proc = new ProcessorProcess(processorArgs(names, address, [...flags, '--components', '3', '--log-level', 'debug']));
    const started = Date.now();
    const exit = await proc.exited;
    outputs.push(proc.output);
    expect(exit.code).toBe(EXIT_CONNECTION_REFUSED);
    expect(Date.now() - started).toBeLessThan(60_000);
    const errors = proc.records.filter((r) => r.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ event: 'connection-refused', kind });
    expect(errors[0].message).toMatch(line);
    expect(errors[0].message).toContain(address);
  });

  it('demo-producer with a wrong password exits with code 3 and one clear line', async () => {
    const r = await command([
      'demo-producer', '--brokers', broker.saslSsl, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'SCRAM-SHA-512',
      '--sasl-username', broker.scram.user, '--sasl-password', WRONG_PASSWORD, '--ssl-ca', broker.ca, '--count', '1000', '--log-level', 'debug',
    ]);
    expect(r.code).toBe(EXIT_CONNECTION_REFUSED);
    const errors = r.output.split('\n').filter((l) => / ERROR /.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot connect, and retrying will not help: the cluster refused the login .*check --sasl-username/);
  });

  // Runs last: it searches what every test above printed, published and served.
  it('no secret appears in any output, topic or metric, --log-level debug included', async () => {
    for (const c of ['run', 'demo-producer']) outputs.push((await command([c, '--help'])).output);
    expect(outputs.length).toBeGreaterThan(10);
    const all = outputs.join('\n');
    expect(all).toContain('SCRAM-SHA-512');
    // kafkajs's own debug log was on.
    expect(all).toMatch(/kafkajs .*DEBUG/i);
    for (const secret of [...broker.secrets, WRONG_PASSWORD]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(all.includes(secret), 'a secret was printed').toBe(false);
    }
  });
});
