import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProcessorStatus } from '../kafka/processor-status.js';
import type { ProcessorMetrics } from '../kafka/metrics/processor-metrics.js';
import { redactSecrets } from '../log/secrets.js';
import { CliError } from './cli-error.js';

/**
 * HTTP endpoints for operators:
 * - GET /metrics  Prometheus text exposition of the processor's metrics (prom-client);
 * - GET /healthz  liveness: 200 while the process runs its loop (a broker outage is not a
 *                 reason to restart it: it retries on its own);
 * - GET /readyz   readiness: 200 while consuming or standing by, 503 while starting,
 *                 joining, retrying or stopping, with the state and the last error as JSON.
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly metrics: ProcessorMetrics,
  ) {}

  static async start(host: string, port: number, status: () => ProcessorStatus, metrics: ProcessorMetrics): Promise<MetricsServer> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        metrics.text().then(
          (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
          (error: unknown) => json(response, 500, { error: redactSecrets(`cannot collect the metrics: ${error instanceof Error ? error.message : String(error)}`) }),
        );
        return;
      }
      const s = status();
      if (path === '/healthz') {
        const alive = s.state !== 'stopped';
        json(response, alive ? 200 : 503, { status: alive ? 'alive' : 'stopped', state: s.state });
      } else if (path === '/readyz') {
        // A standby is ready: it does its job (standing by to take over), and a rolling update
        // must be able to wait for it, or a new instance could never replace an old one.
        const ready = s.state === 'consuming' || s.state === 'standby';
        json(response, ready ? 200 : 503, { status: ready ? (s.state === 'standby' ? 'standby' : 'ready') : 'not ready', state: s.state, lastError: s.lastError });
      } else {
        json(response, 404, { error: `no such endpoint ${path}: try /metrics, /healthz or /readyz` });
      }
    });
    // The server must not keep a stopping process alive.
    server.unref();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new CliError(`cannot serve metrics on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message} (--metrics-port, --metrics-host)`)),
      );
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new MetricsServer(server, `http://${shown}:${address.port}`, metrics);
  }

  /** Stops serving, and the metrics stop following the processor. */
  close(): Promise<void> {
    this.metrics.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function json(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}
