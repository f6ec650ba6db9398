/**
 * A point file that cannot be read as asked (missing, a directory, not gzip after all,
 * a CSV without the columns named): one line saying what and what to do. Commands
 * print it and exit 2; bad lines inside a readable file are refused points instead.
 */
export class PointFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PointFileError';
  }
}
