import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { routeProcessWarnings } from '../../src/log/process-warnings.js';

describe('runtime warnings', () => {
  afterEach(() => vi.restoreAllMocks());

  it('go through the JSON log (kafkajs\'s TimeoutNegativeWarning at debug, the others at warn), never as text of their own', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    routeProcessWarnings(createLogger({ level: 'debug', json: true }));
    // As Node 24 warns of kafkajs 2.2.4's setTimeout(…, 0 - Date.now()).
    setTimeout(() => undefined, -Date.now()).unref();
    process.emitWarning('something else', 'SomeWarning');
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    vi.restoreAllMocks();
    const lines = written.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const negative = lines.filter((l) => l.errorCode === 'TimeoutNegativeWarning');
    // Node 20 has no such warning; Node 24 has.
    if (Number(process.versions.node.split('.')[0]) >= 24) expect(negative.map((l) => l.level)).toEqual(['debug']);
    expect(lines.filter((l) => l.errorCode === 'SomeWarning').map((l) => [l.level, l.message])).toEqual([['warn', 'SomeWarning: something else']]);
  });
});
