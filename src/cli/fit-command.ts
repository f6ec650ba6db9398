import { createWriteStream, existsSync, statSync, type WriteStream } from 'node:fs';
import { Observable } from 'rxjs';
import { jsonPointRows } from '../io/json-points.js';
import { lineBatches, type LineBatch } from '../io/line-source.js';
import { onlineEm } from '../stream/online-em-operator.js';
import type { PointRowsInput } from '../stream/point-input.js';
import { CliError } from './cli-error.js';
import { ENGINE_OPTION_SPECS, engineOptionsFrom } from './engine-options.js';
import { formatOptionsHelp, parseCommandLine, withSpec, type OptionSpec } from './option-spec.js';
import { formatProgress } from './progress-line.js';

/** The line each row of an input item came from. */
interface ChunkPosition {
  readonly lines: readonly number[];
  readonly epoch: number;
}

export const FIT_SPECS = [
  ...withSpec(ENGINE_OPTION_SPECS, 'components', { required: true }),
  { name: 'snapshot-every', kind: 'int', min: 1, default: 100, valueName: 'BATCHES', description: 'write a snapshot every this many minibatches (the final one is always written)' },
  { name: 'epochs', kind: 'int', min: 1, max: 100_000, default: 1, description: 'passes over the input (for small files; stdin is kept in memory)' },
  { name: 'rejects', kind: 'string', valueName: 'FILE', description: 'write rejected lines as NDJSON {line, epoch, code, message} to FILE instead of stderr' },
  { name: 'progress', kind: 'flag', description: 'print a progress line on stderr even when it is not a terminal' },
] as const satisfies readonly OptionSpec[];

export const FIT_HELP = `Usage: online-em fit --components K [options] [FILE]

Fit a Gaussian mixture by stepwise online EM to newline-delimited JSON points from
FILE (or stdin) and write NDJSON snapshots to stdout, always ending with the final one.
Each line is a point [x1, ..., xd], a batch [[...], ...] or {"points": [[...], ...]};
null marks a missing coordinate. The dimension is taken from the first valid point.
Rejected lines are reported on stderr with line number and reason (or --rejects FILE)
and never stop the run.

Options:
${formatOptionsHelp(FIT_SPECS)}
  -h, --help                        show this help`;


/** Rows per input item: the operator checks its snapshot cadence between items. */
const ROWS_PER_CHUNK = 1024;
/** Beyond this, rejections are only counted on stderr: a wrong file must not flood the terminal. */
const MAX_REJECTIONS_ON_STDERR = 100;

export async function fitCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream }): Promise<number> {
  const parsed = parseCommandLine(FIT_SPECS, argv, process.env);
  if (parsed.help) {
    io.stdout.write(`${FIT_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new CliError(`fit takes at most one FILE (got ${parsed.positionals.length})`);
  const file = parsed.positionals[0] ?? null;
  if (file !== null && file !== '-' && (!existsSync(file) || !statSync(file).isFile())) {
    throw new CliError(`FILE '${file}' does not exist or is not a file`);
  }
  const { values } = parsed;
  const rejectsPath = values.rejects;
  const rejects: WriteStream | null = rejectsPath ? createWriteStream(rejectsPath) : null;
  const showProgress = values.progress || io.stderr.isTTY === true;
  const epochs = values.epochs;

  let rejectedCount = 0;
  const reportRejection = (line: number, epoch: number, code: string, message: string): void => {
    rejectedCount++;
    if (rejects) rejects.write(`${JSON.stringify({ line, epoch, code, message })}\n`);
    else if (rejectedCount <= MAX_REJECTIONS_ON_STDERR) {
      io.stderr.write(`${showProgress ? '\r\x1b[K' : ''}line ${line}${epochs > 1 ? ` (epoch ${epoch})` : ''}: ${code}: ${message}\n`);
    }
  };

  const source = lineChunks(lineBatches(file === '-' ? null : file, epochs));
  let lastSnapshotSeen = false;
  await new Promise<void>((resolve, reject) => {
    source
      .pipe(
        onlineEm<ChunkPosition>({
          ...engineOptionsFrom(values),
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
            for (const r of event.rejections) reportRejection(event.position!.lines[r.index], event.position!.epoch, r.code, r.message);
          } else if (event.type === 'progress' && showProgress) {
            io.stderr.write(`\r\x1b[K${formatProgress(event)}`);
          }
        },
        error: reject,
        complete: resolve,
      });
  });
  if (showProgress) io.stderr.write('\r\x1b[K');
  await new Promise<void>((resolve) => (rejects ? rejects.end(resolve) : resolve()));
  if (rejectedCount > 0) {
    const hidden = rejects ? 0 : rejectedCount - MAX_REJECTIONS_ON_STDERR;
    io.stderr.write(
      `online-em: ${rejectedCount} point(s) rejected${rejects ? `, listed in ${rejectsPath}` : hidden > 0 ? `; the first ${MAX_REJECTIONS_ON_STDERR} are listed above (--rejects FILE keeps them all)` : ''}\n`,
    );
  }
  if (!lastSnapshotSeen) {
    throw new CliError(`not enough valid points to fit ${values.components} components (see the rejected lines above)`);
  }
  return 0;
}

/**
 * Decode lines into chunks of rows (a line may hold one point or a batch). A line
 * that is not a point becomes a RefusedPoint, so it is reported and counted with the
 * rest. Reading waits for the fit: each batch of lines is fitted before the next read.
 */
function lineChunks(batches: AsyncIterable<LineBatch>): Observable<PointRowsInput<ChunkPosition>> {
  return new Observable((subscriber) => {
    let stopped = false;
    (async () => {
      for await (const { lines, firstLineNumber, epoch } of batches) {
        if (stopped) return;
        let rows: unknown[] = [];
        let lineOfRow: number[] = [];
        for (let i = 0; i < lines.length; i++) {
          if (lines[i].trim() === '') continue;
          for (const row of jsonPointRows(lines[i])) {
            rows.push(row);
            lineOfRow.push(firstLineNumber + i);
          }
          if (rows.length >= ROWS_PER_CHUNK) {
            subscriber.next({ points: rows, position: { lines: lineOfRow, epoch } });
            rows = [];
            lineOfRow = [];
          }
        }
        if (rows.length > 0) subscriber.next({ points: rows, position: { lines: lineOfRow, epoch } });
      }
      subscriber.complete();
    })().catch((error: unknown) => subscriber.error(error));
    return () => {
      stopped = true;
    };
  });
}
