import { existsSync, statSync } from 'node:fs';
import { byteSource, readBytes } from '../io/byte-source.js';
import { isOverlong, splitLines } from '../io/line-source.js';
import { PointFileError, readPointChunks } from '../io/point-file.js';
import { RejectionReport } from '../io/rejection-report.js';
import { pointScorer, type PointScorer, type PointScores } from '../score/score-points.js';
import { InvalidMixtureError, type ScoringModel } from '../score/scoring-model.js';
import { CliError } from './cli-error.js';
import { formatOptionsHelp, parseCommandLine, type OptionSpec } from './option-spec.js';
import { POINT_FILE_SPECS, pointFileOptionsFrom } from './point-file-options.js';

export const SCORE_SPECS = [
  { name: 'snapshot', kind: 'string', required: true, valueName: 'FILE', description: "the model: one snapshot JSON object, or fit's NDJSON output (its last snapshot is used)" },
  { name: 'anomaly-threshold', kind: 'number', valueName: 'NATS', description: 'add "anomaly": true/false to each line, true when its logLikelihood is below NATS' },
  { name: 'rejects', kind: 'string', valueName: 'FILE', description: 'write refused lines as NDJSON {line, epoch, code, message} to FILE instead of stderr' },
  ...POINT_FILE_SPECS,
] as const satisfies readonly OptionSpec[];

export const SCORE_HELP = `Usage: online-em score --snapshot FILE [options] [POINTS]

Score newline-delimited JSON points from POINTS (or stdin) under the mixture of a
snapshot, and write one NDJSON line per point to stdout, in input order:
  {"logLikelihood": log p(x) in nats, "component": the most responsible component
   (0-based), "responsibilities": [p(component k | x) for each k]}
plus "anomaly" with --anomaly-threshold. A point with missing coordinates (null) is
scored on its marginal over the observed ones. Each input line is a point
[x1, ..., xd], a batch [[...], ...] or {"points": [[...], ...]}, as for fit; points
must have the snapshot's dimension.
Output line i is always input point i: a point that is refused (bad JSON, another
dimension, a non-number) gives the line {"refused": true, "code": CODE, "line": N},
and is reported on stderr as fit reports it ("line N: CODE: message", or --rejects
FILE). Blank lines hold no point and give no output line.

Options:
${formatOptionsHelp(SCORE_SPECS)}
  -h, --help                        show this help`;

/** Rows scored per E-step and per write. */
const ROWS_PER_CHUNK = 4096;
/** A snapshot spread over several lines is read whole; beyond this it is not a snapshot. */
const MAX_SNAPSHOT_DOCUMENT_CHARS = 256 * 1024 * 1024;
/** Of a JSON parse error, as much as a one-line report shows. */
const MAX_DETAIL_CHARS = 160;

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

export async function scoreCommand(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(SCORE_SPECS, argv, process.env);
  if (parsed.help) {
    io.stdout.write(`${SCORE_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new CliError(`score takes at most one POINTS file (got ${parsed.positionals.length})`);
  const { values } = parsed;
  const pointsFile = parsed.positionals[0] ?? null;
  const fileOptions = pointFileOptionsFrom({ ...values, dim: null });
  try {
    byteSource(pointsFile);
  } catch (error) {
    throw error instanceof PointFileError ? new CliError(error.message) : error;
  }
  checkReadable(values.snapshot, '--snapshot');
  const scorer = await readSnapshotScorer(values.snapshot, io.stderr);
  const threshold = values['anomaly-threshold'];
  const rejections = new RejectionReport(io.stderr, { rejectsFile: values.rejects });
  const out = new BackpressuredOutput(io.stdout);
  const chunks = readPointChunks(pointsFile, {
    ...fileOptions,
    // CSV columns or object fields must give the snapshot's dimension; array rows are checked by the scorer.
    dim: scorer.params.dim,
    rowsPerChunk: ROWS_PER_CHUNK,
    onNotice: (message) => io.stderr.write(`${message}\n`),
  });
  let failure: unknown = null;
  try {
    for await (const { rows, lines, epoch } of chunks) {
      const scores = scorer.score(rows);
      for (const r of scores.rejected) rejections.report(lines[r.index], epoch, r.code, r.message);
      if (!(await out.write(scoreLines(scores, lines, threshold)))) break;
    }
  } catch (error) {
    failure = error;
  }
  const summary = await rejections.close();
  if (summary !== null) io.stderr.write(`online-em: ${summary}\n`);
  if (failure !== null) throw failure instanceof PointFileError ? new CliError(failure.message) : failure;
  return 0;
}

function checkReadable(file: string, what: string): void {
  if (!existsSync(file) || statSync(file).isDirectory()) throw new CliError(`${what} '${file}' does not exist or is not a file`);
}

/** One NDJSON line per row: its scores, or where it was refused. */
function scoreLines(scores: PointScores, lines: readonly number[], threshold: number | null): string {
  const { k: K } = scores;
  let text = '';
  let r = 0;
  for (let i = 0; i < scores.n; i++) {
    if (r < scores.rejected.length && scores.rejected[r].index === i) {
      text += `${JSON.stringify({ refused: true, code: scores.rejected[r].code, line: lines[i] })}\n`;
      r++;
      continue;
    }
    const logLikelihood = scores.logLikelihood[i];
    const line = {
      logLikelihood,
      component: scores.component[i],
      responsibilities: Array.from(scores.responsibilities.subarray(i * K, i * K + K)),
      ...(threshold === null ? {} : { anomaly: logLikelihood < threshold }),
    };
    text += `${JSON.stringify(line)}\n`;
  }
  return text;
}

/** Writes that wait for the stream to drain; a closed stdout (`| head`) ends the run quietly. */
class BackpressuredOutput {
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', () => {
      this.closed = true;
    });
  }

  /** False once the reader has gone. */
  async write(text: string): Promise<boolean> {
    if (this.closed) return false;
    if (text !== '' && !this.stream.write(text)) await this.drainedOrFailed();
    return !this.closed;
  }

  private drainedOrFailed(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }
}

/**
 * The scorer of the snapshot in FILE: one JSON object (on one line or pretty-printed
 * over several), or NDJSON lines of which the last snapshot is used (fit's output).
 * Read in one pass, so a FIFO works. Every problem is one CliError.
 */
async function readSnapshotScorer(file: string, stderr: NodeJS.WritableStream): Promise<PointScorer> {
  const label = `--snapshot '${file}'`;
  let mode: 'unknown' | 'lines' | 'document' = 'unknown';
  let document: string[] = [];
  let documentChars = 0;
  let found: { value: object; line: number } | null = null;
  let badLine: { line: number; detail: string } | null = null;
  let lastLine = 0;
  for await (const batch of splitLines(readBytes(byteSource(file)), MAX_SNAPSHOT_DOCUMENT_CHARS)) {
    for (let i = 0; i < batch.lines.length; i++) {
      const number = batch.firstLineNumber + i;
      const raw = batch.lines[i];
      if (isOverlong(raw)) throw new CliError(`${label} line ${number} is ${raw.bytes} bytes long: too large to be a snapshot`);
      const text = raw.trim();
      lastLine = number;
      if (mode === 'document') {
        documentChars += text.length + 1;
        if (documentChars > MAX_SNAPSHOT_DOCUMENT_CHARS) throw new CliError(`${label} is not a snapshot: its first line is not JSON and it is too large to be one JSON object`);
        document.push(text);
        continue;
      }
      if (text === '') continue;
      if (mode === 'unknown') {
        // A line that is JSON by itself: NDJSON. Otherwise one object over several lines.
        mode = parseJson(text).ok ? 'lines' : 'document';
        if (mode === 'document') {
          document = [text];
          documentChars = text.length;
          continue;
        }
      }
      if (!text.startsWith('{')) continue;
      const parsed = parseJson(text);
      if (!parsed.ok) badLine = { line: number, detail: parsed.detail };
      else if (isObject(parsed.value) && 'covariances' in parsed.value) {
        found = { value: parsed.value, line: number };
        badLine = null;
      }
    }
  }
  if (mode === 'document') {
    const parsed = parseJson(document.join('\n'));
    if (!parsed.ok) throw new CliError(`${label} is not a snapshot: neither one JSON object nor NDJSON lines (${parsed.detail})`);
    if (!isObject(parsed.value)) throw new CliError(`${label} is not a snapshot: it holds JSON but not an object`);
    return scorerOf(parsed.value, label);
  }
  if (!found) {
    if (badLine) throw new CliError(`${label} line ${badLine.line} is not valid JSON (${badLine.detail}) and no line before it holds a snapshot`);
    throw new CliError(`${label} holds no snapshot: expected a JSON object with k, dim, covarianceType, weights, means and covariances (${lastLine === 0 ? 'the file is empty' : `none of its ${lastLine} line(s) is one`})`);
  }
  if (badLine) stderr.write(`online-em: ${label} line ${badLine.line} is not valid JSON (${badLine.detail}); using the snapshot on line ${found.line}\n`);
  return scorerOf(found.value, found.line === 1 && lastLine === 1 ? label : `${label} line ${found.line}`);
}

/** Snapshot schemas read here: this major version (changes within it are additive). */
const SCHEMA_PATTERN = /^online-em\.snapshot\/1(\.|$)/;

function scorerOf(value: object, label: string): PointScorer {
  const schema = (value as { schema?: unknown }).schema;
  if (schema !== undefined && (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema))) {
    throw new CliError(`${label}: schema ${JSON.stringify(schema)} is not a snapshot this version reads (online-em.snapshot/1)`);
  }
  try {
    return pointScorer(value as ScoringModel);
  } catch (error) {
    if (error instanceof InvalidMixtureError) throw new CliError(`${label} is not a usable snapshot: ${error.message}`);
    throw error;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // JSON.parse quotes the text it failed on, which may span lines: keep the report on one.
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    return { ok: false, detail: detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS)}…` : detail };
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
