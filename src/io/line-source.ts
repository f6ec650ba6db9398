import { createReadStream } from 'node:fs';

/** Consecutive lines of the input, as read in one chunk. */
export interface LineBatch {
  /** Lines without their terminators (blank ones included, so numbering holds). */
  readonly lines: readonly string[];
  /** 1-based line number of the first line within the input. */
  readonly firstLineNumber: number;
  /** 1-based pass over the input. */
  readonly epoch: number;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Lines of FILE (or of stdin when file is null), replayed `epochs` times, in batches
 * of whole lines as large reads deliver them (reading line by line costs more than
 * parsing them). A file is re-read for each epoch; stdin can be read once only, so
 * it is kept in memory when more than one epoch is asked for.
 */
export async function* lineBatches(file: string | null, epochs: number): AsyncGenerator<LineBatch> {
  const kept: string[][] | null = file === null && epochs > 1 ? [] : null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lineNumber = 1;
    if (kept && epoch > 1) {
      for (const lines of kept) {
        yield { lines, firstLineNumber: lineNumber, epoch };
        lineNumber += lines.length;
      }
      continue;
    }
    const input = file === null ? process.stdin.setEncoding('utf8') : createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
    // The unfinished last line, in pieces, so a very long line is joined once.
    let partial: string[] = [];
    for await (const chunk of input as AsyncIterable<string>) {
      const end = chunk.lastIndexOf('\n');
      if (end < 0) {
        partial.push(chunk);
        continue;
      }
      const lines = (partial.join('') + chunk.slice(0, end)).split('\n');
      partial = [chunk.slice(end + 1)];
      for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
      kept?.push(lines);
      yield { lines, firstLineNumber: lineNumber, epoch };
      lineNumber += lines.length;
    }
    const last = partial.join('');
    if (last !== '') {
      kept?.push([last]);
      yield { lines: [last], firstLineNumber: lineNumber, epoch };
    }
  }
}
