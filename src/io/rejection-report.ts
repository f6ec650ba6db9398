import { createWriteStream, type WriteStream } from 'node:fs';

/** Beyond this, rejections are only counted on stderr: a wrong file must not flood the terminal. */
export const MAX_REJECTIONS_ON_STDERR = 100;

export interface RejectionReportOptions {
  /** Write every rejection as NDJSON {line, epoch, code, message} to this file instead of stderr. */
  readonly rejectsFile?: string | null;
  /** More than one pass: each stderr line says its epoch. */
  readonly multiEpoch?: boolean;
  /** Written before each stderr line (to clear a progress line). */
  readonly prefix?: () => string;
}

/**
 * The refused lines of an input, as `fit` and `produce` report them: on stderr as
 * `line N: code: message` (the first 100, then a count), or all of them in a
 * --rejects file; and a closing summary.
 */
export class RejectionReport {
  private count = 0;
  private readonly file: WriteStream | null;

  constructor(
    private readonly stderr: NodeJS.WritableStream,
    private readonly options: RejectionReportOptions = {},
  ) {
    this.file = options.rejectsFile ? createWriteStream(options.rejectsFile) : null;
  }

  get rejected(): number {
    return this.count;
  }

  report(line: number, epoch: number, code: string, message: string): void {
    this.count++;
    if (this.file) this.file.write(`${JSON.stringify({ line, epoch, code, message })}\n`);
    else if (this.count <= MAX_REJECTIONS_ON_STDERR) {
      this.stderr.write(`${this.options.prefix?.() ?? ''}line ${line}${this.options.multiEpoch ? ` (epoch ${epoch})` : ''}: ${code}: ${message}\n`);
    }
  }

  /** Close the --rejects file; the summary line (null when nothing was rejected), e.g. `12 point(s) rejected; ...`. */
  async close(what = 'point(s)'): Promise<string | null> {
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
    if (this.count === 0) return null;
    const hidden = file ? 0 : this.count - MAX_REJECTIONS_ON_STDERR;
    const where = file
      ? `, listed in ${this.options.rejectsFile}`
      : hidden > 0
        ? `; the first ${MAX_REJECTIONS_ON_STDERR} are listed above (--rejects FILE keeps them all)`
        : '';
    return `${this.count} ${what} rejected${where}`;
  }
}
