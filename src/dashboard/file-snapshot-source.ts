import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Loads `fit`'s NDJSON output (one snapshot a line) into a store, for an offline replay:
 * the position of each snapshot is its line number, its model the file's name unless the
 * snapshot names one. Blank lines and lines that are not JSON objects are counted, skipped.
 */
export async function loadSnapshotFile(path: string, store: SnapshotStore): Promise<{ loaded: number; skipped: number }> {
  const fallback = basename(path).replace(/\.(nd)?jsonl?$/i, '') || 'fit';
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  let loaded = 0;
  let skipped = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      json = null;
    }
    if (store.add(String(n), json, fallback)) loaded++;
    else skipped++;
  }
  return { loaded, skipped };
}
