// The engine alone (bench/kafka/engine-alone.mjs) on the throughput backlogs' first messages:
// each variant in a fresh process (a cold JIT, like the processor), in a rotating order.
import { fileURLToPath } from 'node:url';
import { fmtInt } from '../lib/format.mjs';
import { runJsonChild } from './children.mjs';
import { ENGINE_ALONE_POINTS, SEEDS } from './config.mjs';
import { log } from './session.mjs';

const ENGINE_ALONE = fileURLToPath(new URL('engine-alone.mjs', import.meta.url));
export const VARIANTS = ['engine', 'decode', 'decode+engine', 'operator'];

/** `repeats` rounds of every variant on both formats: { binary: [round], json: [round] }, a round by variant. */
export async function runEngineAlone(repeats) {
  const engineRuns = { binary: [], json: [] };
  for (let r = 0; r < repeats; r++) {
    for (const f of ['binary', 'json']) {
      const results = {};
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(i + r) % VARIANTS.length];
        const e = await runJsonChild(ENGINE_ALONE, { format: f, points: ENGINE_ALONE_POINTS, seed: SEEDS[f], variants: [variant] });
        if (e.error) log(`  engine alone ${f} ${variant}: FAILED: ${e.error}`);
        else results[variant] = e.results[variant];
      }
      engineRuns[f].push(results);
      log(`  engine alone ${f} #${r + 1}: ${VARIANTS.map((k) => `${k} ${fmtInt(results[k]?.pointsPerSecond)}`).join(', ')} points/s`);
    }
  }
  return engineRuns;
}
