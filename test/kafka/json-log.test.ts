import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { keyedStream, toRecord, waitUntilConsumed } from './support/keyed-stream.js';
import { createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { processorArgs, ProcessorProcess, type LogRecord } from './support/processor-process.js';
import { jsonMessages } from './support/snapshots.js';

/**
 * `--log-format json` of real runs on the test broker (README, "Structured logs"): every
 * line parses, carries time, level, name, message, pid, hostname and model, and the
 * documented fields under their names: points, logLikelihood and lag, partition in keyed
 * mode, errorCode on a failure.
 */
const LEVELS = ['debug', 'info', 'warn', 'error'];

/** Every line of the raw log is one JSON object with the fields of every line. */
function expectEveryLineStructured(proc: ProcessorProcess, model: string): readonly LogRecord[] {
  expect(proc.nonJsonLines).toEqual([]);
  const lines = proc.output.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBe(proc.records.length);
  for (const line of lines) {
    const r = JSON.parse(line) as LogRecord;
    expect(Number.isNaN(Date.parse(r.time)), line).toBe(false);
    expect(LEVELS, line).toContain(r.level);
    expect(r.name, line).toBe('online-em');
    expect(typeof r.message, line).toBe('string');
    expect(typeof r.pid, line).toBe('number');
    expect(typeof r.hostname, line).toBe('string');
    expect(r.model, line).toBe(model);
  }
  return proc.records;
}

describe('the JSON log of `online-em run`', () => {
  it('one model: every line structured; commits and progress carry points, logLikelihood and lag', async () => {
    const names = uniqueNames('json-log');
    const d = 2;
    const messages = jsonMessages(sampleMixture(randomMixture({ k: 2, dim: d, seed: 5 }), 4_000, 6).data, d, 200);
    messages.splice(3, 0, { value: '{"points": [[1, 2' });
    await createTopic(names.input);
    await produce(names.input, messages);
    const proc = ProcessorProcess.forNames(names, ['--components', '2', '--warmup', '1000', '--snapshot-interval', '200', '--progress-interval', '200']);
    try {
      await proc.waitForSnapshot(4_000, 60_000);
      // A progress line (idle ones too: one when the stream is all read within an interval).
      await proc.waitForEvent('progress', undefined, 30_000);
      proc.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
    const records = expectEveryLineStructured(proc, names.model);
    const committed = records.filter((r) => r.event === 'committed');
    expect(committed.length).toBeGreaterThan(1);
    for (const r of committed) {
      expect(typeof r.points).toBe('number');
      if (r.snapshot !== null) expect(r).toHaveProperty('logLikelihood');
    }
    const last = committed.at(-1)!;
    expect(last.points).toBe(4_000);
    expect(last.logLikelihood).toBe((last.snapshot as { logLikelihoodAverage: number }).logLikelihoodAverage);
    expect(typeof last.logLikelihood).toBe('number');
    const progress = records.filter((r) => r.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const r of progress) {
      expect(typeof r.lag).toBe('number');
      expect(r).toHaveProperty('logLikelihood');
      if (r.pointsSeen !== null) expect(r.points).toBe(r.pointsSeen);
    }
    expect(progress.at(-1)!.lag).toBe(0);
  });

  it('keyed: the lines of a partition carry it, with its points', async () => {
    const names = uniqueNames('json-log-keyed');
    await createTopic(names.input, 2);
    await produce(names.input, keyedStream(4, 6, 5, 1_000_000, 3).map(toRecord));
    const proc = ProcessorProcess.forNames(names, ['--keyed', '--components', '2', '--warmup', '8', '--batch-size', '4', '--restarts', '1', '--snapshot-interval', '200']);
    try {
      await waitUntilConsumed(names.group, names.input, 60_000, proc);
      proc.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
    const records = expectEveryLineStructured(proc, names.model);
    const committed = records.filter((r) => r.event === 'keyed-committed');
    expect(committed.length).toBeGreaterThan(0);
    for (const r of committed) {
      expect([0, 1]).toContain(r.partition);
      expect(typeof r.points).toBe('number');
    }
    expect(Math.max(...committed.map((r) => r.points as number))).toBeGreaterThan(0);
  });

  it('a failure carries its errorCode (no broker listens: ECONNREFUSED)', async () => {
    const names = uniqueNames('json-log-refused');
    // Port 1: nothing listens there, so every connection is refused at once.
    const proc = new ProcessorProcess(processorArgs(names, '127.0.0.1:1', ['--components', '2']));
    try {
      const failed = await proc.waitForEvent('session-failed', undefined, 60_000);
      expect(failed.level).toBe('warn');
      expect((failed as unknown as LogRecord).errorCode).toBe('ECONNREFUSED');
      proc.kill('SIGTERM');
      await proc.exited;
    } finally {
      proc.kill('SIGKILL');
    }
    expectEveryLineStructured(proc, names.model);
  });
});
