/**
 * An error and the errors it wraps, outermost first: kafkajs wraps its errors (retries
 * exceeded → connection error → socket error; a non-retriable error → the protocol error with
 * the broker's type) in `cause`, or in `originalError`. At most five.
 */
export function errorChain(error: unknown): Error[] {
  const out: Error[] = [];
  let e: unknown = error;
  while (e instanceof Error && out.length < 5) {
    out.push(e);
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return out;
}

/**
 * A stable code for an error, for logs to filter on: the broker's error type of the first
 * Kafka protocol error in the chain (REQUEST_TIMED_OUT, NOT_COORDINATOR), else the first
 * system error code (ECONNREFUSED, ENOTFOUND), else the outermost error's class name
 * (KafkaJSNumberOfRetriesExceeded); `unknown` for a thrown non-error.
 */
export function errorCode(error: unknown): string {
  const chain = errorChain(error);
  for (const e of chain) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && type !== '') return type;
  }
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return chain[0]?.name ?? 'unknown';
}
