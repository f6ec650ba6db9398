import { afterEach, describe, expect, it } from 'vitest';
import { DashboardServer } from '../../src/dashboard/dashboard-server.js';
import { ScoreSummaries, type RecordScores, type ScoreSummaryJson } from '../../src/dashboard/score-summary.js';
import { SnapshotStore } from '../../src/dashboard/snapshot-store.js';
import { SseClient } from './sse-client.js';

/**
 * The scores summaries over HTTP (no broker): `GET /api/scores?id=M`, and the `scores` SSE
 * event: a client gets each model's latest summary at once (after the snapshots), then a
 * changed model's summary at most once a tick, however many records came in between.
 */

const servers: DashboardServer[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

const record = (ll: number, flagged = false): RecordScores => ({ n: 2, logLikelihood: [ll, Number.NaN], component: [0, -1], anomaly: [flagged ? 1 : 0, 0] });

async function serve(store: SnapshotStore, scores?: ScoreSummaries): Promise<DashboardServer> {
  const server = await DashboardServer.start(store, { host: '127.0.0.1', port: 0, ...(scores ? { scores } : {}) });
  servers.push(server);
  return server;
}

function client(url: string): SseClient {
  const c = new SseClient(url);
  clients.push(c);
  return c;
}

const scoresEvents = (c: SseClient): ScoreSummaryJson[] => c.events.filter((e) => e.event === 'scores').map((e) => e.data as ScoreSummaryJson);

describe('dashboard scores', () => {
  it('GET /api/scores: 404 until a record of the model is read, then its summary', async () => {
    const scores = new ScoreSummaries();
    const server = await serve(new SnapshotStore(), scores);
    const before = await fetch(`${server.url}/api/scores?id=m`);
    expect(before.status).toBe(404);
    scores.add('m', 'in/0/1', record(-2, true));
    scores.add('m', 'in/0/2', record(-3));
    const after = await fetch(`${server.url}/api/scores?id=m`);
    expect(after.status).toBe(200);
    const summary = (await after.json()) as ScoreSummaryJson;
    expect(summary).toEqual(JSON.parse(JSON.stringify(scores.get('m'))));
    expect(summary).toMatchObject({ model: 'm', records: 2, scored: 2, refused: 2, flagged: 1, recent: { count: 2, mean: -2.5 }, flaggedPoints: [{ source: 'in/0/1', index: 0, logLikelihood: -2, component: 0 }] });
    // Without a scores topic: 404 with the reason.
    const none = await serve(new SnapshotStore());
    const reply = await fetch(`${none.url}/api/scores?id=m`);
    expect(reply.status).toBe(404);
    expect(((await reply.json()) as { error: string }).error).toMatch(/--scores-topic/);
  });

  it('a client gets every model\'s latest summary at once, then one event per changed model per tick', async () => {
    const store = new SnapshotStore();
    store.add('0:0', { model: 'a', pointsSeen: 1 });
    const scores = new ScoreSummaries();
    scores.add('a', 's', record(-1));
    scores.add('b', 's', record(-1));
    const server = await serve(store, scores);
    const c = client(`${server.url}/events`);
    await c.until((x) => x.events.length === 3);
    expect(c.events[0]).toEqual({ id: '0:0', data: { model: 'a', pointsSeen: 1 } });
    expect(scoresEvents(c).map((s) => [s.model, s.records])).toEqual([['a', 1], ['b', 1]]);

    // 100 records of a, synchronously (no tick in between): one event, with all of them.
    for (let i = 0; i < 100; i++) scores.add('a', `in/0/${i}`, record(-i, i % 10 === 0));
    await c.until((x) => scoresEvents(x).length === 3);
    const third = scoresEvents(c)[2]!;
    expect(third).toMatchObject({ model: 'a', records: 101, scored: 101, flagged: 10 });
    expect(third.flaggedPoints.map((p) => p.source)).toEqual(Array.from({ length: 10 }, (_, i) => `in/0/${10 * i}`));
    expect(third.recent.histogram!.counts.reduce((x, y) => x + y, 0)).toBe(101);
    // Snapshots still flow as plain messages in between.
    store.add('0:1', { model: 'a', pointsSeen: 2 });
    scores.add('b', 's', record(-1));
    await c.until((x) => scoresEvents(x).length === 4 && x.events.length === 6);
    expect(scoresEvents(c)[3]).toMatchObject({ model: 'b', records: 2 });
    expect(c.events.filter((e) => e.event === undefined).map((e) => e.id)).toEqual(['0:0', '0:1']);

    // A reconnecting client gets the latest of each again.
    c.close();
    const again = client(`${server.url}/events`);
    await again.until((x) => x.events.length === 3);
    expect(scoresEvents(again).map((s) => [s.model, s.records])).toEqual([['a', 101], ['b', 2]]);
  });
});
