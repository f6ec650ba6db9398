// Preloaded into the keyed bench's `online-em run --keyed` children (node --import): records
// every read-back of evicted keys (the processor's `keys-restored` event on the diagnostics
// channel 'online-em:processor') and when every partition with data (BENCH_PARTITIONS_WITH_DATA)
// was first read to its end (`lag` events: the end of processing, before the commit that follows),
// and writes them to BENCH_PROBE_FILE at exit.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PROBE_FILE;
/** [keys, durationMs, fromStateTopic] of every read-back. */
const restores = [];
let evictions = 0;
/** Per partition, the lag after its last batch; the first time every partition with data has none is the end of processing. */
const lag = new Map();
let caughtUpAt = null;
subscribe('online-em:processor', (event) => {
  if (event.type === 'keys-restored') restores.push([event.keys, Math.round(event.durationMs * 1000) / 1000, event.fromStateTopic]);
  else if (event.type === 'keys') evictions = event.evictionsTotal;
  else if (event.type === 'lag') {
    lag.set(event.partition, event.messages);
    if (caughtUpAt === null && Number(process.env.BENCH_PARTITIONS_WITH_DATA) === lag.size && [...lag.values()].every((m) => m === 0)) caughtUpAt = Date.now();
  }
});
process.on('exit', () => {
  if (file) writeFileSync(file, JSON.stringify({ restores, evictions, caughtUpAt }));
});
