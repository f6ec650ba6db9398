import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIT_HELP } from '../../src/cli/fit-command.js';
import { ensureDistBuilt, REPO_ROOT } from './build-dist.js';
import { runCli } from './run-cli.js';

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let dir: string;

beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-version-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('online-em --version', () => {
  it.each([['--version'], ['-V'], ['fit', '--version'], ['run', '--brokers', 'nowhere:1', '--version'], ['score', '--version'], ['produce', '--version'], ['demo-producer', '--version']])(
    '%s prints the package version and exits 0',
    async (...args) => {
      const run = await runCli(args);
      expect([run.code, run.stdout, run.stderr]).toEqual([0, `${version}\n`, '']);
    },
  );

  it('works from the tsc output as from the bundle', async () => {
    const run = await runCli(['--version'], { main: join(REPO_ROOT, 'dist', 'cli', 'main.js') });
    expect(run.stdout).toBe(`${version}\n`);
  });

  it('the bundle reads the version of the package it is installed in, not a copy made at build time', async () => {
    // A copy of the package with another version: the same bundle must report that one.
    mkdirSync(join(dir, 'dist', 'bin'), { recursive: true });
    for (const name of readdirSync(join(REPO_ROOT, 'dist', 'bin'))) copyFileSync(join(REPO_ROOT, 'dist', 'bin', name), join(dir, 'dist', 'bin', name));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'online-em', version: '9.8.7-test', type: 'module' }));
    const run = await runCli(['--version'], { main: join(dir, 'dist', 'bin', 'online-em.js') });
    expect(run.stdout).toBe('9.8.7-test\n');
  });

  it('a --version after -- is an argument, not the flag', async () => {
    const run = await runCli(['fit', '-k', '2', '--', '--version']);
    expect(run.stdout).not.toBe(`${version}\n`);
  });
});

describe('online-em help COMMAND', () => {
  it('help fit prints fit --help', async () => {
    const [help, flag] = await Promise.all([runCli(['help', 'fit']), runCli(['fit', '--help'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(`${FIT_HELP}\n`);
    expect(help.stdout).toBe(flag.stdout);
  });

  it.each(['run', 'score', 'produce', 'demo-producer'])('help %s prints that command\'s help', async (command) => {
    const [help, flag] = await Promise.all([runCli(['help', command]), runCli([command, '--help'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`Usage: online-em ${command}`));
    expect(help.stdout).toBe(flag.stdout);
  });

  it('help of an unknown command says so and exits 2', async () => {
    const run = await runCli(['help', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no help for 'nope'.*fit/);
  });

  it('help alone still prints the usage', async () => {
    const run = await runCli(['help']);
    expect([run.code, run.stdout]).toEqual([0, expect.stringMatching(/help <command>.*\n[\s\S]*--version/)]);
  });
});
