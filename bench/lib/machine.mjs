/** The machine a bench ran on, recorded with every result (bench/out/*.json). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.mjs';

export function machine() {
  warnIfNotProjectNode();
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT }).toString().trim() !== '';
  } catch {
    /* not a git checkout */
  }
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: model,
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGB: totalmem() / 2 ** 30,
    loadAverageAtStart: loadavg(),
    commit,
    srcDirty: dirty,
  };
}

/** Figures differ between Node versions (Node 24's JIT is faster here than 20's): say so when this is not the project's. */
function warnIfNotProjectNode() {
  const nvmrc = join(REPO_ROOT, '.nvmrc');
  const wanted = existsSync(nvmrc) ? readFileSync(nvmrc, 'utf8').trim() : null;
  if (wanted && process.versions.node !== wanted) {
    process.stderr.write(`bench: running on Node ${process.versions.node}, not the project's ${wanted} (.nvmrc); for comparable figures: PATH="$(bash scripts/node/node-lts-bin.sh):$PATH" npm run bench…\n`);
  }
}
