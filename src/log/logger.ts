import { redactSecrets } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A minimal leveled logger to stderr: human lines by default, one JSON object per line with `json`. */
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
}

export function createLogger(options: { level: LogLevel; json: boolean }): Logger {
  const stream = process.stderr;
  const name = 'online-em';
  const tty = stream.isTTY === true && !options.json;
  let statusShown = false;
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < RANK[options.level]) return;
    if (statusShown) {
      stream.write('\r\x1b[K');
      statusShown = false;
    }
    if (options.json) {
      stream.write(`${redactSecrets(JSON.stringify({ time: new Date().toISOString(), level, name, message, ...fields }))}\n`);
      return;
    }
    const extra = fields && Object.keys(fields).length > 0 ? ` ${formatFields(fields)}` : '';
    stream.write(`${redactSecrets(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extra}`)}\n`);
  };
  return {
    level: options.level,
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    event: (level, m, f) => write(level, m, options.json ? f : undefined),
    status: (m, f) => {
      if (!tty) return write('info', m, options.json ? f : undefined);
      if (RANK.info < RANK[options.level]) return;
      stream.write(`\r\x1b[K${redactSecrets(m)}`);
      statusShown = true;
    },
  };
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
