/** The text formats of a point file. */
export const POINT_FORMATS = ['ndjson', 'csv'] as const;
export type PointFormat = (typeof POINT_FORMATS)[number];
/** What --format accepts: a format, or `auto` (by the file's name, else by its first line). */
export type PointFormatChoice = PointFormat | 'auto';

/** The format a file's name says (.csv, .ndjson, .jsonl, .json; each also .gz), or null when it says none. */
export function formatByName(path: string | null): PointFormat | null {
  if (path === null) return null;
  const name = path.replace(/\.gz$/i, '');
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(?:ndjson|jsonl|json)$/i.test(name)) return 'ndjson';
  return null;
}

/**
 * The format of input whose name says none (stdin, a FIFO, /dev/fd/N, .txt) by its first
 * non-blank line: NDJSON when it starts with a bracket, CSV when it has a comma, else
 * NDJSON (whose refusals then say what is wrong).
 */
export function formatByContent(firstLine: string | null): PointFormat {
  if (firstLine === null) return 'ndjson';
  const t = firstLine.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) return 'ndjson';
  return t.includes(',') ? 'csv' : 'ndjson';
}
