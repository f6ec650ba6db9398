import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testBrokers } from './kafka-io.js';

const MAIN = fileURLToPath(new URL('../../../dist/bin/online-em.js', import.meta.url));

/**
 * `online-em dashboard` on the test broker as a child process (port 0, `extra` options
 * after the brokers), resolved with its URL once it listens; `cleanups` gets its SIGTERM.
 */
export function startDashboard(extra: readonly string[], cleanups: (() => Promise<unknown> | void)[]): Promise<string> {
  const child = spawn(process.execPath, [MAIN, 'dashboard', '--brokers', testBrokers().join(','), '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => void child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const url = / on (http:\/\/\S+?)\/?(\s|$)/.exec(log);
      if (url) resolve(url[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`online-em dashboard exited (${code}): ${log}`)));
  });
}
