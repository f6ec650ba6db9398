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
