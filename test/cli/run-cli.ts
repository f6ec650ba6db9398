import { spawn } from 'node:child_process';
import type { MixtureSnapshot } from '../../src/em/snapshot.js';
import { CLI_MAIN, REPO_ROOT } from './build-dist.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the whole process, seconds. */
  readonly seconds: number;
}

/** The environment without ONLINE_EM_* variables, so the caller's shell cannot change a run. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('ONLINE_EM_')) env[key] = value;
  return { ...env, ...extra };
}

/** Run `node dist/bin/online-em.js ARGS` (or another `main`) to completion, optionally feeding stdin. */
export function runCli(args: readonly string[], options: { stdin?: string; env?: Record<string, string>; main?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [options.main ?? CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      }),
    );
    child.stdin.on('error', () => {
      /* the CLI may exit (bad option) before reading stdin */
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Every stdout line as a snapshot (throws if a line is not JSON). */
export function snapshotsOf(run: CliRun): MixtureSnapshot[] {
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as MixtureSnapshot);
}

/** A snapshot without its creation time: what must be identical between equal runs. */
export function withoutCreatedAt(snapshot: MixtureSnapshot): Omit<MixtureSnapshot, 'createdAt'> {
  const { createdAt: _createdAt, ...rest } = snapshot;
  return rest;
}

/** `fit` with the given arguments, expected to succeed; returns all snapshots and the run. */
export async function fitOk(args: readonly string[], options: { stdin?: string } = {}): Promise<{ run: CliRun; snapshots: MixtureSnapshot[]; final: MixtureSnapshot }> {
  const run = await runCli(['fit', ...args], options);
  if (run.code !== 0) throw new Error(`online-em fit ${args.join(' ')} exited with ${run.code}:\n${run.stderr}`);
  const snapshots = snapshotsOf(run);
  if (snapshots.length === 0) throw new Error(`online-em fit ${args.join(' ')} wrote no snapshot`);
  return { run, snapshots, final: snapshots[snapshots.length - 1] };
}
