import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCER_SPECS } from '../../src/cli/demo-producer-command.js';
import { FIT_SPECS } from '../../src/cli/fit-command.js';
import { RUN_SPECS } from '../../src/cli/run-command.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each([
    ['fit', FIT_SPECS],
    ['run', RUN_SPECS],
    ['demo-producer', DEMO_PRODUCER_SPECS],
  ] as const)('documents every option of %s', (_command, specs) => {
    const missing = specs.filter((spec) => !readme.includes(`--${spec.name}`)).map((spec) => `--${spec.name}`);
    expect(missing).toEqual([]);
  });

  it('gives the two commands: run the main job, run the tests', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
