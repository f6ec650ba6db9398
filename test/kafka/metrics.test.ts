import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';

/** The run command's line saying where it serves the metrics (not a processor event). */
const METRICS_LINE = /^metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/;

/** name{labels} -> value from a Prometheus exposition. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(online_em_[a-z_]+)(\{.*\})? (\S+)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describe('metrics and health endpoints of `online-em run`', () => {
  it('report the committed counts, the lag and readiness, matching the published snapshot', async () => {
    const names = uniqueNames('metrics');
    const d = 3;
    const messages = jsonMessages(sampleMixture(randomMixture({ k: 3, dim: d, seed: 31 }), 20_000, 32).data, d, 500);
    messages.splice(10, 0, { value: '{"points": [[1, 2' }, { value: '[[1, 2, 3], [1, "x", 3]]' });
    await createTopic(names.input);
    await produce(names.input, messages);
    const proc = ProcessorProcess.forNames(names, ['--components', '3', '--snapshot-interval', '300', '--metrics-port', '0', '--metrics-host', '127.0.0.1']);
    try {
      const listening = await proc.waitForRecord((r) => METRICS_LINE.test(r.message), 30_000);
      const url = METRICS_LINE.exec(listening.message)![1];
      await proc.waitForSnapshot(20_001, 120_000);
      // The committed event comes right after its commit: the status already holds it.
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = samples(text);
      const model = `{model="${names.model}"}`;
      const snapshots = await readSnapshots(names.snapshot);
      const last = snapshots.at(-1)!;
      expect(last.pointsSeen).toBe(20_001);
      expect(m.get(`online_em_points_total${model}`)).toBe(last.pointsSeen);
      expect(m.get(`online_em_points_rejected_total${model}`)).toBe(last.rejected);
      expect(m.get(`online_em_messages_total${model}`)).toBe(last.input.messages);
      expect(m.get(`online_em_messages_total${model}`)).toBe(messages.length);
      expect(m.get(`online_em_dead_letters_total${model}`)).toBe(2);
      expect(m.get(`online_em_snapshots_published_total${model}`)).toBe(snapshots.length);
      expect(m.get(`online_em_log_likelihood_average${model}`)).toBe(last.logLikelihood.average);
      expect(m.get(`online_em_consumer_lag_messages{model="${names.model}",topic="${names.input}",partition="0"}`)).toBe(0);
      expect(m.get(`online_em_consuming${model}`)).toBe(1);
      expect(m.get(`online_em_last_commit_timestamp_seconds${model}`)).toBeGreaterThan(Date.now() / 1000 - 60);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', state: 'consuming', lastError: null });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      proc.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
