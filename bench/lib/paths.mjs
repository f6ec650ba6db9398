import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'bin', 'online-em.js');
export const BENCH_DIR = join(REPO_ROOT, 'bench');
