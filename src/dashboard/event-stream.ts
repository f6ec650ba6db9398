import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotStore, StoredSnapshot } from './snapshot-store.js';

/** Bytes a client may leave unread before it is dropped: a slow client never holds the others back, nor memory. */
export const DEFAULT_CLIENT_BUFFER_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/** One SSE event: `id:` the snapshot's position, `data:` its JSON on one line. */
export function sseEvent(s: StoredSnapshot): string {
  return `id: ${s.position}\ndata: ${JSON.stringify(s.snapshot)}\n\n`;
}

/**
 * `GET /events`: Server-Sent Events of the store. A client (new or reconnecting, with or
 * without Last-Event-ID) gets the latest snapshot of every model at once, then each new
 * snapshot as it comes. Writes never wait for a client: one whose unread bytes exceed
 * `bufferBytes` is closed (its EventSource reconnects and starts again from the latest).
 */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** Clients closed for reading too slowly, since the start. */
  dropped = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly bufferBytes = DEFAULT_CLIENT_BUFFER_BYTES,
  ) {
    this.unsubscribe = store.subscribe((s) => this.broadcast(sseEvent(s)));
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.socket?.setNoDelay(true);
    this.clients.add(res);
    const forget = (): void => {
      this.clients.delete(res);
    };
    req.on('close', forget);
    res.on('close', forget);
    res.on('error', forget);
    // retry: how soon a dropped client's EventSource comes back.
    this.send(res, `retry: 1000\n\n${this.store.latest().map(sseEvent).join('')}`);
  }

  private broadcast(text: string): void {
    for (const res of this.clients) this.send(res, text);
  }

  private send(res: ServerResponse, text: string): void {
    if (res.destroyed) return;
    if (res.writableLength > 0 && res.writableLength + text.length > this.bufferBytes) {
      this.clients.delete(res);
      this.dropped++;
      res.destroy();
      return;
    }
    res.write(text);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
