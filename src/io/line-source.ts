/** A line longer than the limit: its bytes were counted and dropped, never joined into a string. */
export interface OverlongLine {
  readonly overlong: true;
  /** Its length in bytes (without the line break). */
  readonly bytes: number;
}

/** Consecutive lines of the input, as read in one chunk. */
export interface LineBatch {
  /** Lines without their terminators (blank ones included, so numbering holds). */
  readonly lines: readonly (string | OverlongLine)[];
  /** 1-based line number of the first line within the input. */
  readonly firstLineNumber: number;
}

const NEWLINE = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function isOverlong(line: string | OverlongLine): line is OverlongLine {
  return typeof line !== 'string';
}

/**
 * Split bytes into UTF-8 lines, in batches of whole lines as large reads deliver them
 * (reading line by line costs more than parsing them). A UTF-8 byte-order mark at the
 * start is skipped, a CR before the LF dropped. A line of more than `maxLineBytes`
 * bytes becomes an OverlongLine: its bytes are discarded up to the next line break as
 * they arrive, so that a huge line costs no memory and the lines after it are read.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<LineBatch> {
  let lineNumber = 1;
  // The unfinished last line, in pieces, so that a long line is joined once.
  let partial: Buffer[] = [];
  let partialBytes = 0;
  /** Bytes of the unfinished line once it is known to be too long (its pieces are dropped); -1 while it is not. */
  let overlongBytes = -1;
  let atStart = true;

  const addPartial = (piece: Buffer): void => {
    if (overlongBytes >= 0) {
      overlongBytes += piece.length;
      return;
    }
    partialBytes += piece.length;
    if (partialBytes > maxLineBytes) {
      overlongBytes = partialBytes;
      partial = [];
      partialBytes = 0;
    } else if (piece.length > 0) {
      partial.push(piece);
    }
  };
  /** The unfinished line, completed by `piece` (its end before the newline). */
  const finishPartial = (piece: Buffer): string | OverlongLine => {
    addPartial(piece);
    let line: string | OverlongLine;
    if (overlongBytes >= 0) line = overlong(overlongBytes);
    else line = stripCr(partial.length === 1 ? partial[0].toString('utf8') : Buffer.concat(partial, partialBytes).toString('utf8'));
    partial = [];
    partialBytes = 0;
    overlongBytes = -1;
    return line;
  };

  for await (let chunk of chunks) {
    if (atStart) {
      // A BOM split over two reads is not looked for: reads are far longer than three bytes.
      if (chunk.length >= 3 && chunk.subarray(0, 3).equals(UTF8_BOM)) chunk = chunk.subarray(3);
      if (chunk.length > 0) atStart = false;
    }
    const first = chunk.indexOf(NEWLINE);
    if (first < 0) {
      addPartial(chunk);
      continue;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    const lines: (string | OverlongLine)[] = [finishPartial(chunk.subarray(0, first))];
    if (last > first) {
      for (const text of chunk.toString('utf8', first + 1, last).split('\n')) lines.push(checkLength(stripCr(text), maxLineBytes));
    }
    addPartial(chunk.subarray(last + 1));
    yield { lines, firstLineNumber: lineNumber };
    lineNumber += lines.length;
  }
  if (partialBytes > 0 || overlongBytes >= 0) yield { lines: [finishPartial(Buffer.alloc(0))], firstLineNumber: lineNumber };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function overlong(bytes: number): OverlongLine {
  return { overlong: true, bytes };
}

/** The line, or an OverlongLine when its UTF-8 is longer than the limit (a UTF-16 unit is 1 to 3 bytes). */
function checkLength(line: string, maxLineBytes: number): string | OverlongLine {
  if (line.length * 3 <= maxLineBytes) return line;
  const bytes = Buffer.byteLength(line, 'utf8');
  return bytes > maxLineBytes ? overlong(bytes) : line;
}
