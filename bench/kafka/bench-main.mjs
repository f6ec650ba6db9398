// How a Kafka bench script runs: its main, a one-line failure (exit code 1), and always the
// clean-up of what the session made (children, topics, groups) and of a broker it started.
import { stopBrokerIfStartedHere } from './broker.mjs';
import { children, createdGroups, createdTopics, log } from './session.mjs';

export async function runKafkaBench(main, admin) {
  try {
    await main();
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    const existing = new Set(await admin.listTopics().catch(() => []));
    const topics = [...createdTopics].filter((t) => existing.has(t));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
    await admin.deleteGroups([...createdGroups]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await stopBrokerIfStartedHere();
  }
}
