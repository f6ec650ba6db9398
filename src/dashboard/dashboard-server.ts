import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_PAGE } from './dashboard-page.js';
import { EventStream, DEFAULT_CLIENT_BUFFER_BYTES } from './event-stream.js';
import type { ScoreSummaries } from './score-summary.js';
import type { SnapshotStore } from './snapshot-store.js';

export interface DashboardServerOptions {
  readonly host: string;
  readonly port: number;
  /** Offline replay of a file: the page shows the whole history with a time slider. */
  readonly replay?: boolean;
  readonly clientBufferBytes?: number;
  /** The scores topic's summaries, when the dashboard follows one. */
  readonly scores?: ScoreSummaries;
}

/**
 * The dashboard over HTTP (node:http): `GET /` the page (everything inline, no CDN),
 * `GET /events` Server-Sent Events, `GET /api/models` the models with their latest
 * snapshots, `GET /api/history?id=M` one model's kept snapshots, `GET /api/scores?id=M`
 * one model's scores summary (404 when it has none).
 */
export class DashboardServer {
  private constructor(
    private readonly server: Server,
    readonly events: EventStream,
  ) {}

  static async start(store: SnapshotStore, options: DashboardServerOptions): Promise<DashboardServer> {
    const scores = options.scores ?? null;
    const events = new EventStream(store, options.clientBufferBytes ?? DEFAULT_CLIENT_BUFFER_BYTES, scores);
    const server = createServer((req, res) => route(store, scores, events, options.replay === true, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new DashboardServer(server, events);
  }

  get url(): string {
    const { address, port, family } = this.server.address() as AddressInfo;
    const host = address === '0.0.0.0' || address === '::' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  async close(): Promise<void> {
    this.events.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function route(store: SnapshotStore, scores: ScoreSummaries | null, events: EventStream, replay: boolean, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'only GET\n');
  switch (url.pathname) {
    case '/':
    case '/index.html':
      return reply(res, 200, 'text/html; charset=utf-8', DASHBOARD_PAGE);
    case '/events':
      return events.handle(req, res);
    case '/api/models':
      return reply(res, 200, 'application/json', JSON.stringify({
        replay,
        models: store.latest().map((s) => ({ id: s.id, position: s.position, snapshot: s.snapshot })),
      }));
    case '/api/history': {
      const id = url.searchParams.get('id') ?? '';
      return reply(res, 200, 'application/json', JSON.stringify({ id, history: store.history(id).map((s) => ({ position: s.position, snapshot: s.snapshot })) }));
    }
    case '/api/scores': {
      const id = url.searchParams.get('id') ?? '';
      const summary = scores?.get(id);
      if (summary === undefined) return reply(res, 404, 'application/json', JSON.stringify({ model: id, error: scores === null ? 'the dashboard follows no scores topic (--scores-topic S)' : 'no scores record of this model read yet' }));
      return reply(res, 200, 'application/json', JSON.stringify(summary));
    }
    default:
      return reply(res, 404, 'text/plain', 'not found: the dashboard serves /, /events, /api/models, /api/history?id=MODEL and /api/scores?id=MODEL\n');
  }
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(body);
}
