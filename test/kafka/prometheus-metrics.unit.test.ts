import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsServer } from '../../src/cli/metrics-server.js';
import type { ProcessorStatus } from '../../src/kafka/processor-status.js';
import { prometheusMetrics } from '../../src/kafka/prometheus-metrics.js';

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

/** name{labels} -> value, from the exposition text; fails on a line that is neither a comment nor a sample. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-z_]+)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describe('prometheusMetrics', () => {
  const text = prometheusMetrics(status, { rss: 150 * 2 ** 20, heapUsed: 20 * 2 ** 20 });
  const samples = parse(text);
  const model = 'model="sensors \\"eu\\"\\\\1"';

  it('exposes the committed counters, the live figures and the lag per partition, labelled by model', () => {
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

  it('gives every metric one HELP and one TYPE line, counters named _total', () => {
    const names = [...text.matchAll(/^# TYPE (\S+) (counter|gauge)$/gm)];
    expect(names.length).toBe(new Set(names.map((m) => m[1])).size);
    expect(names.length).toBe([...text.matchAll(/^# HELP /gm)].length);
    for (const [, name, type] of names) if (type === 'counter') expect(name).toMatch(/_total$/);
    for (const key of samples.keys()) expect(names.some((m) => key.startsWith(m[1]))).toBe(true);
  });

  it('is documented: the README names every metric', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(names.filter((n) => !readme.includes(`\`${n}`))).toEqual([]);
  });

  it('leaves out what is not known yet, and reports zeros before the first commit', () => {
    const fresh = parse(prometheusMetrics({ ...status, state: 'starting', committed: null, live: null, lag: [] }, { rss: 1, heapUsed: 1 }));
    expect(fresh.get('online_em_points_total{model="sensors \\"eu\\"\\\\1"}')).toBe(0);
    expect(fresh.get('online_em_warming_up{model="sensors \\"eu\\"\\\\1"}')).toBe(1);
    expect([...fresh.keys()].some((k) => k.startsWith('online_em_log_likelihood_average'))).toBe(false);
    expect([...fresh.keys()].some((k) => k.startsWith('online_em_last_commit_timestamp_seconds'))).toBe(false);
    // Restored from a checkpoint with a model, before the first progress: not warming up.
    const restored = parse(prometheusMetrics({ ...status, committed: { ...status.committed!, at: null }, live: null }, { rss: 1, heapUsed: 1 }));
    expect(restored.get('online_em_warming_up{model="sensors \\"eu\\"\\\\1"}')).toBe(0);
    expect(restored.get('online_em_live_points{model="sensors \\"eu\\"\\\\1"}')).toBe(119_000);
  });
});

describe('MetricsServer', () => {
  let current: ProcessorStatus = status;
  let server: MetricsServer;
  afterAll(() => server?.close());

  it('serves /metrics, /healthz and /readyz, and says which endpoints exist', async () => {
    server = await MetricsServer.start('127.0.0.1', 0, () => current);
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
    const metrics = parse(await (await fetch(`${server.url}/metrics`)).text());
    expect([...metrics].filter(([key]) => key.startsWith('online_em_standby{')).map(([, v]) => v)).toEqual([1]);
    current = { ...status, state: 'joining' };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });

  it('fails with a one-line reason when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    await expect(MetricsServer.start('127.0.0.1', port, () => current)).rejects.toThrow(/cannot serve metrics on 127\.0\.0\.1:\d+: the port is in use \(--metrics-port, --metrics-host\)/);
  });
});
