import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DashboardServer } from '../../src/dashboard/dashboard-server.js';
import { SnapshotStore } from '../../src/dashboard/snapshot-store.js';
import { SseClient } from './sse-client.js';

/**
 * The dashboard's Server-Sent Events against an in-memory store (no broker): a client gets
 * the latest snapshot of every model at once, then live ones; a reconnect (with or without
 * Last-Event-ID) starts again from the latest; 1,000 keys; a client that reads nothing is
 * dropped once its buffer is full, while the others get every event.
 */

const servers: DashboardServer[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

function snapshot(model: string, key: string | undefined, pointsSeen: number, pad = 0): Record<string, unknown> {
  return { schema: 'online-em.snapshot/1', model, ...(key === undefined ? {} : { key }), k: 1, dim: 2, pointsSeen, weights: [1], means: [[0, 0]], covariances: [[[1, 0], [0, 1]]], ...(pad ? { pad: 'x'.repeat(pad) } : {}) };
}

async function serve(store: SnapshotStore, clientBufferBytes?: number): Promise<DashboardServer> {
  const server = await DashboardServer.start(store, { host: '127.0.0.1', port: 0, ...(clientBufferBytes ? { clientBufferBytes } : {}) });
  servers.push(server);
  return server;
}

function client(url: string, lastEventId?: string): SseClient {
  const c = new SseClient(url, lastEventId);
  clients.push(c);
  return c;
}

describe('dashboard /events', () => {
  it('a client gets the latest snapshot of each model at once, then live ones, each with its position as id', async () => {
    const store = new SnapshotStore();
    store.add('0:0', snapshot('a', undefined, 10));
    store.add('0:1', snapshot('a', undefined, 20));
    store.add('1:0', snapshot('b', 'k1', 5));
    const server = await serve(store);
    const c = client(`${server.url}/events`);
    await c.until((x) => x.events.length === 2);
    expect(c.events).toEqual([
      { id: '0:1', data: snapshot('a', undefined, 20) },
      { id: '1:0', data: snapshot('b', 'k1', 5) },
    ]);
    store.add('0:2', snapshot('a', undefined, 30));
    await c.until((x) => x.events.length === 3);
    expect(c.events[2]).toEqual({ id: '0:2', data: snapshot('a', undefined, 30) });
  });

  it('a reconnecting client, with or without Last-Event-ID, gets the latest of each model again, then live ones', async () => {
    const store = new SnapshotStore();
    store.add('0:0', snapshot('a', undefined, 1));
    const server = await serve(store);
    const first = client(`${server.url}/events`);
    await first.until((x) => x.events.length === 1);
    first.close();
    store.add('0:1', snapshot('a', undefined, 2)); // missed while away
    store.add('0:2', snapshot('b', undefined, 3));
    let latestOfA = '0:1';
    for (const lastId of [first.events[0]!.id, undefined]) {
      const again = client(`${server.url}/events`, lastId);
      await again.until((x) => x.events.length === 2);
      expect(again.events.map((e) => e.id)).toEqual([latestOfA, '0:2']);
      latestOfA = `0:${3 + (lastId ? 0 : 1)}`;
      store.add(latestOfA, snapshot('a', undefined, 4));
      await again.until((x) => x.events.length === 3);
      expect((again.events[2]!.data as { pointsSeen: number }).pointsSeen).toBe(4);
      again.close();
    }
  });

  it('1,000 keys: all in /api/models and in the first burst of /events, each its latest', async () => {
    const store = new SnapshotStore();
    for (let i = 0; i < 1000; i++) store.add(`${i % 3}:${i}`, snapshot('m', `key-${i}`, i));
    for (let i = 0; i < 1000; i += 7) store.add(`${i % 3}:${1000 + i}`, snapshot('m', `key-${i}`, 10_000 + i));
    const server = await serve(store);
    const models = (await (await fetch(`${server.url}/api/models`)).json()) as { models: { id: string; snapshot: { pointsSeen: number } }[] };
    expect(models.models).toHaveLength(1000);
    const c = client(`${server.url}/events`);
    await c.until((x) => x.events.length === 1000);
    const byKey = new Map(c.events.map((e) => [(e.data as { key: string }).key, (e.data as { pointsSeen: number }).pointsSeen]));
    expect(byKey.size).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(byKey.get(`key-${i}`)).toBe(i % 7 === 0 ? 10_000 + i : i);
  });

  it('a client that reads nothing is closed once its buffer is full; the others get every event', async () => {
    const store = new SnapshotStore();
    const server = await serve(store, 2 * 1024 * 1024);
    const { port } = new URL(server.url);
    // A raw socket that sends the request and never reads: its kernel buffers fill, then the server's.
    const slow = connect(Number(port), '127.0.0.1');
    slow.pause();
    let slowClosed = false;
    slow.on('close', () => (slowClosed = true));
    slow.on('error', () => undefined);
    slow.write('GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n');
    const fast = client(`${server.url}/events`);
    await vi.waitFor(() => expect(server.events.clientCount).toBe(2), { timeout: 5000, interval: 10 });
    // 64 KiB snapshots, 10 at a time (within the fast client's 2 MiB), the fast client keeping up, until the slow one is dropped
    // (the kernel's socket buffers take a few MB first).
    let count = 0;
    while (server.events.dropped === 0 && count < 2000) {
      for (let i = 0; i < 10; i++, count++) store.add(`0:${count}`, snapshot('m', undefined, count, 64 * 1024));
      await fast.until((x) => x.events.length === count);
    }
    expect(server.events.dropped).toBe(1);
    expect(server.events.clientCount).toBe(1);
    for (let i = 0; i < 10; i++, count++) store.add(`0:${count}`, snapshot('m', undefined, count));
    await fast.until((x) => x.events.length === count);
    expect(fast.events.map((e) => (e.data as { pointsSeen: number }).pointsSeen)).toEqual([...Array(count).keys()]);
    // Once it reads again, the slow client finds its connection closed by the server.
    slow.resume();
    await new Promise<void>((resolve) => (slowClosed ? resolve() : slow.on('close', () => resolve())));
    expect(fast.closed).toBe(false);
  }, 30_000);
});

describe('SnapshotStore', () => {
  it('is bounded: models beyond the cap forget the least recently updated, histories keep the newest', () => {
    const store = new SnapshotStore({ maxModels: 3, historyLength: 2 });
    for (const [n, m] of ['a', 'b', 'c', 'a', 'd', 'a'].entries()) store.add(String(n), snapshot(m, undefined, n));
    expect(store.latest().map((s) => s.id)).toEqual(['a', 'c', 'd']);
    expect(store.history('a').map((s) => s.position)).toEqual(['3', '5']);
    expect(store.add('9', 'not an object')).toBe(false);
    expect(store.add('9', [1])).toBe(false);
  });
});
