// The bench's broker: the local one on its own port (LocalBroker, scripts/kafka/kafka.sh),
// started unless it already runs, stopped at the end only if started here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listening, LocalBroker, securedListeners } from '../../dist/cli/local-broker.js';
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
  if (!(await listening(PORT + 2))) return null;
  const s = securedListeners(PORT);
  return {
    args: ['--brokers', s.saslSsl, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', s.scram.user, '--ssl-ca', join(s.dir, 'ca.pem')],
    env: { KAFKA_SASL_PASSWORD: s.scram.password },
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
