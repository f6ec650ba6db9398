import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureDistBuilt } from '../cli/build-dist.js';

/**
 * The integration tests need the real local broker: start it (scripts/kafka/kafka.sh up,
 * a no-op when it already runs) on KAFKA_TEST_PORT, default 39092, and fail the run
 * loudly when it cannot start. Only a broker started here is stopped afterwards.
 * The project is built first: the tests run the real `online-em` command.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

export default function setup(): () => void {
  const port = process.env.KAFKA_TEST_PORT ?? '39092';
  // With its secured listeners too (SASL_SSL on port + 2, mTLS on port + 3): test/kafka/secured-connection.test.ts.
  const env = { ...process.env, KAFKA_PORT: port, KAFKA_SECURE: '1' };
  // The integration tests run the built command (dist/bin/online-em.js).
  ensureDistBuilt();
  const running = spawnSync('bash', ['scripts/kafka/kafka.sh', 'status'], { cwd: root, env, stdio: 'ignore' }).status === 0;
  if (!running) {
    const up = spawnSync('bash', ['scripts/kafka/kafka.sh', 'up'], { cwd: root, env, stdio: 'inherit' });
    if (up.status !== 0) {
      throw new Error(`the Kafka broker for the integration tests did not start on port ${port} (see above); they need it and do not skip`);
    }
  }
  const secured = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${Number(port) + 2}`], { stdio: 'ignore' }).status === 0;
  if (!secured) {
    throw new Error(
      `the Kafka broker on port ${port} has no SASL_SSL listener on ${Number(port) + 2}: it was started without KAFKA_SECURE=1; ` +
        `stop it (KAFKA_PORT=${port} bash scripts/kafka/kafka.sh down) and run the tests again`,
    );
  }
  process.env.ONLINE_EM_TEST_BROKERS = `127.0.0.1:${port}`;
  return () => {
    if (!running) spawnSync('bash', ['scripts/kafka/kafka.sh', 'down'], { cwd: root, env, stdio: 'inherit' });
  };
}
