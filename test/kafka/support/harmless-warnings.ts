/**
 * Setup of the kafka project's test files: the kafkajs clients these tests run in-process set off
 * Node 24's TimeoutNegativeWarning (kafkajs 2.2.4 schedules `throttledUntil - Date.now()`;
 * harmless, see src/log/process-warnings.ts), three lines of CI log each. Other warnings are
 * printed as Node prints them.
 */
const INSTALLED = Symbol.for('online-em.tests.harmless-warnings');
const flagged = globalThis as { [INSTALLED]?: true };
if (!flagged[INSTALLED]) {
  flagged[INSTALLED] = true;
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error) => {
    if (warning.name !== 'TimeoutNegativeWarning') console.warn(`(node) ${warning.name}: ${warning.message}`);
  });
}
