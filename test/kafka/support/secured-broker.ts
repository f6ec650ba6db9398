import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testBrokers } from './kafka-io.js';

const SECURE_DIR = fileURLToPath(new URL('../../../.kafka/secure/', import.meta.url));

/**
 * The test broker's secured listeners (kafka.sh with KAFKA_SECURE=1, which the global
 * setup starts): SASL_SSL on the plaintext port + 2 (SCRAM-SHA-512 and PLAIN users), SSL
 * with client authentication on + 3, and the test CA, certificates and passwords
 * (scripts/kafka/tls-material.sh). Fails, never skips, when they are missing.
 */
export function securedBroker() {
  const [host, port] = testBrokers()[0].split(':');
  let credentials: string;
  try {
    credentials = readFileSync(`${SECURE_DIR}credentials.env`, 'utf8');
  } catch {
    throw new Error(`no test credentials in ${SECURE_DIR}: the global setup starts the broker with KAFKA_SECURE=1 (run the tests with npm test)`);
  }
  const env = Object.fromEntries(credentials.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    plaintext: `${host}:${port}`,
    saslSsl: `${host}:${Number(port) + 2}`,
    ssl: `${host}:${Number(port) + 3}`,
    ca: `${SECURE_DIR}ca.pem`,
    otherCa: `${SECURE_DIR}other-ca.pem`,
    clientCert: `${SECURE_DIR}client.pem`,
    clientKey: `${SECURE_DIR}client.key`,
    /** The same key encrypted; its passphrase is `keyPassword`. */
    clientKeyEncrypted: `${SECURE_DIR}client-encrypted.key`,
    keyPassword: env.KAFKA_TEST_KEY_PASSWORD,
    scram: { user: env.KAFKA_TEST_SCRAM_USER, password: env.KAFKA_TEST_SCRAM_PASSWORD },
    plain: { user: env.KAFKA_TEST_PLAIN_USER, password: env.KAFKA_TEST_PLAIN_PASSWORD },
    /** Every secret of the test setup: none may appear in any output. */
    secrets: [env.KAFKA_TEST_SCRAM_PASSWORD, env.KAFKA_TEST_PLAIN_PASSWORD, env.KAFKA_TEST_STORE_PASSWORD, env.KAFKA_TEST_KEY_PASSWORD],
  };
}
