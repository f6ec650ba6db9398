#!/usr/bin/env node
// Bundles the command line (dist/cli/main.js, as tsc emitted it) into dist/bin/online-em.js.
// Why: node loads rxjs through its CommonJS build, ~300 files, and ml-matrix likewise; that
// was ~90 ms of every `online-em fit` (a third of a 200k-point fit at d=5). The bundle takes
// rxjs's ES modules, tree-shaken, in a few files. Each command stays a lazily loaded chunk,
// and kafkajs stays external (loaded from node_modules by `run` and `demo-producer` only), as do prom-client and pino.
import { build } from 'esbuild';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** rxjs's exports send node (and any bundler targeting it) to its CommonJS build; take its ES modules, which tree-shake. */
const rxjsEsModules = {
  name: 'rxjs-es-modules',
  setup(b) {
    b.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(root, 'node_modules', 'rxjs', 'dist', 'esm', 'index.js') }));
  },
};
const outdir = join(root, 'dist', 'bin');
// Files are overwritten, never deleted first: a CLI started meanwhile (tests run in parallel)
// must not find its entry missing. Chunks of an older build are removed afterwards.
const result = await build({
  // The worker threads beside the chunks (worker-pool.ts, off-thread-warmup.ts, threaded-point-chunks.ts and message-decode-thread.ts look for them there).
  entryPoints: [
    { in: join(root, 'dist', 'cli', 'main.js'), out: 'online-em' },
    { in: join(root, 'dist', 'em', 'parallel', 'statistics-worker.js'), out: 'statistics-worker' },
    { in: join(root, 'dist', 'em', 'warmup', 'warmup-worker.js'), out: 'warmup-worker' },
    { in: join(root, 'dist', 'io', 'decode-thread', 'decode-worker.js'), out: 'decode-worker' },
    { in: join(root, 'dist', 'kafka', 'message-decode', 'message-decode-worker.js'), out: 'message-decode-worker' },
  ],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [rxjsEsModules],
  // protobufjs: @datadog/sketches-js requires it only in toProto/fromProto, which online-em never calls
  // (it checkpoints the sketch's bins), and does not depend on it.
  // prom-client and pino (CommonJS, with dynamic requires) load from node_modules, like kafkajs.
  external: ['kafkajs', 'prom-client', 'pino', 'protobufjs/minimal'],
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const written = new Set(Object.keys(result.metafile.outputs).map((path) => join(root, path)));
for (const name of readdirSync(outdir)) if (!written.has(join(outdir, name))) rmSync(join(outdir, name), { force: true });
chmodSync(join(outdir, 'online-em.js'), 0o755);
