import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/cli/build-dist.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The command under test, as the package's bin runs it. */
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'bin', 'online-em.js');

const STATE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'online-em-tests');
const LOCK_DIR = join(STATE_DIR, 'build.lock');
const STAMP = join(STATE_DIR, 'build-stamp.json');
/** A lock older than this is left over from a killed run. */
const STALE_LOCK_MS = 180_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Build dist/ with `npm run build` (tsc, then the CLI bundle) unless a build that started after
 * the newest change under src/ (or to tsconfig.json, package.json, scripts/bundle-cli.mjs) exists. Test files run in parallel workers
 * and spawn `node dist/bin/online-em.js`: building once under a lock keeps one file's
 * compiler from rewriting dist/ while another file's CLI is loading it.
 */
export function ensureDistBuilt(): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - statSync(LOCK_DIR).mtimeMs;
      if (age > STALE_LOCK_MS || Date.now() > deadline) rmSync(LOCK_DIR, { recursive: true, force: true });
      else sleep(100);
    }
  }
  try {
    const sourcesChanged = Math.max(
      newestMtime(join(REPO_ROOT, 'src')),
      ...['tsconfig.json', 'package.json', join('scripts', 'bundle-cli.mjs')].map((f) => statSync(join(REPO_ROOT, f)).mtimeMs),
    );
    const stamp = existsSync(STAMP) ? (JSON.parse(readFileSync(STAMP, 'utf8')) as { startedAt: number }) : null;
    if (stamp && stamp.startedAt > sourcesChanged && existsSync(CLI_MAIN)) return;
    const startedAt = Date.now();
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${String(e.stdout ?? '')}${String(e.stderr ?? '')}`);
    }
    writeFileSync(STAMP, JSON.stringify({ startedAt }));
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}
