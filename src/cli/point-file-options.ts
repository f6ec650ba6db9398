import { DEFAULT_MAX_LINE_BYTES, type PointFileOptions } from '../io/point-file.js';
import { POINT_FORMATS } from '../io/point-format.js';
import { CliError } from './cli-error.js';
import type { OptionSpec } from './option-spec.js';

/** A line longer than this could not become a string (V8's limit is about 512 Mi UTF-16 units) and be parsed beside it. */
const MAX_LINE_BYTES_LIMIT = 256 * 1024 * 1024;

/** How a command that reads a point file (fit, produce, score) reads it. --dim is an engine option, given separately. */
export const POINT_FILE_SPECS = [
  { name: 'format', kind: 'choice', choices: ['auto', ...POINT_FORMATS], default: 'auto', description: 'input format (auto: .csv(.gz) is CSV, .ndjson/.jsonl/.json NDJSON, else by the first line)' },
  { name: 'columns', kind: 'string', valueName: 'A,B,...', description: 'CSV columns or NDJSON object fields to read, in order (default: the numeric ones)' },
  {
    name: 'max-line-bytes',
    kind: 'int',
    min: 1,
    max: MAX_LINE_BYTES_LIMIT,
    default: DEFAULT_MAX_LINE_BYTES,
    valueName: 'BYTES',
    description: 'a longer line is rejected (and skipped without being read into memory)',
  },
] as const satisfies readonly OptionSpec[];

/** The reader's options from the parsed values (and --dim, so that the columns read must give it). */
export function pointFileOptionsFrom(values: {
  readonly format: string;
  readonly columns: string | null;
  readonly 'max-line-bytes': number;
  readonly dim: number | null;
}): PointFileOptions {
  return {
    format: values.format as PointFileOptions['format'],
    columns: values.columns === null ? null : columnList(values.columns, '--columns'),
    dim: values.dim,
    maxLineBytes: values['max-line-bytes'],
  };
}

/** `a, b,c` as [a, b, c]: names separated by commas, none empty or twice. */
function columnList(text: string, flag: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new CliError(`${flag} must be column names separated by commas, none empty (got '${text}')`);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new CliError(`${flag} names the column '${twice}' twice`);
  return names;
}
