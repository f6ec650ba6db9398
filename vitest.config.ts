import { defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `npm test`, one after the other (sequence.groupOrder):
 * - unit: the math, the operator, the CLI, the recovery tests and the Kafka codecs (no broker).
 *   CPU-bound and independent, so two files at a time: the CI machine has 2 cores;
 * - kafka: integration tests against the real local broker, which the global setup
 *   starts when it is not already running (and fails loudly when it cannot). One file at a
 *   time, after the unit files: its processes, the broker and its timing-sensitive checks
 *   (takeovers within the session timeout, pauses between commits) want the cores to themselves.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // Pure tests of the Kafka layer (codecs) need no broker: *.unit.test.ts.
          exclude: ['test/kafka/**/!(*.unit).test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'kafka',
          include: ['test/kafka/**/*.test.ts'],
          exclude: ['test/kafka/**/*.unit.test.ts'],
          globalSetup: ['test/kafka/global-setup.ts'],
          setupFiles: ['test/kafka/support/harmless-warnings.ts', 'test/kafka/support/read-committed.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // The tests share one broker on a 2-core machine: run the files one at a time.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
