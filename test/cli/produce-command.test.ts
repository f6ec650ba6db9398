import { describe, expect, it, beforeAll } from 'vitest';
import { PRODUCE_SPECS } from '../../src/cli/produce-command.js';
import { ensureDistBuilt } from './build-dist.js';
import { runCli } from './run-cli.js';

/** `online-em produce` without a broker: its help, and the mistakes it reports before connecting. */

describe('online-em produce: command line', () => {
  beforeAll(() => ensureDistBuilt());

  it('--help lists every option', async () => {
    const run = await runCli(['produce', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: online-em produce --brokers HOST:PORT --topic TOPIC/);
    const listed = new Set([...run.stdout.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
    expect(PRODUCE_SPECS.map((spec) => spec.name).filter((name) => !listed.has(name))).toEqual([]);
    const main = await runCli(['help']);
    expect(main.stdout).toMatch(/^ {2}produce /m);
  });

  it.each([
    [['produce', '--brokers', '127.0.0.1:1', 'points.csv'], /--topic is required/],
    [['produce', '--topic', 't', '/nonexistent/points.csv'], /FILE '\/nonexistent\/points\.csv' cannot be read \(ENOENT\)/],
    [['produce', '--topic', 't', '-'], /--brokers is required/],
    [['produce', '--brokers', '127.0.0.1:1', '--topic', 't', '--columns', 'a,,b', '-'], /--columns must be column names separated by commas/],
    [['produce', '--brokers', '127.0.0.1:1', '--topic', 't', '--message-format', 'xml', '-'], /--message-format must be one of json, binary/],
    [['produce', '--brokers', '127.0.0.1:1', '--topic', 't', 'a', 'b'], /at most one FILE/],
  ])('%j: exit 2 and one line, before connecting', async (args, message) => {
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
