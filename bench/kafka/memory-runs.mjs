// The memory runs: the processor over long backlogs, RSS sampled, the first always and the
// optional ones only while the time budget allows (with their expected duration).
import { fmt1, fmtInt, mib, pct } from '../lib/format.mjs';
import { BUDGET_MS, MEMORY_JSON_POINTS, MEMORY_LONG_POINTS, MEMORY_POINTS, RSS_SAMPLE_MS, SEEDS } from './config.mjs';
import { memorySummary } from './memory-summary.mjs';
import { runProcessor } from './processor-child.mjs';
import { produce } from './produce.mjs';
import { log, prefix, sinceStartMs } from './session.mjs';

const MEMORY_PLAN = [
  { label: 'memory-binary', format: 'binary', points: MEMORY_POINTS, seed: SEEDS.memoryBinary, what: 'binary points', needsMs: 0 },
  { label: 'memory-json', format: 'json', points: MEMORY_JSON_POINTS, seed: SEEDS.memoryJson, what: 'JSON points', needsMs: 60_000 },
  { label: 'memory-long', format: 'binary', points: MEMORY_LONG_POINTS, seed: SEEDS.memoryLong, what: 'binary points (long run)', needsMs: 120_000, deleteAfter: true },
];

/** Every planned memory run: { memory: summaries (or skipped/failed rows), memoryRuns: the raw runs }. */
export async function runMemory(client) {
  log('memory: producing the long backlogs ...');
  const memory = [];
  const memoryRuns = [];
  for (const plan of MEMORY_PLAN) {
    if (plan.points <= 0) continue;
    if (plan.needsMs > 0 && sinceStartMs() + plan.needsMs > BUDGET_MS) {
      log(`memory: skipping the ${plan.what} backlog (time budget of ${BUDGET_MS / 1000} s)`);
      memory.push({ format: plan.format, points: plan.points, skipped: `time budget of ${BUDGET_MS / 1000} s` });
      continue;
    }
    const backlog = await produce(client, `${prefix}-${plan.label}`, plan.format, plan.points, plan.seed);
    log(`memory: processor over ${fmtInt(plan.points)} ${plan.what}, sampling RSS every ${RSS_SAMPLE_MS} ms ...`);
    const run = await runProcessor(backlog, plan.label);
    memoryRuns.push(run);
    memory.push(memorySummary(run));
    if (plan.deleteAfter) await client.admin.deleteTopics({ topics: [backlog.topic], timeout: 30_000 }).catch(() => undefined);
  }
  for (const mem of memory) {
    if (mem.rssAt) {
      log(
        `  memory ${mem.format}: RSS ${Object.entries(mem.rssAt).map(([k, v]) => `${k} ${mib(v)}`).join(', ')}; after 20%: ` +
          `${mib(mem.afterWarmup.min)} – ${mib(mem.afterWarmup.max)} (spread ${pct(mem.afterWarmup.spread)}: ${mem.flat ? 'flat' : 'NOT flat'}), ` +
          `mean ${mib(mem.meanRss['20-60%'])} at 20–60%, ${mib(mem.meanRss['60-100%'])} at 60–100%, trend ${fmt1(mem.rssSlopePerMillionPoints / 2 ** 20)} MiB per million points`,
      );
    }
  }
  return { memory, memoryRuns };
}
