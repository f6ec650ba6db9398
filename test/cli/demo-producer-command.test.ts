import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_UNREACHABLE } from '../../src/kafka/connection/connection-failure.js';
import { ensureDistBuilt } from './build-dist.js';
import { runCli, type CliRun } from './run-cli.js';

const WHAT_TO_CHECK = 'check --brokers / KAFKA_BROKERS and that the cluster is up';

/** The lines of stderr, and none of them a stack trace's. */
function errorLines(run: CliRun): string[] {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
  return lines;
}

describe('demo-producer on a cluster it cannot reach', () => {
  beforeAll(() => ensureDistBuilt());

  it('a refused connection: one line naming the broker and what to check, after the client\'s bounded retries, exit 5', async () => {
    const run = await runCli(['demo-producer', '--brokers', '127.0.0.1:1', '--count', '100']);
    // As README documents it.
    expect(EXIT_UNREACHABLE).toBe(5);
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('');
    const lines = errorLines(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ ERROR cannot reach Kafka, giving up: .*ECONNREFUSED 127\.0\.0\.1:1.* \(brokers 127\.0\.0\.1:1: check --brokers \/ KAFKA_BROKERS and that the cluster is up\)$/);
    expect(run.seconds).toBeLessThan(15);
  });

  describe('a listener that takes the connection and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('gives up within its deadline (15 s) in the same one line and exit 5, instead of waiting forever', async () => {
      const broker = `127.0.0.1:${(server.address() as { port: number }).port}`;
      const run = await runCli(['demo-producer', '--brokers', broker, '--log-format', 'json']);
      expect(run.code).toBe(EXIT_UNREACHABLE);
      const lines = errorLines(run);
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]) as { level: string; message: string };
      expect(line.level).toBe('error');
      expect(line.message).toBe(`cannot reach Kafka, giving up: no answer within 15 s (brokers ${broker}: ${WHAT_TO_CHECK})`);
      expect(run.seconds).toBeGreaterThan(14);
      expect(run.seconds).toBeLessThan(25);
    });
  });
});
