import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';

const PROBE_TIMEOUT_MS = 3000;

/**
 * Whether the listener at `broker` completes a TLS handshake (any certificate): how a
 * closed connection from a plaintext client is told apart from a broker that is merely
 * starting or a proxy that resets. Resolves false on any error or after 3 s.
 */
export function speaksTls(broker: string): Promise<boolean> {
  const { host, port } = split(broker);
  return new Promise((resolve) => {
    const socket = connectTls({ host, port, rejectUnauthorized: false, servername: isIp(host) ? undefined : host });
    const done = (yes: boolean): void => {
      socket.destroy();
      resolve(yes);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
  });
}

/**
 * Whether the listener at `broker` answers a plaintext Kafka ApiVersions request: how a
 * TLS client that lost its handshake is told apart from a reset by a proxy.
 */
export function speaksPlaintextKafka(broker: string): Promise<boolean> {
  const { host, port } = split(broker);
  // ApiVersions v0: size, api key 18, version 0, correlation id, client id "probe".
  const clientId = Buffer.from('online-em-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(0x6f656d31, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port });
    let received = Buffer.alloc(0);
    const done = (yes: boolean): void => {
      socket.destroy();
      resolve(yes);
    };
    socket.once('connect', () => socket.write(Buffer.concat([size, body])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A Kafka response: its size, then our correlation id.
      if (received.length >= 8) done(received.readInt32BE(4) === 0x6f656d31);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
  });
}

function split(broker: string): { host: string; port: number } {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i), port: Number(broker.slice(i + 1)) };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
