import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from './build-dist.js';
import { runCli } from './run-cli.js';

/** The password of every case below: it must appear nowhere in what the command prints. */
const PASSWORD = 'hunter2-secret';

describe('a broker list with credentials in it', () => {
  let dir = '';
  let properties = '';
  beforeAll(() => {
    ensureDistBuilt();
    dir = mkdtempSync(join(tmpdir(), 'online-em-credentials-'));
    properties = join(dir, 'client.properties');
    writeFileSync(properties, `bootstrap.servers=user:${PASSWORD}@host:9092\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['run, --brokers', ['run', '--brokers', `user:${PASSWORD}@host:9092`, '-k', '2'], {}, '--brokers', 'user:***@host:9092'],
    ['run, KAFKA_BROKERS, JSON log', ['run', '-k', '2', '--log-format', 'json'], { KAFKA_BROKERS: `good:9092,SASL_SSL://user:${PASSWORD}@host:9092` }, '--brokers', 'SASL_SSL://user:***@host:9092'],
    ['demo-producer, --brokers', ['demo-producer', '--brokers', `user:${PASSWORD}@host:9092`], {}, '--brokers', 'user:***@host:9092'],
    ['demo-producer, KAFKA_BROKERS', ['demo-producer'], { KAFKA_BROKERS: `user:${PASSWORD}@host:9092` }, '--brokers', 'user:***@host:9092'],
    ['run, bootstrap.servers', () => ['run', '--kafka-config', properties, '-k', '2'], {}, 'bootstrap.servers (--kafka-config)', 'user:***@host:9092'],
    ['demo-producer, bootstrap.servers', () => ['demo-producer', '--kafka-config', properties], {}, 'bootstrap.servers (--kafka-config)', 'user:***@host:9092'],
  ] as const)('%s: refused in one line that says where credentials go, never echoing the password', async (_name, args, env, source, shown) => {
    const run = await runCli(typeof args === 'function' ? args() : args, { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    // With --log-format json the line is a JSON one, with the same words and its errorCode.
    const json = typeof args !== 'function' && (args as readonly string[]).includes('json');
    const line = json ? (JSON.parse(lines[0]) as { message: string; errorCode: string }) : null;
    if (line) expect(line.errorCode).toBe('usage');
    expect(line ? `online-em: ${line.message}` : lines[0]).toContain(`online-em: ${source} must be HOST:PORT[,HOST:PORT...] without credentials (got '${shown}'): give `);
    expect(lines[0]).toMatch(/--sasl-username|sasl\.username/);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stdout + run.stderr).not.toContain('hunter2');
  });
});
