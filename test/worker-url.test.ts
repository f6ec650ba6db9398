import { describe, expect, it } from 'vitest';
import { compiledWorkerUrl } from '../src/worker-url.js';

describe('compiledWorkerUrl', () => {
  it('is the compiled worker under dist/ from the sources, and the one beside a compiled or bundled caller', () => {
    expect(compiledWorkerUrl('file:///repo/src/io/decode-thread/threaded-point-chunks.ts', 'io/decode-thread/decode-worker.js').href).toBe('file:///repo/dist/io/decode-thread/decode-worker.js');
    expect(compiledWorkerUrl('file:///repo/dist/io/decode-thread/threaded-point-chunks.js', 'io/decode-thread/decode-worker.js').href).toBe('file:///repo/dist/io/decode-thread/decode-worker.js');
    expect(compiledWorkerUrl('file:///repo/dist/bin/chunk-ABC.js', 'em/parallel/statistics-worker.js').href).toBe('file:///repo/dist/bin/statistics-worker.js');
  });
});
