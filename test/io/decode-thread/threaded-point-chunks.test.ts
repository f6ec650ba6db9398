import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdleDecodeThread } from '../../../src/io/decode-thread/decode-thread-spawn.js';
import { readValidatedChunks } from '../../../src/io/decode-thread/threaded-point-chunks.js';
import { ChunkValidator, type ValidatedChunk } from '../../../src/io/decode-thread/validated-chunk.js';
import { PointFileError, readPointChunks } from '../../../src/io/point-file.js';
import { ensureDistBuilt } from '../../cli/build-dist.js';

/**
 * The decode thread (the compiled worker under dist/): the chunks it posts are those of the
 * reader validated on this thread, in order; its PointFileError arrives as one; its notices
 * reach the listener; stopping early ends the thread.
 */

let dir: string;
beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-threaded-read-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = { engineDim: null, maxAbs: 1e15, rowsPerChunk: 100 };

async function collect<T>(chunks: AsyncGenerator<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

describe('readValidatedChunks', () => {
  it('posts, in order, the chunks of the reader validated as ChunkValidator does here', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => (i % 97 === 5 ? '{bad' : JSON.stringify([i, i % 7 === 0 ? null : -i])));
    const file = join(dir, 'points.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const threaded = await collect(readValidatedChunks(file, { ...options, epochs: 2 }));
    const validator = new ChunkValidator(null, 1e15);
    const here: ValidatedChunk[] = (await collect(readPointChunks(file, { rowsPerChunk: 100, epochs: 2 }))).map((c) => validator.validate(c));
    expect(threaded).toStrictEqual(here);
    expect(threaded.length).toBeGreaterThanOrEqual(50);
    expect(threaded.at(-1)!.epoch).toBe(2);
  });

  it('tells the notices and raises the reader\'s PointFileError as one', async () => {
    const file = join(dir, 'cols.csv');
    writeFileSync(file, 'x,y,name\n1,2,a\n3,4,b\n');
    const notices: string[] = [];
    const chunks = await collect(readValidatedChunks(file, { ...options, onNotice: (message) => notices.push(message) }));
    expect(notices).toStrictEqual([`${file}: reading the numeric columns x, y (not name); --columns chooses others`]);
    expect(chunks[0].runs[0]).toMatchObject({ kind: 'accepted', data: Float64Array.of(1, 2, 3, 4), dim: 2 });
    const failing = collect(readValidatedChunks(file, { ...options, columns: ['x', 'w'] }));
    await expect(failing).rejects.toBeInstanceOf(PointFileError);
    await expect(failing).rejects.toThrow(/no column "w"/);
  });

  it('a consumer that stops early ends the thread, however much is left to read', async () => {
    const file = join(dir, 'long.ndjson');
    writeFileSync(file, `${Array.from({ length: 200_000 }, (_, i) => `[${i}, 1]`).join('\n')}\n`);
    let seen = 0;
    for await (const chunk of readValidatedChunks(file, options)) {
      seen += chunk.runs.length;
      if (seen >= 3) break;
    }
    expect(seen).toBe(3);
  });

  it('a thread started ahead and left idle takes its job later, once, and reads the same chunks', async () => {
    const file = join(dir, 'ahead.ndjson');
    writeFileSync(file, `${Array.from({ length: 1000 }, (_, i) => JSON.stringify([i, i % 3 === 0 ? null : 2 * i])).join('\n')}\n`);
    const idle = IdleDecodeThread.spawn();
    await new Promise((resolve) => setTimeout(resolve, 300)); // booted, waiting for its job
    const ahead = await collect(readValidatedChunks(file, { ...options, thread: idle }));
    expect(ahead).toStrictEqual(await collect(readValidatedChunks(file, options)));
    expect(() => idle.take()).toThrow(/already taken/);
  });

  it('a thread that died before it was taken is replaced, not waited for', async () => {
    const idle = IdleDecodeThread.spawn();
    const worker = (idle as unknown as { worker: import('node:worker_threads').Worker }).worker;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker.terminate();
    const file = join(dir, 'replaced.ndjson');
    writeFileSync(file, '[1, 2]\n[3, 4]\n');
    const chunks = await collect(readValidatedChunks(file, { ...options, thread: idle }));
    expect(chunks.flatMap((c) => c.runs)).toMatchObject([{ kind: 'accepted', data: Float64Array.of(1, 2, 3, 4) }]);
  });
});
