import { beforeAll, describe, expect, it } from 'vitest';
import type { OptionSpec } from '../../src/cli/option-spec.js';
import { SNAPSHOT_SPECS } from '../../src/cli/snapshot-command.js';
import { TAIL_SPECS } from '../../src/cli/tail-command.js';
import { ensureDistBuilt } from './build-dist.js';
import { runCli } from './run-cli.js';

/** `online-em tail` and `online-em snapshot` without a broker: their help, and the mistakes they report before connecting. */

describe('online-em tail and snapshot: command line', () => {
  beforeAll(() => ensureDistBuilt());

  it.each([
    ['tail', TAIL_SPECS, /^Usage: online-em tail --brokers HOST:PORT --topic TOPIC/],
    ['snapshot', SNAPSHOT_SPECS, /^Usage: online-em snapshot --brokers HOST:PORT --model M/],
  ] as const)('%s --help lists every option; the main help lists the command', async (command, specs: readonly OptionSpec[], usage) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(usage);
    const listed = new Set([...run.stdout.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
    expect(specs.map((spec) => spec.name).filter((name) => !listed.has(name))).toEqual([]);
    const main = await runCli(['help']);
    expect(main.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
  });

  it.each([
    [['tail', '--brokers', '127.0.0.1:1'], /--topic is required/],
    [['tail', '--topic', 't'], /--brokers is required/],
    [['tail', '--brokers', '127.0.0.1:1', '--topic', 't', '--count', '0'], /--count must be an integer/],
    [['tail', '--brokers', '127.0.0.1:1', '--topic', 't', '--timeout', 'soon'], /--timeout must be an integer/],
    [['tail', '--brokers', '127.0.0.1:1', '--topic', 't', 'extra'], /tail takes no positional arguments/],
    [['snapshot', '--brokers', '127.0.0.1:1'], /--model is required/],
    [['snapshot', '--model', 'm'], /--brokers is required/],
    [['snapshot', '--brokers', '127.0.0.1:1', '--model', 'm', 'extra'], /snapshot takes no positional arguments/],
  ])('%j: exit 2 and one line, before connecting', async (args, message) => {
    const run = await runCli(args);
    expect({ code: run.code, stderr: run.stderr.trim().split('\n') }).toEqual({ code: 2, stderr: [expect.stringMatching(message)] });
  });

  it('snapshot: an unreachable cluster is one line and exit code 5', async () => {
    const run = await runCli(['snapshot', '--brokers', '127.0.0.1:1', '--model', 'm']);
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/cannot reach Kafka, giving up: .*brokers 127\.0\.0\.1:1/)]);
  });
});
