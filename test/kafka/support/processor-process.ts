import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testBrokers, type uniqueNames } from './kafka-io.js';

const MAIN = fileURLToPath(new URL('../../../dist/bin/online-em.js', import.meta.url));

/** `online-em run` as a child process, its log kept for assertions. */
export class ProcessorProcess {
  readonly child: ChildProcess;
  private log = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [MAIN, 'run', ...args], {
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Standard options for a test model on the test broker. */
  static forNames(names: ReturnType<typeof uniqueNames>, extra: readonly string[] = [], env: Record<string, string> = {}): ProcessorProcess {
    return new ProcessorProcess(processorArgs(names, testBrokers().join(','), extra), env);
  }

  get output(): string {
    return this.log;
  }

  /** Resolves when the log matches (checked as it grows), rejects after timeoutMs or on exit. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = this.log.match(pattern);
        if (m) {
          cleanup();
          resolve(m);
        }
        return m !== null;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${pattern}; log:\n${this.log.slice(-3000)}`));
      }, timeoutMs);
      const onData = (): void => void check();
      const onExit = (): void => {
        if (!check()) {
          cleanup();
          reject(new Error(`processor exited before ${pattern}; log:\n${this.log.slice(-3000)}`));
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout!.off('data', onData);
        this.child.stderr!.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout!.on('data', onData);
      this.child.stderr!.on('data', onData);
      this.child.on('exit', onExit);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** Standard `run` arguments for a test model `names` on `brokers`. */
export function processorArgs(names: ReturnType<typeof uniqueNames>, brokers: string, extra: readonly string[] = []): string[] {
  return [
    '--brokers', brokers,
    '--input-topic', names.input,
    '--snapshot-topic', names.snapshot,
    '--dead-letter-topic', names.deadLetter,
    '--state-topic', names.state,
    '--model', names.model,
    '--group', names.group,
    '--progress-interval', '1000',
    ...extra,
  ];
}
