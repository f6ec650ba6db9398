import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The one launcher of the repository's local Kafka broker (scripts/kafka/kafka.sh): the
 * embedded default of `online-em run`, the Kafka tests' global setup, their fault tests and
 * the Kafka bench all start, query and stop it through here. Plain TypeScript so that src/
 * (and dist/, for the bench) can use it; the tests import it from src/ through vitest.
 */

/** scripts/kafka/kafka.sh, found from this file in src/cli/, dist/cli/ or the bundle in dist/bin/. */
export const KAFKA_SCRIPT = fileURLToPath(new URL('../../scripts/kafka/kafka.sh', import.meta.url));

export type KafkaScriptCommand = 'up' | 'down' | 'status';

export interface KafkaScriptResult {
  /** kafka.sh's exit code (status: 0 running, 3 not; 127 when bash could not be run). */
  readonly code: number;
  /** Its stdout and stderr, interleaved as they came. */
  readonly output: string;
}

/** Where kafka.sh's messages go as they come; by default nowhere (they are still in the result). */
export type ScriptOutput = (text: string) => void;

/**
 * `KAFKA_PORT=<port> bash scripts/kafka/kafka.sh <command>`, asynchronously: a blocking
 * spawnSync would stop the caller reading its children's log pipes (a processor writing to
 * a full pipe stalls).
 */
export async function kafkaScript(command: KafkaScriptCommand, port: number, output?: ScriptOutput, env: Readonly<Record<string, string>> = {}): Promise<KafkaScriptResult> {
  const first = await runScript(command, port, output, env);
  // kafka.sh's `await` can look at the new broker's pid before the forked shell has exec'd
  // java (its cmdline does not name kafka.Kafka yet) and report it "not running any more"
  // while it starts; seen once on a 2-core machine under load. `up` again then finds it
  // running and just awaits it.
  if (command === 'up' && first.code !== 0 && /not running any more/.test(first.output)) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    output?.('(retrying kafka.sh up)\n');
    const again = await runScript(command, port, output, env);
    return { code: again.code, output: `${first.output}\n(retried)\n${again.output}` };
  }
  return first;
}

function runScript(command: KafkaScriptCommand, port: number, output: ScriptOutput | undefined, env: Readonly<Record<string, string>>): Promise<KafkaScriptResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command], {
      env: { ...process.env, ...env, KAFKA_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const collect = (chunk: Buffer): void => {
      text += chunk.toString();
      output?.(chunk.toString());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => resolve({ code: 127, output: `${text}${String(error)}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output: text }));
  });
}

/** A broker port from the environment variable `name` (unset or empty: `fallback`). */
export function brokerPortFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LocalBrokerError(`${name} must be a TCP port number (1-65535), got '${text}'`, 'bad-port');
  return port;
}

/** The local broker could not be used: kafka.sh is not there (an installed package), or `kafka.sh up` failed. */
export class LocalBrokerError extends Error {
  override readonly name = 'LocalBrokerError';

  constructor(
    message: string,
    readonly reason: 'no-script' | 'did-not-start' | 'bad-port',
  ) {
    super(message);
  }
}

/** What a caller says around a start; each is optional. */
export interface StartNotices {
  /** A broker already answers on the port: it is used, and left running on stop. */
  alreadyRunning?(): void;
  /** None runs: `kafka.sh up` is about to start one (the first start fetches the jars). */
  starting?(): void;
}

/**
 * The local broker on one port: started unless it already runs, and stopped only if it was
 * started here, so a broker someone else runs is never taken away from them.
 */
export class LocalBroker {
  private started = false;

  /**
   * `output` receives kafka.sh's messages of `up` and `down` (status stays quiet). `secure`
   * adds the broker's SASL_SSL and mTLS listeners (kafka.sh's KAFKA_SECURE=1, for the tests).
   */
  constructor(
    readonly port: number,
    private readonly output?: ScriptOutput,
    private readonly options: { readonly secure?: boolean } = {},
  ) {}

  private get env(): Record<string, string> {
    return this.options.secure ? { KAFKA_SECURE: '1' } : {};
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** This object started the broker (and has not stopped it yet). */
  get startedHere(): boolean {
    return this.started;
  }

  /** The pid file and the JVM behind it say a broker runs on this port (`kafka.sh status`). */
  async isRunning(): Promise<boolean> {
    return (await kafkaScript('status', this.port, undefined, this.env)).code === 0;
  }

  /** Start it unless it already runs; throws LocalBrokerError when it cannot start. Returns whether this call started it. */
  async startUnlessRunning(notices: StartNotices = {}): Promise<boolean> {
    if (!existsSync(KAFKA_SCRIPT)) throw new LocalBrokerError(`the local broker needs ${KAFKA_SCRIPT} from the online-em repository`, 'no-script');
    if (await this.isRunning()) {
      notices.alreadyRunning?.();
      return false;
    }
    notices.starting?.();
    this.started = true; // also when `up` fails half-way: stopping then cleans up what it left
    const up = await kafkaScript('up', this.port, this.output, this.env);
    if (up.code !== 0) throw new LocalBrokerError(`the local Kafka broker did not start on ${this.address} (kafka.sh up exited ${up.code}; its messages are above)`, 'did-not-start');
    return true;
  }

  /** Stop it if this object started it; its data stays for the next start. Returns whether it stopped one. */
  async stopIfStartedHere(): Promise<boolean> {
    if (!this.started) return false;
    this.started = false;
    await kafkaScript('down', this.port, this.output, this.env);
    return true;
  }
}

/** The test material of the secured listeners (scripts/kafka/tls-material.sh), beside the repository's .kafka/. */
const SECURE_DIR = fileURLToPath(new URL('../../.kafka/secure/', import.meta.url));

/**
 * The secured listeners of the local broker on `port` when it runs with KAFKA_SECURE=1:
 * SASL_SSL on port + 2 and mTLS on port + 3, with the test CA, certificates and users.
 * For the tests and the bench; throws when the material is missing.
 */
export function securedListeners(port: number) {
  const credentials = readFileSync(`${SECURE_DIR}credentials.env`, 'utf8');
  const env = Object.fromEntries(credentials.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    saslSsl: `127.0.0.1:${port + 2}`,
    ssl: `127.0.0.1:${port + 3}`,
    dir: SECURE_DIR,
    scram: { user: env.KAFKA_TEST_SCRAM_USER ?? '', password: env.KAFKA_TEST_SCRAM_PASSWORD ?? '' },
    plain: { user: env.KAFKA_TEST_PLAIN_USER ?? '', password: env.KAFKA_TEST_PLAIN_PASSWORD ?? '' },
    keyPassword: env.KAFKA_TEST_KEY_PASSWORD ?? '',
    storePassword: env.KAFKA_TEST_STORE_PASSWORD ?? '',
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (a listener is up). */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(2000, () => done(false));
  });
}
