import { spawn } from 'node:child_process';
import { CLI_MAIN, REPO_ROOT } from './paths.mjs';

/**
 * Run a command to completion: stdout collected, stderr collected (and echoed when
 * `echoStderr`), wall time measured from spawn to exit.
 */
export function run(command, args, { input, echoStderr = false, env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: REPO_ROOT, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => {
      err.push(c);
      if (echoStderr) process.stderr.write(c);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** The environment without ONLINE_EM_* variables (the bench runs the CLI's defaults). */
export function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ONLINE_EM_')));
}

/** `node dist/bin/online-em.js fit ARGS` as a whole process; throws on failure. */
export async function fitCli(args) {
  const r = await run(process.execPath, [CLI_MAIN, 'fit', ...args], { env: cleanEnv() });
  if (r.code !== 0) throw new Error(`online-em fit ${args.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  const snapshots = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
  return { seconds: r.seconds, snapshots, final: snapshots.at(-1), stderr: r.stderr };
}
