import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { createTopic, produce, testKafka, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { readCommittedSnapshots, stackTraceLines } from './support/reliability.js';
import { jsonMessages } from './support/snapshots.js';

const OPTIONS = ['--components', '3', '--snapshot-interval', '300', '--session-timeout', '6000'];
const EXIT_MODEL_STATE_REFUSED = 4;

/** A model with a committed checkpoint: 20,000 points fitted, then a clean stop. */
async function fittedModel(prefix: string) {
  const names = uniqueNames(prefix);
  const messages = jsonMessages(sampleMixture(randomMixture({ k: 3, dim: 2, seed: 61 }), 40_000, 62).data, 2, 100);
  await createTopic(names.input);
  await produce(names.input, messages.slice(0, 200));
  const first = ProcessorProcess.forNames(names, OPTIONS);
  await first.waitForSnapshot(20_000, 120_000);
  first.kill('SIGTERM');
  expect((await first.exited).code).toBe(0);
  return { names, messages };
}

describe('the model\'s stored state is gone or does not fit', () => {
  it('the state topic deleted under a model with a checkpoint: says what is missing and what to do, exits 4 at once; --reset-model starts afresh', async () => {
    const { names, messages } = await fittedModel('state-deleted');
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [names.state] });
    } finally {
      await admin.disconnect();
    }
    await produce(names.input, messages.slice(200));

    const started = Date.now();
    const refused = ProcessorProcess.forNames(names, OPTIONS);
    const exit = await refused.exited;
    const seconds = (Date.now() - started) / 1000;
    expect(exit.code).toBe(EXIT_MODEL_STATE_REFUSED);
    // Not a minute's wait retried forever: it knows at once that the checkpoint cannot be there.
    expect(seconds).toBeLessThan(30);
    const errors = refused.warnings().filter((r) => r.level === 'error');
    expect(errors.map((r) => r.event)).toEqual(['model-state-refused']);
    expect(errors[0].message).toMatch(new RegExp(`checkpoint ${names.state}/0@\\d+, but that partition ends at offset 0: the state topic was deleted or truncated\\. Restore it, or start the model afresh with --reset-model`));
    expect(refused.eventCount('session-failed')).toBe(0);
    expect(refused.eventCount('committed')).toBe(0);
    expect(stackTraceLines(refused)).toEqual([]);

    // The deliberate way out: the group's offsets go, the fit starts over from the earliest offsets.
    const reset = ProcessorProcess.forNames(names, [...OPTIONS, '--reset-model']);
    const event = await reset.waitForEvent('model-reset', undefined, 60_000);
    expect(event.checkpoint).not.toBeNull();
    expect(event.partitions).toBe(1);
    expect((await reset.waitForEvent('restored', undefined, 60_000)).source).toBe('none');
    await reset.waitForSnapshot(40_000, 120_000);
    reset.kill('SIGTERM');
    expect((await reset.exited).code).toBe(0);
    const final = (await readCommittedSnapshots(names.snapshot)).at(-1)!;
    expect(final.pointsSeen).toBe(40_000);
    expect(final.input.messages).toBe(400);
  });

  it('--reset-model is refused while another instance of the model runs', async () => {
    const { names } = await fittedModel('reset-busy');
    const running = ProcessorProcess.forNames(names, OPTIONS);
    try {
      await running.waitForEvent('consuming', undefined, 60_000);
      const reset = ProcessorProcess.forNames(names, [...OPTIONS, '--reset-model']);
      expect((await reset.exited).code).toBe(EXIT_MODEL_STATE_REFUSED);
      expect(reset.lastEvent('model-state-refused')?.reason).toBe(
        `--reset-model: consumer group ${names.group} still has members; stop every instance of model '${names.model}' first, then reset`,
      );
      // The running instance went on, untouched.
      expect(running.child.exitCode).toBeNull();
      expect(running.eventCount('handed-over')).toBe(0);
    } finally {
      running.kill('SIGTERM');
      await running.exited;
    }
  });
});
