import { request, type IncomingMessage } from 'node:http';

/** One parsed SSE event. */
export interface SseEvent {
  readonly id: string | undefined;
  /** A named event's name (`event:`); undefined for a plain message. */
  readonly event?: string;
  readonly data: unknown;
}

/**
 * A minimal EventSource over node:http for tests: collects the events of `GET url`
 * (optionally with a Last-Event-ID), and resolves `until` once a predicate holds.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  private response: IncomingMessage | null = null;
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(url: string, lastEventId?: string) {
    const req = request(url, { headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }, (res) => {
      this.response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.parse(chunk));
      res.on('close', () => {
        this.closed = true;
        this.notify();
      });
    });
    req.on('error', () => {
      this.closed = true;
      this.notify();
    });
    req.end();
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let data: string | undefined;
      let event: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== undefined) this.events.push({ id, ...(event === undefined ? {} : { event }), data: JSON.parse(data) });
    }
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  until(done: (c: SseClient) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done(this)) return;
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
      check();
    });
  }

  close(): void {
    this.response?.destroy();
  }
}
