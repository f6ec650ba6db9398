import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProcessorEvent, ProcessorEventType, RestoredEvent } from '../../../src/kafka/processor-events.js';
import type { LogLevel } from '../../../src/log/logger.js';
import { testBrokers, type uniqueNames } from './kafka-io.js';

const MAIN = fileURLToPath(new URL('../../../dist/bin/online-em.js', import.meta.url));

/** What every line of the JSON log (`--log-format json`) carries. */
interface LogLine {
  readonly time: string;
  readonly level: LogLevel;
  readonly name: string;
  readonly message: string;
}

/** One line of the JSON log, with any fields beside its words (`event` on the processor's events). */
export interface LogRecord extends LogLine {
  readonly event?: string;
  readonly [field: string]: unknown;
}

/** The fields of a line, without `type`, distributed over the events. */
type AsLogged<E> = E extends { readonly type: infer T } ? Omit<E, 'type'> & { readonly event: T } : never;

/**
 * A processor event as the log tells it: the event's fields (`event` names it, as `type`
 * does in src/kafka/processor-events.ts) beside the line's time, level and message. An
 * event told in several lines (a `restored` with a warning before it) is one entry, with
 * the time, level and message of its first line, and the words of all its lines in `lines` (no event has a field of that name).
 */
export type LoggedEvent = AsLogged<ProcessorEvent> & LogLine & { readonly lines: readonly string[] };
export type LoggedEventOf<T extends ProcessorEventType> = Extract<LoggedEvent, { readonly event: T }>;

/**
 * `online-em run` as a child process, always with `--log-format json`. Its log is kept
 * raw (`output`) and parsed line by line: `records` (every JSON line), `events` (the
 * processor's events), and `nonJsonLines` (anything else, which the processor never
 * writes: a stack trace, a runtime warning).
 */
export class ProcessorProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private raw = '';
  /** The process exited and both pipes are read to their end. */
  private closed = false;
  private readonly parsed: LogRecord[] = [];
  private readonly parsedEvents: LoggedEvent[] = [];
  private readonly notJson: string[] = [];
  /** Called after every parsed line and on exit (the waits in progress). */
  private readonly watchers = new Set<() => void>();

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [MAIN, 'run', '--log-format', 'json', ...args], {
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.raw += text;
        const lines = (pending + text).split('\n');
        pending = lines.pop()!;
        for (const line of lines) this.parseLine(line);
      });
      // A last line without its newline (cut by a SIGKILL) is not JSON either.
      stream.on('end', () => void (pending !== '' && this.parseLine(pending)));
    }
    // 'close', not 'exit': every line of both pipes has been read by then.
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.closed = true;
        resolve({ code, signal });
        this.notify();
      }),
    );
  }

  /** Standard options for a test model on the test broker. */
  static forNames(names: ReturnType<typeof uniqueNames>, extra: readonly string[] = [], env: Record<string, string> = {}): ProcessorProcess {
    return new ProcessorProcess(processorArgs(names, testBrokers().join(','), extra), env);
  }

  /** The raw log, stdout and stderr as written. */
  get output(): string {
    return this.raw;
  }

  /** Every JSON line of the log, in order. */
  get records(): readonly LogRecord[] {
    return this.parsed;
  }

  /** The processor's events (records with `event`), in order. */
  get events(): readonly LoggedEvent[] {
    return this.parsedEvents;
  }

  /** Lines of the log that are not JSON records (nothing but JSON lines is expected). */
  get nonJsonLines(): readonly string[] {
    return this.notJson;
  }

  /** The events of `type` (that satisfy `where`), from index `from` of `events` on. */
  eventsOf<T extends ProcessorEventType>(type: T, where: (e: LoggedEventOf<T>) => boolean = () => true, from = 0): LoggedEventOf<T>[] {
    return this.parsedEvents.slice(from).filter((e): e is LoggedEventOf<T> => e.event === type && where(e as LoggedEventOf<T>));
  }

  eventCount<T extends ProcessorEventType>(type: T, where?: (e: LoggedEventOf<T>) => boolean): number {
    return this.eventsOf(type, where).length;
  }

  /** The last event of `type` (that satisfies `where`), if any. */
  lastEvent<T extends ProcessorEventType>(type: T, where?: (e: LoggedEventOf<T>) => boolean): LoggedEventOf<T> | undefined {
    return this.eventsOf(type, where).at(-1);
  }

  /** Lines logged at warn or error level, events or not. */
  warnings(): LogRecord[] {
    return this.parsed.filter((r) => r.level === 'warn' || r.level === 'error');
  }

  /**
   * Resolves with the first event of `type` that satisfies `where`, among the events from
   * index `from` on (as they come); rejects after `timeoutMs`, or when the process exits first.
   */
  waitForEvent<T extends ProcessorEventType>(type: T, where?: (e: LoggedEventOf<T>) => boolean, timeoutMs = 60_000, from = 0): Promise<LoggedEventOf<T>> {
    return this.waitUntil(() => this.eventsOf(type, where, from)[0], timeoutMs, `a '${type}' event${where ? ` where ${where}` : ''}${from > 0 ? ` after event ${from}` : ''}`);
  }

  /** Resolves with the first committed snapshot (not the final one) that shows `points` points. */
  waitForSnapshot(points: number, timeoutMs = 60_000): Promise<LoggedEventOf<'committed'>> {
    return this.waitForEvent('committed', snapshotAt(points), timeoutMs);
  }

  /** Resolves with the first record (event or not) that satisfies `where`; rejects as waitForEvent does. */
  waitForRecord(where: (r: LogRecord) => boolean, timeoutMs = 60_000): Promise<LogRecord> {
    return this.waitUntil(() => this.parsed.find(where), timeoutMs, `a log record where ${where}`);
  }

  /**
   * Resolves with `check()` once it gives anything but undefined or false, checked now and
   * after every line of the log; rejects after `timeoutMs`, when the process exits first,
   * or when `check` throws, with the last lines of the log in the message.
   */
  waitUntil<R>(check: () => R | undefined | false, timeoutMs: number, what: string): Promise<R> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.watchers.delete(watch);
      };
      const fail = (why: string): void => {
        done();
        reject(new Error(`${why} ${what}; log:\n${this.raw.slice(-3000)}`));
      };
      const watch = (): void => {
        let found: R | undefined | false;
        try {
          found = check();
        } catch (error) {
          return fail(`${error instanceof Error ? error.message : String(error)}, while waiting for`);
        }
        if (found !== undefined && found !== false) {
          done();
          resolve(found);
        } else if (this.closed) {
          fail('processor exited before');
        }
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms waiting for`), timeoutMs);
      this.watchers.add(watch);
      watch();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  private notify(): void {
    for (const watch of [...this.watchers]) watch();
  }

  private parseLine(line: string): void {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = null;
    }
    if (!isRecord(record)) {
      this.notJson.push(line);
      this.notify();
      return;
    }
    this.parsed.push(record);
    if (typeof record.event === 'string') {
      const previous = this.parsedEvents.at(-1);
      if (previous && continues(previous, record)) (previous.lines as string[]).push(record.message);
      else this.parsedEvents.push({ ...record, lines: [record.message] } as unknown as LoggedEvent);
    }
    this.notify();
  }
}

/** A commit that published a snapshot, not the final one (what the log tells as "snapshot #N: ..."). */
export function isSnapshot(e: LoggedEventOf<'committed'>): boolean {
  return e.snapshot !== null && !e.snapshot.final;
}

/** A commit whose snapshot (not the final one) shows `points` points. */
export const snapshotAt =
  (points: number) =>
  (e: LoggedEventOf<'committed'>): boolean =>
    isSnapshot(e) && e.snapshot!.pointsSeen === points;

/** A restore from a checkpoint record (what the log tells as "restored model ..."), not a new fit nor a repair. */
export function resumedFromCheckpoint(e: Pick<RestoredEvent, 'source'>): boolean {
  return e.source === 'committed' || e.source === 'newer';
}

function isRecord(value: unknown): value is LogRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.time === 'string' && typeof r.level === 'string' && typeof r.message === 'string';
}

/** The fields of an event (what its lines have in common). */
function eventFields(r: LogRecord | LoggedEvent): string {
  const { time: _time, level: _level, message: _message, lines: _lines, ...fields } = r as LogRecord & { lines?: unknown };
  return JSON.stringify(fields);
}

/**
 * Whether `record` is another line of the event `previous` (src/kafka/processor-log.ts
 * writes an event's lines one after another, each with all its fields): same fields and a
 * message of its own. The same event twice in a row says the same words twice.
 */
function continues(previous: LoggedEvent, record: LogRecord): boolean {
  return previous.event === record.event && !previous.lines.includes(record.message) && eventFields(previous) === eventFields(record);
}

/** Standard `run` arguments for a test model `names` on `brokers`. */
export function processorArgs(names: ReturnType<typeof uniqueNames>, brokers: string, extra: readonly string[] = []): string[] {
  return [
    '--brokers', brokers,
    '--input-topic', names.input,
    '--snapshot-topic', names.snapshot,
    '--dead-letter-topic', names.deadLetter,
    '--state-topic', names.state,
    '--model', names.model,
    '--group', names.group,
    '--progress-interval', '1000',
    ...extra,
  ];
}
