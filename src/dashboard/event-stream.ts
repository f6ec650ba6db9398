import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ScoreSummaries } from './score-summary.js';
import type { SnapshotStore, StoredSnapshot } from './snapshot-store.js';

/** Bytes a client may leave unread before it is dropped: a slow client never holds the others back, nor memory. */
export const DEFAULT_CLIENT_BUFFER_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** A model's scores summary is sent at most this often (a busy topic has a record per input message). */
export const SCORES_EVENT_MS = 1_000;

/** One SSE event: `id:` the snapshot's position, `data:` its JSON on one line. */
export function sseEvent(s: StoredSnapshot): string {
  return `id: ${s.position}\ndata: ${JSON.stringify(s.snapshot)}\n\n`;
}

/** One named SSE event of a model's scores summary (EventSource's onmessage never sees it). */
export function sseScoresEvent(summaries: ScoreSummaries, model: string): string {
  const summary = summaries.get(model);
  return summary ? `event: scores\ndata: ${JSON.stringify(summary)}\n\n` : '';
}

/**
 * `GET /events`: Server-Sent Events of the store. A client (new or reconnecting, with or
 * without Last-Event-ID) gets the latest snapshot of every model at once, then each new
 * snapshot as it comes; with scores, also the latest `scores` event of every model at once,
 * then each changed model's at most once every SCORES_EVENT_MS. Writes never wait for a client: one whose unread bytes exceed
 * `bufferBytes` is closed (its EventSource reconnects and starts again from the latest).
 */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeScores: () => void = () => undefined;
  /** Models whose scores changed since the last scores events. */
  private readonly changedScores = new Set<string>();
  private readonly scoresTimer: NodeJS.Timeout | null = null;
  /** Clients closed for reading too slowly, since the start. */
  dropped = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly bufferBytes = DEFAULT_CLIENT_BUFFER_BYTES,
    private readonly scores: ScoreSummaries | null = null,
  ) {
    this.unsubscribe = store.subscribe((s) => this.broadcast(sseEvent(s)));
    if (scores !== null) {
      this.unsubscribeScores = scores.subscribe((model) => this.changedScores.add(model));
      this.scoresTimer = setInterval(() => this.broadcastScores(), SCORES_EVENT_MS);
      this.scoresTimer.unref();
    }
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
    const scores = this.scores === null ? '' : this.scores.modelIds().map((m) => sseScoresEvent(this.scores!, m)).join('');
    this.send(res, `retry: 1000\n\n${this.store.latest().map(sseEvent).join('')}${scores}`);
  }

  private broadcastScores(): void {
    if (this.changedScores.size === 0) return;
    const text = [...this.changedScores].map((m) => sseScoresEvent(this.scores!, m)).join('');
    this.changedScores.clear();
    if (text !== '') this.broadcast(text);
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
    if (this.scoresTimer !== null) clearInterval(this.scoresTimer);
    this.unsubscribe();
    this.unsubscribeScores();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
