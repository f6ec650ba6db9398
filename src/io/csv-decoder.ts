import { RefusedPoint } from '../em/point-validation.js';
import { cellValue, keyValue, notANumber } from './column-value.js';
import { parseCsvRecord } from './csv-record.js';
import type { DecoderContext, PointDecoder, RowSink } from './point-decoder.js';
import { PointFileError } from './point-file-error.js';

/** Data rows looked at to choose the numeric columns when none are named. */
export const CSV_SAMPLE_ROWS = 200;

/** A data line held back while the columns are chosen: its cells, or why it is refused. */
interface HeldLine {
  readonly cells: string[] | null;
  readonly refusal: RefusedPoint | null;
  readonly line: number;
}

/**
 * CSV with a header line naming the columns. The coordinates are the columns of
 * `columns`, or else every numeric column (but the key column): a column is numeric
 * when in the first CSV_SAMPLE_ROWS data rows at least 9 in 10 of its cells that are
 * not missing are numbers (a stray typo refuses its row, not the column). An empty cell (or NA, NaN, null) is a missing coordinate.
 * A line with another number of cells than the header is refused.
 */
export class CsvDecoder implements PointDecoder {
  private header: string[] | null = null;
  private headerRead = false;
  /** The coordinate columns' indices, once chosen. */
  private chosen: number[] | null = null;
  private keyIndex: number | null = null;
  private held: HeldLine[] = [];

  constructor(private readonly context: DecoderContext) {}

  startPass(): void {
    this.headerRead = false;
  }

  line(text: string | RefusedPoint, lineNumber: number, sink: RowSink): void {
    if (!this.headerRead) return this.readHeader(text, lineNumber);
    const header = this.header!;
    let cells: string[] | null = null;
    let refusal: RefusedPoint | null = null;
    if (text instanceof RefusedPoint) refusal = text;
    else {
      const record = parseCsvRecord(text);
      if (!record.ok) refusal = new RefusedPoint(`csv: ${record.message}`);
      else if (record.cells.length !== header.length) refusal = new RefusedPoint(`csv: the line has ${record.cells.length} cell(s), the header ${header.length}`);
      else cells = record.cells;
    }
    if (this.chosen === null) {
      this.held.push({ cells, refusal, line: lineNumber });
      if (this.held.length >= CSV_SAMPLE_ROWS) this.choose(sink);
      return;
    }
    if (refusal) sink.push(refusal, lineNumber, null);
    else this.emit(cells!, lineNumber, sink);
  }

  endPass(sink: RowSink): void {
    if (this.chosen === null && this.held.length > 0) this.choose(sink);
  }

  private readHeader(text: string | RefusedPoint, lineNumber: number): void {
    const { label, columns, keyColumn } = this.context;
    if (text instanceof RefusedPoint) throw new PointFileError(`the CSV header of ${label} (line ${lineNumber}) cannot be read: ${text.message}`);
    const record = parseCsvRecord(text);
    if (!record.ok) throw new PointFileError(`the CSV header of ${label} (line ${lineNumber}) is not a CSV line: ${record.message}`);
    this.headerRead = true;
    if (this.header !== null) return; // a later pass: the same file, columns chosen already
    const names = record.cells.map((c) => c.trim());
    this.header = names;
    this.hintAboutHeader(text, names);
    const indexOf = (name: string, what: string): number => {
      const index = names.indexOf(name);
      if (index < 0) throw new PointFileError(`${what}: no column ${JSON.stringify(name)} in the CSV header of ${label} (its columns: ${names.join(', ')})`);
      return index;
    };
    if (keyColumn !== null) this.keyIndex = indexOf(keyColumn, '--key-column');
    if (columns !== null) {
      this.chosen = columns.map((name) => indexOf(name, '--columns'));
      this.checkDim();
    }
  }

  private hintAboutHeader(text: string, names: readonly string[]): void {
    const { label, notice } = this.context;
    if (/^\s*[[{]/.test(text)) notice(`hint: ${label} looks like NDJSON (its first line starts with a bracket); pass --format ndjson`, 'hint');
    else if (names.every((name) => typeof cellValue(name) === 'number')) {
      notice(`hint: the first line of ${label} holds numbers, not column names: a CSV file needs a header line (e.g. x1,x2,...) first`, 'hint');
    }
  }

  /** Choose the numeric columns from the rows held back, then let them go. */
  private choose(sink: RowSink): void {
    const { label, notice } = this.context;
    const header = this.header!;
    const sample = this.held.filter((h) => h.cells !== null).map((h) => h.cells!);
    if (sample.length === 0) {
      // Nothing to choose from yet (every line refused): let them go, choose on later lines.
      for (const h of this.held) sink.push(h.refusal!, h.line, null);
      this.held = [];
      return;
    }
    const numeric: number[] = [];
    for (let j = 0; j < header.length; j++) {
      if (j === this.keyIndex) continue;
      let numbers = 0;
      let others = 0;
      for (const cells of sample) {
        const v = cellValue(cells[j]);
        if (typeof v === 'number') numbers++;
        else if (v === undefined) others++;
      }
      if (numbers > 0 && others * 9 <= numbers) numeric.push(j);
    }
    if (numeric.length === 0) {
      throw new PointFileError(`no numeric column in the first ${sample.length} rows of ${label} (its columns: ${header.join(', ')}): pass --columns`);
    }
    this.chosen = numeric;
    this.checkDim();
    const skipped = header.filter((_, j) => !numeric.includes(j) && j !== this.keyIndex);
    notice(
      `${label}: reading the numeric columns ${numeric.map((j) => header[j]).join(', ')}${skipped.length > 0 ? ` (not ${skipped.join(', ')})` : ''}; --columns chooses others`,
      'columns',
    );
    for (const h of this.held) {
      if (h.refusal) sink.push(h.refusal, h.line, null);
      else this.emit(h.cells!, h.line, sink);
    }
    this.held = [];
  }

  private emit(cells: readonly string[], lineNumber: number, sink: RowSink): void {
    const chosen = this.chosen!;
    const key = this.keyIndex === null ? null : keyValue(cells[this.keyIndex]);
    const row = new Array<number | null>(chosen.length);
    for (let j = 0; j < chosen.length; j++) {
      const v = cellValue(cells[chosen[j]]);
      if (v === undefined) return sink.push(notANumber('column', this.header![chosen[j]], JSON.stringify(cells[chosen[j]]), 'an empty cell'), lineNumber, key);
      row[j] = v;
    }
    sink.push(row, lineNumber, key);
  }

  private checkDim(): void {
    const { dim, label } = this.context;
    const chosen = this.chosen!;
    if (dim !== null && chosen.length !== dim) {
      const names = chosen.map((j) => this.header![j]).join(', ');
      throw new PointFileError(`--dim ${dim}, but ${chosen.length} column(s) are read from ${label} (${names}): pass --columns with ${dim} names`);
    }
  }
}
