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

/** `text` with every registered secret replaced by the placeholder. */
export function redactSecrets(text: string): string {
  if (registered.size === 0) return text;
  let out = text;
  for (const secret of registered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
