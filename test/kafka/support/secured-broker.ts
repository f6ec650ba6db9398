import { securedListeners } from '../../../src/cli/local-broker.js';
import { testBrokers } from './kafka-io.js';

/**
 * The test broker's secured listeners (kafka.sh with KAFKA_SECURE=1, which the global
 * setup starts): SASL_SSL on the plaintext port + 2 (SCRAM-SHA-512 and PLAIN users), SSL
 * with client authentication on + 3, and the test CA, certificates and passwords
 * (scripts/kafka/tls-material.sh). Fails, never skips, when they are missing.
 */
export function securedBroker() {
  const plaintext = testBrokers()[0];
  let s: ReturnType<typeof securedListeners>;
  try {
    s = securedListeners(Number(plaintext.split(':')[1]));
  } catch {
    throw new Error('no test credentials in .kafka/secure: the global setup starts the broker with KAFKA_SECURE=1 (run the tests with npm test)');
  }
  return {
    plaintext,
    saslSsl: s.saslSsl,
    ssl: s.ssl,
    ca: `${s.dir}ca.pem`,
    otherCa: `${s.dir}other-ca.pem`,
    clientCert: `${s.dir}client.pem`,
    clientKey: `${s.dir}client.key`,
    /** The same key encrypted; its passphrase is `keyPassword`. */
    clientKeyEncrypted: `${s.dir}client-encrypted.key`,
    keyPassword: s.keyPassword,
    scram: s.scram,
    plain: s.plain,
    /** Every secret of the test setup: none may appear in any output. */
    secrets: [s.scram.password, s.plain.password, s.storePassword, s.keyPassword],
  };
}
