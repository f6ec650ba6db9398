import { brokerPortFromEnv, listening, LocalBroker } from '../../src/cli/local-broker.js';
import { execFileSync } from 'node:child_process';
import { ensureDistBuilt } from '../cli/build-dist.js';

/**
 * The integration tests need the real local broker: start it (LocalBroker: kafka.sh up,
 * unless it already runs) on KAFKA_TEST_PORT, default 39092, with its secured listeners
 * (SASL_SSL on the port + 2, mTLS on + 3: test/kafka/secured-connection.test.ts), and fail
 * the run loudly when it cannot start. Only a broker started here is stopped afterwards.
 * The project is built first: the tests run the real `online-em` command.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const broker = new LocalBroker(brokerPortFromEnv('KAFKA_TEST_PORT', 39092), (text) => process.stderr.write(text), { secure: true });
  // The integration tests run the built command (dist/bin/online-em.js).
  ensureDistBuilt();
  // The dashboard's browser test needs Debian's chromium: installed here when missing (as root).
  execFileSync('bash', ['scripts/browser/ensure-chromium.sh'], { stdio: 'inherit' });
  try {
    await broker.startUnlessRunning();
  } catch (error) {
    throw new Error(`the Kafka broker for the integration tests did not start on port ${broker.port} (see above); they need it and do not skip`, { cause: error });
  }
  if (!(await listening(broker.port + 2))) {
    throw new Error(
      `the Kafka broker on port ${broker.port} has no SASL_SSL listener on ${broker.port + 2}: it was started without KAFKA_SECURE=1; ` +
        `stop it (KAFKA_PORT=${broker.port} bash scripts/kafka/kafka.sh down) and run the tests again`,
    );
  }
  process.env.ONLINE_EM_TEST_BROKERS = broker.address;
  return async () => {
    await broker.stopIfStartedHere();
  };
}
