import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.js';
import { CliError } from './cli-error.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/kafka/kafka.sh', import.meta.url));

/** The repository's local Kafka broker (scripts/kafka/kafka.sh), for the embedded default. */
export class EmbeddedBroker {
  private startedHere = false;

  constructor(
    readonly port: number,
    private readonly logger: Logger,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Start it unless it already runs (then it is left running on stop). */
  async start(): Promise<void> {
    if (!existsSync(SCRIPT)) {
      throw new CliError(`the embedded broker needs ${SCRIPT} from the online-em repository; give --brokers to use a running cluster`);
    }
    this.startedHere = (await this.script('status', true)) !== 0;
    if (!this.startedHere) {
      this.logger.info(`using the local broker already running at ${this.address}`);
      return;
    }
    this.logger.info(`starting the local Kafka broker at ${this.address} (the first run downloads it with Maven)`);
    if ((await this.script('up', false)) !== 0) {
      throw new CliError(`the local Kafka broker did not start (see the messages above); needs Java 17+ and Maven`);
    }
  }

  /** Stop it if this process started it; its data stays for the next run. */
  async stop(): Promise<void> {
    if (!this.startedHere) return;
    this.logger.info('stopping the local Kafka broker');
    await this.script('down', false);
  }

  private script(command: string, quiet: boolean): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn('bash', [SCRIPT, command], {
        env: { ...process.env, KAFKA_PORT: String(this.port) },
        stdio: ['ignore', quiet ? 'ignore' : process.stderr, quiet ? 'ignore' : process.stderr],
      });
      child.on('error', () => resolve(127));
      child.on('exit', (code) => resolve(code ?? 1));
    });
  }
}
