/**
 * Secrets (passwords, key passphrases) of this process. Every one is registered when it is
 * read, and the logger scrubs every registered value from every line it writes, whatever
 * wrote it (the Kafka client's debug log included): a secret that slipped into an error
 * message or a field still never reaches the output.
 */
const registered = new Set<string>();

export const REDACTED = '[redacted]';

/** Shorter secrets are refused where they are read (resolve-connection.ts): scrubbing them would blank ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/**
 * A secret value. Its text is only reachable through `reveal()`, so no template, JSON or
 * inspect of an object can carry it by accident: String(), JSON.stringify and util.inspect
 * all give the placeholder.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    if (value.length >= MIN_SECRET_LENGTH) {
      registered.add(value);
      // As it appears inside a JSON string (a JSON log line escapes quotes and backslashes).
      registered.add(JSON.stringify(value).slice(1, -1));
    }
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

/**
 * `text` with every registered secret replaced by the placeholder, and the password of every
 * broker address with credentials in it (redactBrokerCredentials).
 */
export function redactSecrets(text: string): string {
  let out = redactBrokerCredentials(text);
  for (const secret of registered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** What stands for the password of a broker address with credentials: `user:***@host:9092`. */
export const HIDDEN_PASSWORD = '***';

/**
 * A broker address with credentials in it, anywhere in a text: an optional `scheme://`, then
 * `user:password@` before a `host:port`. The password may hold anything but blanks, quotes and
 * commas (a list's separator); the last `@` before the host:port ends it.
 */
const BROKER_CREDENTIALS = /((?:[A-Za-z][\w+.-]*:\/\/)?)([^\s'"`@:/,=]*):[^\s'"`,]*@(?=[^\s'"`@/,]+:\d)/g;

/**
 * `text` with the password of every broker address written `user:password@host:port` replaced
 * by `***` (`user:***@host:port`). Brokers are refused in that form (resolve-connection.ts); this
 * keeps a password so written out of every line even where a broker list is echoed unchecked.
 */
export function redactBrokerCredentials(text: string): string {
  return text.includes('@') ? text.replace(BROKER_CREDENTIALS, `$1$2:${HIDDEN_PASSWORD}@`) : text;
}

/**
 * One broker entry as it may be shown: its credentials (whatever precedes the last `@`) hidden,
 * the user kept when a password follows it: `user:***@host:9092`, `***@host:9092`.
 */
export function hideBrokerCredentials(broker: string): string {
  const at = broker.lastIndexOf('@');
  if (at < 0) return broker;
  const scheme = /^[A-Za-z][\w+.-]*:\/\//.exec(broker)?.[0] ?? '';
  const userinfo = broker.slice(scheme.length, at);
  const colon = userinfo.indexOf(':');
  return `${scheme}${colon < 0 ? HIDDEN_PASSWORD : `${userinfo.slice(0, colon)}:${HIDDEN_PASSWORD}`}@${broker.slice(at + 1)}`;
}
