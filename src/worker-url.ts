/**
 * The compiled worker `distPath` (relative to dist/, e.g. 'io/decode-thread/decode-worker.js')
 * for a module at `callerUrl`: beside the caller when it runs compiled (under dist/, or in the
 * bundle dist/bin/, where the workers are bundled under the same names); under dist/ when it
 * runs from the TypeScript sources (vitest), since a worker thread cannot load TypeScript.
 */
export function compiledWorkerUrl(callerUrl: string, distPath: string): URL {
  if (callerUrl.endsWith('.ts')) return new URL(`dist/${distPath}`, callerUrl.slice(0, callerUrl.lastIndexOf('/src/') + 1));
  return new URL(`./${distPath.slice(distPath.lastIndexOf('/') + 1)}`, callerUrl);
}
