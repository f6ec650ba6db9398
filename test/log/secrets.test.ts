import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessorEvents } from '../../src/kafka/processor-events.js';
import { logProcessorEvents } from '../../src/kafka/processor-log.js';
import type { ProcessorConfig } from '../../src/kafka/processor-types.js';
import { createLogger } from '../../src/log/logger.js';
import { hideBrokerCredentials, redactBrokerCredentials, redactSecrets } from '../../src/log/secrets.js';

describe('broker addresses with credentials', () => {
  it.each([
    ["got 'user:secret@host:9092'", "got 'user:***@host:9092'"],
    ['SASL_SSL://user:secret@host:9092,b:1', 'SASL_SSL://user:***@host:9092,b:1'],
    ['brokers a:1,user:secret@host:9092 over PLAINTEXT', 'brokers a:1,user:***@host:9092 over PLAINTEXT'],
    ['{"brokers":["user:p@ss:word@host:9092"]}', '{"brokers":["user:***@host:9092"]}'],
  ])('redactSecrets hides the password of %s', (text, redacted) => {
    expect(redactBrokerCredentials(text)).toBe(redacted);
    expect(redactSecrets(text)).toBe(redacted);
  });

  it.each([
    'at 01:02:03.456Z: 3 of 4 points refused: point 1: wrong-dimension: expected 3 coordinates, got 2',
    'user@host:9092 (no password)',
    'mail a:b@c d',
    'topic/0/42 committed: checkpoint online-em-state/0@17',
  ])('leaves other text alone: %s', (text) => {
    expect(redactBrokerCredentials(text)).toBe(text);
  });

  it.each([
    ['user:secret@host:9092', 'user:***@host:9092'],
    ['SASL_SSL://user:secret@host:9092', 'SASL_SSL://user:***@host:9092'],
    ['user:p@ss@host:9092', 'user:***@host:9092'],
    ['api-token@host:9092', '***@host:9092'],
    ['host:9092', 'host:9092'],
  ])('hideBrokerCredentials(%s) is %s', (broker, shown) => {
    expect(hideBrokerCredentials(broker)).toBe(shown);
  });
});

describe('the log', () => {
  afterEach(() => vi.restoreAllMocks());

  /** What the logger writes to stderr while `work` runs. */
  function logged(json: boolean, work: (events: ProcessorEvents) => void): string {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const events = new ProcessorEvents();
    const config = { group: 'g', startFrom: 'earliest', topics: { state: 'st' } } as unknown as ProcessorConfig;
    const stop = logProcessorEvents(events, createLogger({ level: 'info', json }), config);
    work(events);
    stop();
    vi.restoreAllMocks();
    return lines.join('');
  }

  it.each([false, true])('never prints the password of a broker address, where a broker list is printed (json %s)', (json) => {
    const output = logged(json, (events) =>
      events.emit({
        type: 'session-failed',
        error: 'Connection error: connect ECONNREFUSED user:hunter2x@host:9092',
        errorCode: 'ECONNREFUSED',
        connection: true,
        retryInMs: 1000,
        brokers: ['user:hunter2x@host:9092', 'SASL_SSL://bob:s3cret-pw@other:9093'],
      }),
    );
    expect(output).toContain('user:***@host:9092');
    expect(output).toContain('bob:***@other:9093');
    expect(output).not.toMatch(/hunter2x|s3cret/);
  });
});
