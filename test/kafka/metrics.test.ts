import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';
import { parseExposition } from './metrics/exposition.js';

/** The run command's line saying where it serves the metrics (not a processor event). */
const METRICS_LINE = /^metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/;

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
      // Strict: every line of the exposition is a HELP, a TYPE or a sample.
      const { samples: m, types } = parseExposition(text);
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
      // prom-client's default process and Node.js metrics, labelled by model like the rest.
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds', 'nodejs_heap_size_used_bytes']) {
        expect(types.has(name), name).toBe(true);
      }
      expect(m.get(`process_cpu_seconds_total${model}`)).toBeGreaterThan(0);
      expect(m.get(`nodejs_heap_size_used_bytes${model}`)).toBeGreaterThan(0);
      expect([...m].some(([k, v]) => k.startsWith('nodejs_gc_duration_seconds_count{') && v > 0)).toBe(true);
      // The histograms have a sample per transaction and per stepwise update of the run.
      expect(types.get('online_em_commit_seconds')).toBe('histogram');
      expect(types.get('online_em_minibatch_update_seconds')).toBe('histogram');
      const commits = proc.events.filter((e) => e.event === 'committed').length;
      expect(commits).toBeGreaterThan(0);
      expect(m.get(`online_em_commit_seconds_count${model}`)).toBe(commits);
      expect(m.get(`online_em_commit_seconds_bucket{le="+Inf",model="${names.model}"}`)).toBe(commits);
      expect(m.get(`online_em_commit_seconds_sum${model}`)).toBeGreaterThan(0);
      expect(m.get(`online_em_minibatch_update_seconds_count${model}`)).toBe(m.get(`online_em_minibatches_total${model}`));
      expect(m.get(`online_em_minibatches_total${model}`)).toBeGreaterThan(50);
      expect(m.get(`online_em_minibatch_update_seconds_sum${model}`)).toBeGreaterThan(0);
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
