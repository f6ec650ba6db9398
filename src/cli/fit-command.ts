import { resolveOptions } from '../em/options.js';
import { byteSource } from '../io/byte-source.js';
import { PointFileError } from '../io/point-file.js';
import { RejectionReport } from '../io/rejection-report.js';
import { onlineEm } from '../stream/online-em-operator.js';
import { CliError } from './cli-error.js';
import { ENGINE_OPTION_SPECS, engineOptionsFrom } from './engine-options.js';
import { formatOptionsHelp, parseCommandLine, withSpec, type OptionSpec } from './option-spec.js';
import { POINT_FILE_SPECS, pointFileOptionsFrom } from './point-file-options.js';
import type { IdleDecodeThread } from '../io/decode-thread/decode-thread-spawn.js';
import { decodeThreadSpec, FIT_DECODE_THREAD_CORES, usesDecodeThread } from './decode-thread-option.js';
import { fitInputs, type ChunkPosition } from './fit-inputs.js';
import { formatProgress } from './progress-line.js';

export const FIT_SPECS = [
  ...withSpec(ENGINE_OPTION_SPECS, 'components', { required: true }),
  ...POINT_FILE_SPECS,
  { name: 'snapshot-every', kind: 'int', min: 1, default: 100, valueName: 'BATCHES', description: 'write a snapshot every this many minibatches (the final one is always written)' },
  { name: 'epochs', kind: 'int', min: 1, max: 100_000, default: 1, description: 'passes over the input (for small files; stdin is kept in memory)' },
  { name: 'rejects', kind: 'string', valueName: 'FILE', description: 'write rejected lines as NDJSON {line, epoch, code, message} to FILE instead of stderr' },
  decodeThreadSpec('read, parse and validate the input on a thread of its own while the fit runs (auto: with 2 cores or more); the same results either way', 'auto'),
  { name: 'progress', kind: 'flag', description: 'print a progress line on stderr even when it is not a terminal' },
] as const satisfies readonly OptionSpec[];

export const FIT_HELP = `Usage: online-em fit --components K [options] [FILE]

Fit a Gaussian mixture by stepwise online EM to the points of FILE (or stdin; a FIFO
or <(zcat f.gz) works too; FILE.gz is decompressed) and write NDJSON snapshots to
stdout, always ending with the final one.
NDJSON input: each line is a point [x1, ..., xd], a batch [[...], ...],
{"points": [[...], ...]}, or an object {"x": 1, "y": 2} (its fields named by
--columns, by default the numeric fields of the first object); null marks a missing
coordinate. CSV input: a header line naming the columns, then one point per line
(--columns, by default every numeric column); an empty cell is a missing coordinate.
The dimension is --dim, or that of the first valid point.
Rejected lines are reported on stderr with line number and reason (or --rejects FILE)
and never stop the run.

Options:
${formatOptionsHelp(FIT_SPECS)}
  -h, --help                        show this help`;

/** `prestarted`: a decode thread main.ts started while this module loaded; ended here if unused. */
export async function fitCommand(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream },
  prestarted: IdleDecodeThread | null = null,
): Promise<number> {
  try {
    return await fit(argv, io, prestarted);
  } finally {
    prestarted?.discard();
  }
}

async function fit(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream }, prestarted: IdleDecodeThread | null): Promise<number> {
  const parsed = parseCommandLine(FIT_SPECS, argv, process.env);
  if (parsed.help) {
    io.stdout.write(`${FIT_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new CliError(`fit takes at most one FILE (got ${parsed.positionals.length})`);
  const file = parsed.positionals[0] ?? null;
  const { values } = parsed;
  const engineOptions = engineOptionsFrom(values);
  const fileOptions = pointFileOptionsFrom(values);
  try {
    byteSource(file);
  } catch (error) {
    throw error instanceof PointFileError ? new CliError(error.message) : error;
  }
  const showProgress = values.progress || io.stderr.isTTY === true;
  const epochs = values.epochs;
  const clearProgress = (): string => (showProgress ? '\r\x1b[K' : '');
  const rejections = new RejectionReport(io.stderr, { rejectsFile: values.rejects, multiEpoch: epochs > 1, prefix: clearProgress });

  const inputs = fitInputs(file, {
    ...fileOptions,
    epochs,
    onNotice: (message) => io.stderr.write(`${clearProgress()}${message}\n`),
    decodeThread: usesDecodeThread(values['decode-thread'], FIT_DECODE_THREAD_CORES),
    prestarted,
    engineDim: engineOptions.dim ?? null,
    maxAbs: resolveOptions(engineOptions).maxAbsValue,
  });
  let lastSnapshotSeen = false;
  let failure: unknown = null;
  await new Promise<void>((resolve) => {
    inputs
      .pipe(
        onlineEm<ChunkPosition>({
          ...engineOptions,
          snapshotEvery: values['snapshot-every'],
          progressIntervalMs: showProgress ? 500 : null,
        }),
      )
      .subscribe({
        next: (event) => {
          if (event.type === 'snapshot') {
            io.stdout.write(`${JSON.stringify(event.snapshot)}\n`);
            lastSnapshotSeen ||= event.final;
          } else if (event.type === 'rejected') {
            for (const r of event.rejections) rejections.report(event.position!.lines[r.index], event.position!.epoch, r.code, r.message);
          } else if (event.type === 'progress' && showProgress) {
            io.stderr.write(`\r\x1b[K${formatProgress(event)}`);
          }
        },
        error: (error: unknown) => {
          failure = error;
          resolve();
        },
        complete: resolve,
      });
  });
  if (showProgress) io.stderr.write('\r\x1b[K');
  const summary = await rejections.close();
  if (summary !== null) io.stderr.write(`online-em: ${summary}\n`);
  if (failure !== null) throw failure instanceof PointFileError ? new CliError(failure.message) : failure;
  if (!lastSnapshotSeen) {
    throw new CliError(`not enough valid points to fit ${values.components} components: it takes at least as many points as components (rejected lines, if any, are listed above)`);
  }
  return 0;
}
