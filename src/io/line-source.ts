import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface NumberedLine {
  readonly text: string;
  /** 1-based line number within the input. */
  readonly lineNumber: number;
  /** 1-based pass over the input. */
  readonly epoch: number;
}

/**
 * Lines of FILE (or of stdin when file is null), replayed `epochs` times. A file is
 * re-read for each epoch; stdin can be read once only, so it is kept in memory when
 * more than one epoch is asked for. Blank lines are skipped.
 */
export async function* numberedLines(
  file: string | null,
  epochs: number,
  stdin: Readable = process.stdin,
): AsyncGenerator<NumberedLine> {
  const kept: string[] | null = file === null && epochs > 1 ? [] : null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (kept && epoch > 1) {
      for (let i = 0; i < kept.length; i++) if (kept[i].trim() !== '') yield { text: kept[i], lineNumber: i + 1, epoch };
      continue;
    }
    const input = file === null ? stdin : createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const text of lines) {
      lineNumber++;
      kept?.push(text);
      if (text.trim() !== '') yield { text, lineNumber, epoch };
    }
  }
}
