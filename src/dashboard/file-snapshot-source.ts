import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Loads `fit`'s NDJSON output (one snapshot a line) into a store, for an offline replay:
 * the position of each snapshot is its line number, its model `fit` unless the snapshot
 * names one (as the page names it). Blank lines and lines that are not JSON objects are counted, skipped.
 */
export async function loadSnapshotFile(path: string, store: SnapshotStore): Promise<{ loaded: number; skipped: number }> {
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
    if (store.add(String(n), json, 'fit')) loaded++;
    else skipped++;
  }
  return { loaded, skipped };
}
