// The bench's broker: the local one on its own port (LocalBroker, scripts/kafka/kafka.sh),
// started unless it already runs, stopped at the end only if started here.
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LocalBroker } from '../../dist/cli/local-broker.js';
import { REPO_ROOT } from '../lib/paths.mjs';
import { PORT } from './config.mjs';
import { log } from './session.mjs';

/** kafka.sh's messages, a line each in the bench's log. With its SASL_SSL listener (port + 2) for the TLS runs. */
const broker = new LocalBroker(
  PORT,
  (text) => {
    for (const line of text.split('\n').filter(Boolean)) log(`  ${line}`);
  },
  { secure: true },
);

/**
 * The `run` options that reach the broker over SASL_SSL with SCRAM-SHA-512 (its test CA and
 * user, scripts/kafka/tls-material.sh), or null when the running broker has no such listener.
 */
export async function saslSslArgs() {
  const address = `127.0.0.1:${PORT + 2}`;
  const open = await new Promise((resolve) => {
    const socket = connect(PORT + 2, '127.0.0.1');
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (!open) return null;
  const dir = join(REPO_ROOT, '.kafka', 'secure');
  const env = Object.fromEntries(readFileSync(join(dir, 'credentials.env'), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    args: ['--brokers', address, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', env.KAFKA_TEST_SCRAM_USER, '--ssl-ca', join(dir, 'ca.pem')],
    env: { KAFKA_SASL_PASSWORD: env.KAFKA_TEST_SCRAM_PASSWORD },
  };
}

export async function ensureBroker() {
  await broker.startUnlessRunning({
    alreadyRunning: () => log(`broker already running on ${broker.address}: using it (it stays up afterwards)`),
    starting: () => log(`starting a local Kafka broker on ${broker.address} (KAFKA_PORT=${PORT} bash scripts/kafka/kafka.sh up) ...`),
  });
}

export async function stopBrokerIfStartedHere() {
  if (!broker.startedHere) return;
  log('stopping the broker this bench started ...');
  await broker.stopIfStartedHere();
}

/** The broker JVM's pid (kafka.sh's pid file), for sampling its CPU; null when unknown. */
export function brokerPid() {
  try {
    const pid = Number(readFileSync(join(REPO_ROOT, '.kafka', `run-${PORT}`, 'kafka.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The Kafka version of the fetched broker jars ('unknown' before the first fetch). */
export function kafkaVersion() {
  try {
    const jar = readdirSync(join(REPO_ROOT, '.kafka', 'lib')).find((f) => /^kafka_2\.13-.*\.jar$/.test(f));
    return jar ? jar.replace(/^kafka_2\.13-/, '').replace(/\.jar$/, '') : 'unknown';
  } catch {
    return 'unknown';
  }
}
