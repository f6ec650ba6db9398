import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';
import { redactSecrets } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The name every line carries (pino's `name`). */
export const LOGGER_NAME = 'online-em';

/**
 * A leveled logger to stderr: human lines by default; with `json`, one JSON object per line
 * (pino), with the line's fields beside its words for a log pipeline to filter on.
 */
export interface Logger {
  /** The least level written. */
  readonly level: LogLevel;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /**
   * A line that tells of an event: the words alone as text, the words and the event's
   * fields as JSON (for a log pipeline to filter on).
   */
  event(level: LogLevel, message: string, fields: Record<string, unknown>): void;
  /** A transient status line (progress): rewritten in place on a terminal, else logged as info (with `fields` in JSON). */
  status(message: string, fields?: Record<string, unknown>): void;
  /** This logger, with `fields` on every JSON line it writes (the model, say); the text lines stay as they are. */
  child(fields: Record<string, unknown>): Logger;
}

type Write = (level: LogLevel, message: string, fields: Record<string, unknown> | undefined) => void;

export function createLogger(options: { level: LogLevel; json: boolean }): Logger {
  const stream = process.stderr;
  const tty = stream.isTTY === true && !options.json;
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) {
      stream.write('\r\x1b[K');
      statusShown = false;
    }
  };
  let write: Write;
  if (options.json) {
    const json = pinoLogger(options.level, (line) => stream.write(redactSecrets(line)));
    write = (level, message, fields) => json[level](fields ?? {}, message);
  } else {
    write = (level, message, fields) => {
      if (RANK[level] < RANK[options.level]) return;
      clearStatus();
      const extra = fields && Object.keys(fields).length > 0 ? ` ${formatFields(fields)}` : '';
      stream.write(`${redactSecrets(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extra}`)}\n`);
    };
  }
  const status = (m: string, f: Record<string, unknown> | undefined, bound: Write): void => {
    if (!tty) return bound('info', m, options.json ? f : undefined);
    if (RANK.info < RANK[options.level]) return;
    stream.write(`\r\x1b[K${redactSecrets(m)}`);
    statusShown = true;
  };
  const make = (bindings: Record<string, unknown> | null): Logger => {
    // Bindings only in JSON (text lines stay as they were); merged, so a field never appears twice in a line.
    const bound: Write = bindings && options.json ? (level, m, f) => write(level, m, { ...bindings, ...f }) : write;
    return {
      level: options.level,
      debug: (m, f) => bound('debug', m, f),
      info: (m, f) => bound('info', m, f),
      warn: (m, f) => bound('warn', m, f),
      error: (m, f) => bound('error', m, f),
      event: (level, m, f) => bound(level, m, options.json ? f : undefined),
      status: (m, f) => status(m, f, bound),
      child: (fields) => make({ ...bindings, ...fields }),
    };
  };
  return make(null);
}

/**
 * pino, loaded only for a JSON log (a text log, and fit's start-up, never pay for it): ISO
 * `time`, the level's name in `level`, the words in `message`, pino's `pid`, `hostname` and
 * `name`. Each line goes through `write` (which scrubs the secrets) synchronously, so lines
 * keep their order with the text written to stderr directly and none is lost at exit.
 */
function pinoLogger(level: LogLevel, write: (line: string) => void): PinoLogger {
  const { pino, stdTimeFunctions } = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino(
    {
      name: LOGGER_NAME,
      level,
      messageKey: 'message',
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
