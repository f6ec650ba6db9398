import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCER_SPECS } from '../../src/cli/demo-producer-command.js';
import { FIT_SPECS } from '../../src/cli/fit-command.js';
import type { OptionSpec } from '../../src/cli/option-spec.js';
import { PRODUCE_SPECS } from '../../src/cli/produce-command.js';
import { RUN_SPECS } from '../../src/cli/run-command.js';
import { SCORE_SPECS } from '../../src/cli/score-command.js';
import { SNAPSHOT_SPECS } from '../../src/cli/snapshot-command.js';
import { TAIL_SPECS } from '../../src/cli/tail-command.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each([
    ['fit', FIT_SPECS],
    ['run', RUN_SPECS],
    ['demo-producer', DEMO_PRODUCER_SPECS],
    ['score', SCORE_SPECS],
    ['produce', PRODUCE_SPECS],
    ['tail', TAIL_SPECS],
    ['snapshot', SNAPSHOT_SPECS],
  ] as const)('documents every option of %s', (_command, specs) => {
    const missing = specs.filter((spec) => !readme.includes(`--${spec.name}`)).map((spec) => `--${spec.name}`);
    expect(missing).toEqual([]);
  });

  it('names the variable of every option of run as its spec does', () => {
    // The rows of the README's tables with an `env` column: the flags of the first cell, the variables of the env cell.
    const rows: { flags: string[]; env: string }[] = [];
    let envColumn = -1;
    for (const line of readme.split('\n')) {
      if (!line.startsWith('|')) {
        envColumn = -1;
        continue;
      }
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      if (cells[0] === 'option') envColumn = cells.indexOf('env');
      else if (envColumn >= 0 && !/^-+$/.test(cells[0])) rows.push({ flags: cells[0].match(/--[\w-]+/g) ?? [], env: cells[envColumn] });
    }
    const specs: readonly OptionSpec[] = RUN_SPECS;
    const wrong = specs.filter((spec) => spec.env !== undefined).filter((spec) => {
      const documented = rows.filter((r) => r.flags.includes(`--${spec.name}`));
      // Options outside these tables (the engine options) follow the README's rule: ONLINE_EM_<NAME>.
      if (documented.length === 0) return spec.env !== `ONLINE_EM_${spec.name.toUpperCase().replaceAll('-', '_')}`;
      return !documented.some((r) => r.env.includes(`\`${spec.env}\``));
    });
    expect(wrong.map((spec) => `--${spec.name} (${spec.env})`)).toEqual([]);
  });

  it('gives the two commands: run the main job, run the tests', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
