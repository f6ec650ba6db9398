/**
 * Worker thread of `online-em fit FILE`: reads, decodes and validates the lines while
 * the main thread fits, so parsing and the E-step run on two cores. Sends one chunk of
 * valid rows (float64, with their line numbers) and refused points (with reasons) per
 * read of the file, and waits for credit from the main thread so it never runs more
 * than a few chunks ahead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { validatePointInto, type PointRejection } from '../em/point-validation.js';
import { decodeJsonPoints } from './json-points.js';
import { lineBatches } from './line-source.js';
import type { FileChunk, ReaderRequest, WorkerData } from './point-file-protocol.js';

const { file, epochs, maxAbs } = workerData as WorkerData;
const port = parentPort!;
let credit = 0;
let wake: (() => void) | null = null;
port.on('message', (message: ReaderRequest) => {
  credit += message.credit;
  wake?.();
});

async function main(): Promise<void> {
  let dim: number | null = null;
  for await (const { lines, firstLineNumber, epoch } of lineBatches(file, epochs)) {
    const rows: unknown[] = [];
    const rowLines: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i];
      if (text.trim() === '') continue;
      const decoded = decodeJsonPoints(text);
      const lineRows = decoded.ok ? decoded.rows : [{ refused: `${decoded.code}: ${decoded.message}` }];
      for (const row of lineRows) {
        rows.push(row);
        rowLines.push(firstLineNumber + i);
      }
    }
    dim ??= firstValidDimension(rows, maxAbs);
    const chunk = validate(rows, rowLines, dim, maxAbs, epoch);
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    port.postMessage(chunk, [chunk.data.buffer as ArrayBuffer, chunk.lines.buffer as ArrayBuffer]);
  }
  port.postMessage({ type: 'end' });
}

/** The same rule as the engine: the dimension of the first point that is valid on its own. */
function firstValidDimension(rows: readonly unknown[], max: number): number | null {
  for (const row of rows) {
    if (!Array.isArray(row) || row.length === 0) continue;
    if (typeof validatePointInto(row, row.length, max, new Float64Array(row.length), 0) === 'number') return row.length;
  }
  return null;
}

function validate(rows: readonly unknown[], rowLines: readonly number[], dim: number | null, max: number, epoch: number): FileChunk {
  const d = dim ?? 1;
  const data = new Float64Array(dim === null ? 0 : rows.length * d);
  const lines: number[] = [];
  const refused: { line: number; code: PointRejection['code']; message: string }[] = [];
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as { refused?: string };
    let result: number | PointRejection;
    if (row !== null && typeof row === 'object' && typeof row.refused === 'string') result = { code: 'undecodable', message: row.refused };
    else if (dim === null) {
      // No valid point yet: explain each against its own length, as the engine does.
      const length = Array.isArray(row) ? row.length : 0;
      const own = validatePointInto(row, length, max, new Float64Array(length), 0);
      result = typeof own === 'number' ? { code: 'all-missing', message: 'every coordinate is missing' } : own;
    } else result = validatePointInto(row, d, max, data, n * d);
    if (typeof result === 'number') {
      lines.push(rowLines[i]);
      n++;
    } else refused.push({ line: rowLines[i], code: result.code, message: result.message });
  }
  return { type: 'chunk', epoch, dim: d, data: data.slice(0, n * d), lines: Int32Array.from(lines), refused };
}

main().catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
