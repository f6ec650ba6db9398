import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsServer } from '../../../src/cli/metrics-server.js';
import { ProcessorMetrics } from '../../../src/kafka/metrics/processor-metrics.js';
import { ProcessorEvents } from '../../../src/kafka/processor-events.js';
import type { ProcessorStatus } from '../../../src/kafka/processor-status.js';
import { parseExposition, seriesOf } from './exposition.js';

const status: ProcessorStatus = {
  model: 'sensors "eu"\\1',
  state: 'consuming',
  lastError: null,
  sessions: 2,
  sessionFailures: 1,
  committed: {
    counters: { messages: 120, deadLettered: 3, snapshotsPublished: 7, checkpoints: 9, scoresPublished: 117, pointsScored: 118_400, anomalies: 130 },
    engine: { pointsSeen: 119_000, batches: 595, rejected: 5, reseeds: 1, jitterEvents: 0, skippedBatches: 0 },
    at: 1_795_000_000_000,
    logLikelihoodAverage: -4.25,
    stepSize: 0.0123,
    converged: true,
    changes: 2,
    anomaly: { threshold: -11.5, quantile: 0.001, rate: 0.0011, flagged: 130 },
  },
  live: { pointsSeen: 120_500, pointsPerSecond: 250_000.5, warmingUp: false },
  lag: [
    { topic: 'points', partition: 0, messages: 4 },
    { topic: 'points', partition: 1, messages: 0 },
  ],
  stateSince: 1_795_000_000_000,
  takeovers: 1,
  handovers: 0,
};

const memory = () => ({ rss: 150 * 2 ** 20, heapUsed: 20 * 2 ** 20 });

function metricsOf(current: () => ProcessorStatus, keyed: { keyMetrics: boolean } | null = null, events = new ProcessorEvents()): ProcessorMetrics {
  return new ProcessorMetrics(events, current, { model: current().model, keyed, memory });
}

/** The series as the hand-written exposition served them before prom-client (captured from it). */
const BEFORE = JSON.parse(readFileSync(new URL('./series-before.json', import.meta.url), 'utf8')) as Record<
  'single' | 'keyed',
  { name: string; type: string; labels: string[]; help: string }[]
>;

/** The series prom-client adds: the latency histograms. */
const ADDED = { single: ['online_em_commit_seconds', 'online_em_minibatch_update_seconds'], keyed: ['online_em_commit_seconds', 'online_em_minibatch_update_seconds'] };

describe('ProcessorMetrics', () => {
  const model = 'model="sensors \\"eu\\"\\\\1"';

  it('exposes the committed counters, the live figures and the lag per partition, labelled by model', async () => {
    const samples = parseExposition(await metricsOf(() => status).text()).samples;
    expect(samples.get(`online_em_points_total{${model}}`)).toBe(119_000);
    expect(samples.get(`online_em_points_rejected_total{${model}}`)).toBe(5);
    expect(samples.get(`online_em_messages_total{${model}}`)).toBe(120);
    expect(samples.get(`online_em_dead_letters_total{${model}}`)).toBe(3);
    expect(samples.get(`online_em_snapshots_published_total{${model}}`)).toBe(7);
    expect(samples.get(`online_em_checkpoints_total{${model}}`)).toBe(9);
    expect(samples.get(`online_em_reseeds_total{${model}}`)).toBe(1);
    expect(samples.get(`online_em_changes_total{${model}}`)).toBe(2);
    expect(samples.get(`online_em_log_likelihood_average{${model}}`)).toBe(-4.25);
    expect(samples.get(`online_em_step_size{${model}}`)).toBe(0.0123);
    expect(samples.get(`online_em_converged{${model}}`)).toBe(1);
    expect(samples.get(`online_em_last_commit_timestamp_seconds{${model}}`)).toBe(1_795_000_000);
    expect(samples.get(`online_em_live_points{${model}}`)).toBe(120_500);
    expect(samples.get(`online_em_points_per_second{${model}}`)).toBe(250_000.5);
    expect(samples.get(`online_em_consumer_lag_messages{${model},topic="points",partition="0"}`)).toBe(4);
    expect(samples.get(`online_em_consumer_lag_messages{${model},topic="points",partition="1"}`)).toBe(0);
    expect(samples.get(`online_em_consuming{${model}}`)).toBe(1);
    expect(samples.get(`online_em_standby{${model}}`)).toBe(0);
    expect(samples.get(`online_em_state{${model},state="consuming"}`)).toBe(1);
    expect(samples.get(`online_em_state{${model},state="standby"}`)).toBe(0);
    expect(samples.get(`online_em_takeovers_total{${model}}`)).toBe(1);
    expect(samples.get(`online_em_session_failures_total{${model}}`)).toBe(1);
    expect(samples.get(`online_em_resident_memory_bytes{${model}}`)).toBe(150 * 2 ** 20);
    expect(samples.get(`online_em_scores_records_total{${model}}`)).toBe(117);
    expect(samples.get(`online_em_points_scored_total{${model}}`)).toBe(118_400);
    expect(samples.get(`online_em_anomalies_total{${model}}`)).toBe(130);
    expect(samples.get(`online_em_anomaly_threshold{${model}}`)).toBe(-11.5);
    expect(samples.get(`online_em_anomaly_rate{${model}}`)).toBe(0.0011);
  });

  it.each([
    ['one model', 'single', null],
    ['keyed', 'keyed', { keyMetrics: true }],
  ] as const)('%s: every series of the hand-written exposition keeps its name, type, labels and HELP; only the histograms are new', async (_name, mode, keyed) => {
    const current = (): ProcessorStatus =>
      mode === 'keyed'
        ? { ...status, keyed: { keysInMemory: 1, keysKnown: 2, evictions: 0, restored: 0, committed: { messages: 1, deadLettered: 0, points: 1, snapshots: 1, checkpoints: 1 }, keyLogLikelihoods: new Map([['k', -1]]) } }
        : status;
    const after = seriesOf(parseExposition(await metricsOf(current, keyed).text())).filter((s) => s.name.startsWith('online_em_'));
    // The order of the metric families is no part of the exposition (Prometheus keys a series by name and labels):
    // prom-client writes its histograms after the series read from the status.
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(after.filter((s) => !ADDED[mode].includes(s.name)).sort(byName)).toEqual([...BEFORE[mode]].sort(byName));
    expect(after.filter((s) => ADDED[mode].includes(s.name)).map((s) => [s.name, s.type, s.labels])).toEqual(ADDED[mode].map((n) => [n, 'histogram', ['model']]));
  });

  it('has the default process and Node.js metrics: CPU, event-loop lag, GC, heap', async () => {
    const { types } = parseExposition(await metricsOf(() => status).text());
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(types.has(name), name).toBe(true);
    }
    expect(types.get('nodejs_gc_duration_seconds')).toBe('histogram');
  });

  it('observes the commit and minibatch-update latencies from the events, and the keyed restores per key', async () => {
    const events = new ProcessorEvents();
    const metrics = metricsOf(() => status, null, events);
    expect(events.updateListener()).toBeDefined();
    events.emit({ type: 'minibatch-updated', points: 200, durationMs: 0.04 });
    events.emit({ type: 'minibatch-updated', points: 200, durationMs: 3 });
    events.emit({ type: 'committed', durationMs: 40 } as Parameters<ProcessorEvents['emit']>[0]);
    const { samples } = parseExposition(await metrics.text());
    expect(samples.get(`online_em_minibatch_update_seconds_bucket{le="0.00005",${model}}`)).toBe(1);
    expect(samples.get(`online_em_minibatch_update_seconds_bucket{le="0.005",${model}}`)).toBe(2);
    expect(samples.get(`online_em_minibatch_update_seconds_count{${model}}`)).toBe(2);
    expect(samples.get(`online_em_minibatch_update_seconds_sum{${model}}`)).toBeCloseTo(0.00304, 12);
    expect(samples.get(`online_em_commit_seconds_bucket{le="0.025",${model}}`)).toBe(0);
    expect(samples.get(`online_em_commit_seconds_bucket{le="0.05",${model}}`)).toBe(1);
    expect(samples.get(`online_em_commit_seconds_count{${model}}`)).toBe(1);
    metrics.close();
    expect(events.updateListener()).toBeUndefined();
  });

  it('is documented: the README names every online_em metric', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const keyed = { ...status, keyed: { keysInMemory: 0, keysKnown: 0, evictions: 0, restored: 0, committed: { messages: 0, deadLettered: 0, points: 0, snapshots: 0, checkpoints: 0 }, keyLogLikelihoods: null } };
    const names = [
      ...parseExposition(await metricsOf(() => status).text()).types.keys(),
      ...parseExposition(await metricsOf(() => keyed, { keyMetrics: true }).text()).types.keys(),
    ].filter((n) => n.startsWith('online_em_'));
    expect(names.filter((n) => !readme.includes(`\`${n}`))).toEqual([]);
  });

  it('leaves out what is not known yet, and reports zeros before the first commit', async () => {
    const fresh = parseExposition(await metricsOf(() => ({ ...status, state: 'starting', committed: null, live: null, lag: [] })).text()).samples;
    expect(fresh.get(`online_em_points_total{${model}}`)).toBe(0);
    expect(fresh.get(`online_em_warming_up{${model}}`)).toBe(1);
    expect([...fresh.keys()].some((k) => k.startsWith('online_em_log_likelihood_average'))).toBe(false);
    expect([...fresh.keys()].some((k) => k.startsWith('online_em_last_commit_timestamp_seconds'))).toBe(false);
    // Restored from a checkpoint with a model, before the first progress: not warming up.
    const restored = parseExposition(await metricsOf(() => ({ ...status, committed: { ...status.committed!, at: null }, live: null })).text()).samples;
    expect(restored.get(`online_em_warming_up{${model}}`)).toBe(0);
    expect(restored.get(`online_em_live_points{${model}}`)).toBe(119_000);
  });

  it('follows the status from one scrape to the next (a series that goes away has no sample)', async () => {
    let current: ProcessorStatus = status;
    const metrics = metricsOf(() => current);
    expect(parseExposition(await metrics.text()).samples.get(`online_em_consumer_lag_messages{${model},topic="points",partition="1"}`)).toBe(0);
    current = { ...status, lag: [{ topic: 'points', partition: 0, messages: 9 }], committed: { ...status.committed!, counters: { ...status.committed!.counters, messages: 121 } } };
    const samples = parseExposition(await metrics.text()).samples;
    expect(samples.get(`online_em_messages_total{${model}}`)).toBe(121);
    expect(samples.get(`online_em_consumer_lag_messages{${model},topic="points",partition="0"}`)).toBe(9);
    expect(samples.has(`online_em_consumer_lag_messages{${model},topic="points",partition="1"}`)).toBe(false);
  });
});

describe('MetricsServer', () => {
  let current: ProcessorStatus = status;
  let server: MetricsServer;
  afterAll(() => server?.close());

  it('serves /metrics, /healthz and /readyz, and says which endpoints exist', async () => {
    server = await MetricsServer.start('127.0.0.1', 0, () => current, metricsOf(() => current));
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain('online_em_points_total');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/try \/metrics, \/healthz or \/readyz/);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('is not ready while retrying, and says why; still alive', async () => {
    current = { ...status, state: 'retrying', lastError: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' };
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', state: 'retrying', lastError: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('is ready while standing by (a rolling update waits for readiness), and says it stands by', async () => {
    current = { ...status, state: 'standby' };
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'standby', state: 'standby', lastError: null });
    const { samples } = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    expect([...samples].filter(([key]) => key.startsWith('online_em_standby{')).map(([, v]) => v)).toEqual([1]);
    current = { ...status, state: 'joining' };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });

  it('fails with a one-line reason when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    await expect(MetricsServer.start('127.0.0.1', port, () => current, metricsOf(() => current))).rejects.toThrow(
      /cannot serve metrics on 127\.0\.0\.1:\d+: the port is in use \(--metrics-port, --metrics-host\)/,
    );
  });
});
