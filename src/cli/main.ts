#!/usr/bin/env node
import { prestartDecodeThread } from '../io/decode-thread/decode-thread-spawn.js';
import { FIT_DECODE_THREAD_CORES, usesDecodeThread } from './decode-thread-option.js';
import { createLogger } from '../log/logger.js';
import { redactSecrets } from '../log/secrets.js';
import { IncompatibleStateError, InvalidOptionError } from '../em/errors.js';
import { CliError } from './cli-error.js';
import { flagForOption } from './engine-options.js';
import { packageVersion } from './package-version.js';

const USAGE = `Usage: online-em <command> [options]

Commands:
  run            the Kafka processor (without --brokers: a local broker and a demo stream)
  fit            fit a mixture to NDJSON points from a file or stdin, snapshots to stdout
  score          score points under a snapshot: log-likelihood, component, responsibilities
  demo-producer  stream a drifting synthetic mixture to a Kafka topic
  produce        send the points of a file (NDJSON or CSV) or stdin to a Kafka topic
  tail           print the committed records of a topic as NDJSON (key, headers, value)
  snapshot       print the latest committed snapshot of a model from the snapshot topic
  dashboard      serve a live web page of the mixtures on the snapshot topic (or of fit's output)
  help           show this help ('help <command>': that command's help)

Run 'online-em <command> --help' for the options of a command, and
'online-em --version' (or '<command> --version') for the version.`;

const COMMANDS = ['run', 'fit', 'score', 'demo-producer', 'produce', 'tail', 'snapshot', 'dashboard'];

/** `--log-format json` (or ONLINE_EM_LOG_FORMAT=json): the line of a command that stops on an error is JSON too. */
function logsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  let format = process.env.ONLINE_EM_LOG_FORMAT;
  args.forEach((arg, i) => {
    if (arg === '--log-format') format = args[i + 1];
    else if (arg.startsWith('--log-format=')) format = arg.slice('--log-format='.length);
  });
  return format === 'json';
}

/** The line of a command that stops on an error: `online-em: …` as text, or a JSON line with its `errorCode`. */
function fatal(message: string, errorCode: 'usage' | 'incompatible-state' | 'unexpected'): void {
  if (logsJson(process.argv.slice(2))) createLogger({ level: 'error', json: true }).error(message, { errorCode });
  else process.stderr.write(`online-em: ${redactSecrets(message)}\n`);
}

/** `--version` anywhere before a `--`, with any command: asking for it is never an error. */
function asksForVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--version' || arg === '-V');
}

async function main(argv: readonly string[]): Promise<number> {
  if (asksForVersion(argv)) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  // 'help fit' is 'fit --help'.
  if (argv[0] === 'help' && argv[1] !== undefined) {
    if (!COMMANDS.includes(argv[1])) throw new CliError(`no help for '${argv[1]}' (commands: ${COMMANDS.join(', ')})`);
    return main([argv[1], '--help']);
  }
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    // Each command loads only what it needs: fit starts without loading kafkajs.
    case 'run':
      return (await import('./run-command.js')).runCommand(rest);
    case 'fit': {
      // Its decode thread boots while fit's modules load, rather than after (where auto would use one).
      const decodeThread = usesDecodeThread('auto', FIT_DECODE_THREAD_CORES) ? prestartDecodeThread() : null;
      return (await import('./fit-command.js')).fitCommand(rest, io, decodeThread);
    }
    case 'score':
      return (await import('./score-command.js')).scoreCommand(rest, io);
    case 'demo-producer':
      return (await import('./demo-producer-command.js')).demoProducerCommand(rest);
    case 'produce':
      return (await import('./produce-command.js')).produceCommand(rest);
    case 'tail':
      return (await import('./tail-command.js')).tailCommand(rest);
    case 'snapshot':
      return (await import('./snapshot-command.js')).snapshotCommand(rest);
    case 'dashboard':
      return (await import('./dashboard-command.js')).dashboardCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown command '${command}' (commands: ${COMMANDS.join(', ')}, help)`);
  }
}

/**
 * How long a command that failed may leave the process running. It has said why and is done:
 * whatever a client library left behind (kafkajs retrying a connection it cannot cancel) must
 * not keep the process alive. (A command that succeeded is left to end on its own: its output
 * may still be flowing into a pipe.)
 */
const FAILED_COMMAND_LINGER_MS = 1000;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (code !== 0) setTimeout(() => process.exit(code), FAILED_COMMAND_LINGER_MS).unref();
  },
  (error: unknown) => {
    if (error instanceof CliError || error instanceof IncompatibleStateError) {
      fatal(error.message, error instanceof CliError ? 'usage' : 'incompatible-state');
    } else if (error instanceof InvalidOptionError) {
      fatal(`${flagForOption(error.option)}: ${error.detail}`, 'usage');
    } else {
      fatal(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 'unexpected');
      process.exitCode = 1;
      return;
    }
    process.exitCode = 2;
  },
);
