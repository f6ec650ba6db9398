import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it, vi } from 'vitest';
import { PROCESSOR_DIAGNOSTICS_CHANNEL, ProcessorEvents, type ProcessorEvent } from '../../src/kafka/processor-events.js';
import { logProcessorEvents } from '../../src/kafka/processor-log.js';
import type { ProcessorConfig } from '../../src/kafka/processor-types.js';
import type { Logger, LogLevel } from '../../src/log/logger.js';

const lag: ProcessorEvent = { type: 'lag', topic: 't', partition: 0, messages: 3 };

describe('ProcessorEvents', () => {
  it('delivers to every listener, filtered by type when asked, and says who wants what', () => {
    const events = new ProcessorEvents();
    const all: string[] = [];
    const lagOnly: string[] = [];
    expect(events.wants('ingested')).toBe(false);
    const offLag = events.on((e) => void lagOnly.push(e.type), ['lag']);
    expect([events.wants('lag'), events.wants('ingested')]).toEqual([true, false]);
    const offAll = events.on((e) => void all.push(e.type));
    expect(events.wants('ingested')).toBe(true);
    events.emit(lag);
    events.emit({ type: 'rebalanced', partitions: [0] });
    expect([all, lagOnly]).toEqual([['lag', 'rebalanced'], ['lag']]);
    offAll();
    offAll();
    offLag();
    expect([events.wants('lag'), events.wants('ingested')]).toEqual([false, false]);
  });

  it('a throwing listener is reported and does not stop the others', () => {
    const events = new ProcessorEvents();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const seen: string[] = [];
    events.on(() => {
      throw new Error('listener bug');
    });
    events.on((e) => void seen.push(e.type));
    events.emit(lag);
    expect(seen).toEqual(['lag']);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/listener threw on 'lag': listener bug/);
    warn.mockRestore();
  });

  it('publishes on the diagnostics channel, and a subscriber there makes every event wanted', () => {
    const events = new ProcessorEvents();
    const published: unknown[] = [];
    const onMessage = (message: unknown): void => void published.push(message);
    subscribe(PROCESSOR_DIAGNOSTICS_CHANNEL, onMessage);
    try {
      expect(events.wants('ingested')).toBe(true);
      events.emit(lag);
      expect(published).toEqual([lag]);
    } finally {
      unsubscribe(PROCESSOR_DIAGNOSTICS_CHANNEL, onMessage);
    }
    expect(events.wants('ingested')).toBe(false);
  });
});

describe('the processor log', () => {
  const config = { group: 'g', startFrom: 'earliest', topics: { state: 'st' } } as unknown as ProcessorConfig;
  function capture(json: boolean): { logger: Logger; lines: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] } {
    const lines: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
    const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
    const logger: Logger = {
      level: 'info',
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      event: (level, message, fields) => void lines.push({ level, message, ...(json ? { fields } : {}) }),
      status: (message, fields) => void lines.push({ level: 'info', message, ...(json ? { fields } : {}) }),
      child: () => logger,
    };
    return { logger, lines };
  }

  it('tells each event in the words operators know, with its fields beside them', () => {
    const events = new ProcessorEvents();
    const { logger, lines } = capture(true);
    logProcessorEvents(events, logger, config);
    const counters = { messages: 60, deadLettered: 2, snapshotsPublished: 4, checkpoints: 5 };
    const engine = { pointsSeen: 60_000, batches: 300, rejected: 3, reseeds: 0, jitterEvents: 0, skippedBatches: 0 };
    events.emit({ type: 'restored', model: 'm', source: 'newer', checkpoint: { partition: 0, offset: '9' }, groupPointer: { partition: 0, offset: '5' }, points: 60_000, messages: 60, counters, engine, passedOver: null, unreadable: null });
    events.emit({ type: 'skipped', topic: 'in', partition: 0, fromOffset: '35', toOffset: '59' });
    events.emit({ type: 'committed', model: 'm', checkpoint: { partition: 0, offset: '11' }, counters, engine, snapshot: { number: 4, final: true, pointsSeen: 60_000, logLikelihoodAverage: -2.5, stepSize: 0.01, changes: 0, lastChangeAt: null, anomaly: null, converged: true, weights: [0.25, 0.75] }, warmupBuffered: 0, deadLetters: 0, durationMs: 3 });
    events.emit(lag);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', "the group's offsets point at checkpoint 0@5, but a newer committed one of this model exists at 0@9 (its offsets were lost, as after a broker crash); resuming from it"],
      ['info', "restored model 'm' from checkpoint st/0@9: 60000 points, 60 messages"],
      ['info', 'in/0: the consumer starts at offset 35, behind the checkpoint at 60; skipping offsets 35 to 59, already in the model'],
      ['info', 'snapshot #4 (final): 60000 points, loglik -2.5000 (converged), weights [0.250, 0.750], 2 dead letters'],
    ]);
    expect(lines[2].fields).toEqual({ event: 'skipped', topic: 'in', partition: 0, fromOffset: '35', toOffset: '59' });
  });
});
